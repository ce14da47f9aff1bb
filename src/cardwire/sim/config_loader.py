"""Profile sections to frozen dataclasses and back: the one loader and exporter of the
simulator's configuration (docs/simulator.md, "Profiles").

A configuration class is a frozen dataclass; its fields' annotations say what a profile may
hold, its field metadata the rest:

- ``bool``, ``str``, ``int`` (``range=(low, high)``, or ``hex_bytes=n``: written as n bytes of
  hex text and read from hex text or a number), ``bytes`` (hex text; ``length=n`` or
  ``lengths=(...)``), enums (by value), ``Literal[...]`` (one of the values), ``X | None``,
  nested configuration classes, ``tuple[X, ...]`` of any of these, and ``object`` (a JSON
  value passed through as it is: file trees and contents the file model reads itself);
- ``number_as_text=True`` on a ``str``: a number is read as its decimal text;
- ``omit_default=True``: the exporter leaves the key out while it holds its default.

:func:`load` rejects unknown keys and wrong types with a :class:`~cardwire.errors.ConfigError`
naming the key path (``pins[0].max_tries: expected a number``); errors a class's
``__post_init__`` raises as ConfigError get the path of that class's section in front.
:func:`export` gives back the JSON/YAML-able mapping, so ``export(load(C, x)) == x`` for every
section written in full.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeVar, Union, get_args, get_origin

from cardwire.errors import ConfigError, DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex

T = TypeVar("T")
V = TypeVar("V")
_NoneType = type(None)


def load(cls: type[T], data: object, path: str = "") -> T:
    """An instance of the configuration class ``cls`` from its profile section ``data``."""
    if not isinstance(data, Mapping) or not all(isinstance(k, str) for k in data):
        raise ConfigError(path, "expected a mapping with text keys")
    known = _fields(cls)
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(_join(path, unknown[0]), "unknown key")
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for name, spec in known.items():
        where = _join(path, name)
        if name in data:
            values[name] = _load_value(hints[name], data[name], where, spec.metadata)
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise ConfigError(where, "missing")
    try:
        return cls(**values)
    except ConfigError as exc:
        raise exc.within(path) from None


def export(config: object) -> dict[str, Any]:
    """The profile section of the configuration instance ``config`` (inverse of :func:`load`)."""
    hints = _hints(type(config))
    out: dict[str, Any] = {}
    for name, spec in _fields(type(config)).items():
        value = getattr(config, name)
        if spec.metadata.get("omit_default") and value == spec.default:
            continue
        out[name] = _export_value(hints[name], value, spec.metadata)
    return out


def without_type(section: Mapping[str, object]) -> dict[str, object]:
    """An applet's profile section without ``type``: the card reads that key to pick the applet
    class; the applet's configuration class holds the rest (``aid`` included)."""
    return {key: value for key, value in section.items() if key != "type"}


class _Referenced(Protocol):
    @property
    def reference(self) -> int: ...


E = TypeVar("E", bound=_Referenced)


def by_reference(entries: Sequence[E], build: Callable[[E], V]) -> dict[int, V]:
    """``build(entry)`` for each entry of a profile list (``pins``, ``keys``) by its
    ``reference``, which must be unique; an entry's ConfigError or UsageError gets its index."""
    built: dict[int, V] = {}
    for index, entry in enumerate(entries):
        if entry.reference in built:
            raise ConfigError(f"[{index}].reference", "expected a unique number")
        try:
            built[entry.reference] = build(entry)
        except ConfigError as exc:
            raise exc.within(f"[{index}]") from None
        except UsageError as exc:
            raise ConfigError(f"[{index}]", str(exc)) from None
    return built


def check(condition: bool, key: str, problem: str) -> None:
    """For ``__post_init__``: ConfigError naming ``key`` unless ``condition`` holds."""
    if not condition:
        raise ConfigError(key, problem)


_FIELDS: dict[type, dict[str, dataclasses.Field[Any]]] = {}
_HINTS: dict[type, dict[str, Any]] = {}


def _fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    found = _FIELDS.get(cls)
    if found is None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a configuration dataclass")
        found = _FIELDS[cls] = {f.name: f for f in dataclasses.fields(cls) if f.init}
    return found


def _hints(cls: type) -> dict[str, Any]:
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = typing.get_type_hints(cls)
    return found


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _optional_of(kind: Any) -> Any:
    """``X`` for ``X | None``; None for any other annotation."""
    if get_origin(kind) in (Union, types.UnionType):
        rest = [a for a in get_args(kind) if a is not _NoneType]
        if len(rest) == 1 and len(get_args(kind)) == 2:
            return rest[0]
    return None


def _load_value(kind: Any, value: object, where: str, meta: Mapping[str, Any]) -> Any:
    inner = _optional_of(kind)
    if inner is not None:
        return None if value is None else _load_value(inner, value, where, meta)
    if kind is object:
        return value
    origin = get_origin(kind)
    if origin is tuple:
        item_kind = get_args(kind)[0]
        if not isinstance(value, list | tuple):
            raise ConfigError(where, "expected a list")
        return tuple(
            _load_value(item_kind, item, f"{where}[{i}]", meta) for i, item in enumerate(value)
        )
    if origin is Literal:
        choices = get_args(kind)
        if value not in choices:
            raise ConfigError(where, f"expected one of {', '.join(map(str, choices))}")
        return value
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        return load(kind, value, where)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(value)
        except ValueError:
            names = ", ".join(str(m.value) for m in kind)
            raise ConfigError(where, f"expected one of {names}") from None
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(where, "expected true or false")
        return value
    if kind is int:
        return _load_int(value, where, meta)
    if kind is str:
        if meta.get("number_as_text") and _is_number(value):
            return str(value)
        if not isinstance(value, str):
            raise ConfigError(where, "expected text")
        return value
    if kind is bytes:
        return _load_bytes(value, where, meta)
    raise TypeError(f"{where}: no loader for {kind!r}")


def _load_int(value: object, where: str, meta: Mapping[str, Any]) -> int:
    width = meta.get("hex_bytes")
    if width is not None and isinstance(value, str):
        raw = _load_bytes(value, where, {"length": width})
        return int.from_bytes(raw, "big")
    if not _is_number(value):
        raise ConfigError(where, "expected a number")
    assert isinstance(value, int)
    low, high = meta.get("range", (None, None))
    if width is not None:
        low, high = 0, (1 << (8 * width)) - 1
    if low is not None and not low <= value <= high:
        raise ConfigError(where, f"expected a number {low}..{high}")
    return value


def _load_bytes(value: object, where: str, meta: Mapping[str, Any]) -> bytes:
    if not isinstance(value, str):
        raise ConfigError(where, "expected hex text")
    try:
        raw = parse_hex(value)
    except DecodeError as exc:
        raise ConfigError(where, str(exc)) from None
    lengths = meta.get("lengths") or ((meta["length"],) if "length" in meta else None)
    if lengths is not None and len(raw) not in lengths:
        expected = " or ".join(map(str, lengths))
        raise ConfigError(where, f"expected {expected} bytes, got {len(raw)}")
    return raw


def _export_value(kind: Any, value: Any, meta: Mapping[str, Any]) -> Any:
    inner = _optional_of(kind)
    if inner is not None:
        return None if value is None else _export_value(inner, value, meta)
    if get_origin(kind) is tuple:
        return [_export_value(get_args(kind)[0], item, meta) for item in value]
    if dataclasses.is_dataclass(value):
        return export(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return to_hex(value)
    if isinstance(value, int) and not isinstance(value, bool) and "hex_bytes" in meta:
        return to_hex(value.to_bytes(meta["hex_bytes"], "big"))
    return value


__all__ = ["check", "export", "load", "without_type"]
