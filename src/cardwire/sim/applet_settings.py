"""Checks every applet's ``from_config`` shares: no unknown keys in its profile section, and
true/false settings that really are booleans. Errors name the key (docs/simulator.md)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from cardwire.errors import UsageError

COMMON_KEYS = frozenset({"type", "aid"})  # every applet section has these


def reject_unknown_keys(section: Mapping[str, Any], settings: Iterable[str], applet: str) -> None:
    """UsageError naming the first key (sorted) that is neither common nor in ``settings``;
    ``applet`` completes "unknown key for ...", e.g. ``"a filesystem applet"``."""
    unknown = sorted(set(section) - COMMON_KEYS - set(settings))
    if unknown:
        raise UsageError(f"{unknown[0]}: unknown key for {applet}")


def flag_setting(section: Mapping[str, Any], name: str, default: bool) -> bool:
    """The boolean setting ``name`` (``default`` when absent); UsageError for anything else."""
    value = section.get(name, default)
    if not isinstance(value, bool):
        raise UsageError(f"{name}: expected true or false")
    return value


def mapping_entries(value: object, name: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each entry of the list setting ``name`` with its path for messages (``pins[0]``);
    UsageError when the setting is not a list or an entry is not a mapping."""
    if not isinstance(value, list):
        raise UsageError(f"{name}: expected a list")
    for index, entry in enumerate(value):
        where = f"{name}[{index}]"
        if not isinstance(entry, Mapping):
            raise UsageError(f"{where}: expected a mapping")
        yield where, entry


def optional_number(entry: Mapping[str, Any], key: str, where: str) -> int | None:
    """The integer ``entry[key]`` or None when absent; UsageError for anything else (a bool too)."""
    value = entry.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise UsageError(f"{where}.{key}: expected a number")
    return value


def required_number(entry: Mapping[str, Any], key: str, where: str) -> int:
    """The integer ``entry[key]``; UsageError when absent or not an integer (a bool neither)."""
    value = optional_number(entry, key, where)
    if value is None:
        raise UsageError(f"{where}.{key}: expected a number")
    return value


__all__ = [
    "COMMON_KEYS",
    "flag_setting",
    "mapping_entries",
    "optional_number",
    "reject_unknown_keys",
    "required_number",
]
