"""Card profiles: a simulated card described in a human-editable YAML or JSON file.

Layout (YAML shown; JSON has the same shape, chosen by the ``.json`` extension)::

    card:
      protocols: [1]            # transmission protocols announced in the ATR (0 and/or 1)
      extended_length: true     # extended Lc/Le accepted (else 6700)
      logical_channels: 20      # channels 0..N-1 (1 = basic channel only), at most 20
      historical_bytes: null    # hex to override the built historical bytes
      chaining: true            # command chaining (CLA b5) accepted (else 6884)
      wrong_le: 6Cxx            # answer to a too-small Le on a fixed-length response: 6Cxx | 61xx
      default_applet: null      # AID of the implicitly selected applet (default: the first)
      life_cycle: operational   # operational | terminated (ISO 7816-9 TERMINATE CARD USAGE)
    applets:
      - type: filesystem        # a key of cardwire.sim.applets.APPLET_TYPES
        aid: F0636172647769726500
        ...                     # the applet's own configuration (and saved state)

A state file written by the card is a profile too: the same layout with the applets' exported
state, so it loads like any other profile. Unknown keys and wrong types raise ``UsageError``
naming the key path (``card.logical_channels``, ``applets[1].aid``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sim import state_store

MAX_LOGICAL_CHANNELS = 20  # ISO 7816-4:2020 5.4.1: channel numbers 0-19
MAX_HISTORICAL_BYTES = 15  # ISO 7816-3:2006 8.2.2: K is four bits
WRONG_LE_CHOICES = ("6Cxx", "61xx")
LIFE_CYCLES = ("operational", "terminated")
PROTOCOLS = (0, 1)

FILESYSTEM_AID = bytes.fromhex("F0636172647769726500")  # F0 "cardwire" 00
ECHO_AID = bytes.fromhex("F0636172647769726503")  # F0 "cardwire" 03
KEYCARD_AID = bytes.fromhex("A00000080400010101")  # Keycard instance 01 (applet AID + 01)
EPASSPORT_AID = bytes.fromhex("A0000002471001")  # ICAO 9303-10: LDS1 eMRTD application
EID_AID = bytes.fromhex("E80704007F00070302")  # BSI TR-03110-4 2.2.1: eID application
SECURITY_DOMAIN_AID = bytes.fromhex("A000000151000000")  # GlobalPlatform ISD (GPC v2.3 F.1)


def _yaml() -> ModuleType:
    """PyYAML, imported when a YAML profile is first read or written (the ``sim`` extra)."""
    try:
        import yaml
    except ModuleNotFoundError as exc:
        raise UsageError(
            "YAML profiles need PyYAML: pip install 'cardwire[sim]' (or name the file .json)"
        ) from exc
    return yaml


_DEFAULT_APPLETS: tuple[tuple[str, bytes], ...] = (
    ("filesystem", FILESYSTEM_AID),
    ("echo", ECHO_AID),
    ("keycard", KEYCARD_AID),
    ("epassport", EPASSPORT_AID),
    ("eid", EID_AID),
    ("security-domain", SECURITY_DOMAIN_AID),
)


@dataclass(frozen=True)
class CardOptions:
    """The ``card:`` section of a profile."""

    protocols: tuple[int, ...] = (1,)
    extended_length: bool = True
    logical_channels: int = MAX_LOGICAL_CHANNELS
    historical_bytes: bytes | None = None
    chaining: bool = True
    wrong_le: str = "6Cxx"
    default_applet: bytes | None = None
    life_cycle: str = "operational"

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocols": list(self.protocols),
            "extended_length": self.extended_length,
            "logical_channels": self.logical_channels,
            "historical_bytes": None
            if self.historical_bytes is None
            else to_hex(self.historical_bytes),
            "chaining": self.chaining,
            "wrong_le": self.wrong_le,
            "default_applet": None if self.default_applet is None else to_hex(self.default_applet),
            "life_cycle": self.life_cycle,
        }


@dataclass(frozen=True)
class AppletSpec:
    """One entry of ``applets:``: its type, AID and the rest of its section (``settings``)."""

    type: str
    aid: bytes
    # Not in the repr: settings hold PINs and keys (tests/reliability/test_secrets.py).
    settings: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def section(self) -> dict[str, Any]:
        """The whole profile section: what the applet factory receives."""
        return {"type": self.type, "aid": to_hex(self.aid), **self.settings}


@dataclass(frozen=True)
class Profile:
    """A whole card: options and applets (in selection order)."""

    card: CardOptions = field(default_factory=CardOptions)
    applets: tuple[AppletSpec, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "card": self.card.to_dict(),
            "applets": [spec.section() for spec in self.applets],
        }

    @classmethod
    def from_dict(cls, data: object) -> Profile:
        """Validate a decoded profile document."""
        top = _mapping(data, "profile")
        _only_keys(top, ("card", "applets"), "")
        card = _card_options(top.get("card", {}))
        raw_applets = top.get("applets", [])
        if not isinstance(raw_applets, list):
            raise UsageError(f"applets: expected a list, got {_type_name(raw_applets)}")
        applets = tuple(_applet_spec(item, f"applets[{i}]") for i, item in enumerate(raw_applets))
        aids = [spec.aid for spec in applets]
        for i, aid in enumerate(aids):
            if aid in aids[:i]:
                raise UsageError(f"applets[{i}].aid: {to_hex(aid)} is used twice")
        if card.default_applet is not None and card.default_applet not in aids:
            raise UsageError(
                f"card.default_applet: no applet has AID {to_hex(card.default_applet)}"
            )
        return cls(card, applets)

    def with_state(self, life_cycle: str, states: Mapping[bytes, Mapping[str, Any]]) -> Profile:
        """This profile with the card's life cycle and each applet's exported state merged in."""
        applets = tuple(
            replace(spec, settings={**spec.settings, **_without_identity(states[spec.aid])})
            if spec.aid in states
            else spec
            for spec in self.applets
        )
        return Profile(replace(self.card, life_cycle=life_cycle), applets)


def default_profile() -> Profile:
    """The default simulated card (docs/simulator.md): file system applet, then echo applet."""
    from cardwire.sim.applets import DEFAULT_CONFIGS

    applets = []
    for applet_type, aid in _DEFAULT_APPLETS:
        config = dict(DEFAULT_CONFIGS[applet_type]())
        config.pop("type", None)
        aid_text = config.pop("aid", None)
        spec_aid = parse_hex(aid_text) if isinstance(aid_text, str) else aid
        applets.append(AppletSpec(applet_type, spec_aid, config))
    return Profile(CardOptions(), tuple(applets))


def is_json_path(path: Path) -> bool:
    """Profiles are JSON when the file name ends in ``.json``, YAML otherwise."""
    return path.suffix.lower() == ".json"


def dumps(profile: Profile, *, json_format: bool = False) -> str:
    """The profile as YAML (default) or JSON text."""
    document = profile.to_dict()
    if json_format:
        return json.dumps(document, indent=2) + "\n"
    yaml = _yaml()
    # libyaml's C emitter when PyYAML was built with it (the card writes on every commit).
    return str(
        yaml.dump(
            document,
            Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
            sort_keys=False,
            default_flow_style=False,
            allow_unicode=True,
        )
    )


def loads(text: str, *, json_format: bool = False, source: str = "profile") -> Profile:
    """Parse and validate profile text."""
    if json_format:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DecodeError(f"{source}: not valid JSON: {exc}") from None
    else:
        yaml = _yaml()
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when built
        try:
            document = yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            raise DecodeError(f"{source}: not valid YAML: {_yaml_problem(exc)}") from None
    return Profile.from_dict(document)


def _yaml_problem(exc: Exception) -> str:
    """PyYAML's several-line message as one line (docs/cli.md): the problem, line and column."""
    yaml = _yaml()
    if not isinstance(exc, yaml.MarkedYAMLError):
        return " ".join(str(exc).split())
    problem = exc.problem or exc.context or "syntax error"
    mark = exc.problem_mark or exc.context_mark
    where = "" if mark is None else f" at line {mark.line + 1}, column {mark.column + 1}"
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    return f"{problem}{context}{where}"


def load(path: Path) -> Profile:
    """Read a profile (or state) file."""
    try:
        text = state_store.load_text(path)
    except OSError as exc:
        raise UsageError(f"cannot read profile {path}: {exc.strerror or exc}") from exc
    try:
        return loads(text, json_format=is_json_path(path), source=str(path))
    except UsageError as exc:
        raise UsageError(f"{path}: {exc}") from exc


def save(path: Path, profile: Profile) -> None:
    """Write a profile atomically (state_store), YAML unless the name ends in ``.json``."""
    state_store.save_atomic(path, dumps(profile, json_format=is_json_path(path)))


# --- validation helpers ------------------------------------------------------------------------


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise UsageError(f"{where}: expected a mapping with text keys, got {_type_name(value)}")
    return value


def _only_keys(section: Mapping[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
    for key in section:
        if key not in allowed:
            raise UsageError(f"{prefix}{key}: unknown key (expected one of {', '.join(allowed)})")


def _bool(section: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise UsageError(f"{where}.{key}: expected true or false, got {_type_name(value)}")
    return value


def _hex_or_none(value: object, where: str) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{where}: expected hex text, got {_type_name(value)}")
    try:
        return parse_hex(value)
    except DecodeError as exc:
        raise UsageError(f"{where}: {exc}") from exc


def _card_options(value: object) -> CardOptions:
    section = _mapping(value, "card")
    defaults = CardOptions()
    _only_keys(section, tuple(defaults.to_dict()), "card.")
    protocols = section.get("protocols", list(defaults.protocols))
    if (
        not isinstance(protocols, list)
        or not protocols
        or not all(isinstance(p, int) and not isinstance(p, bool) for p in protocols)
        or not set(protocols) <= set(PROTOCOLS)
    ):
        raise UsageError("card.protocols: expected a non-empty list of 0 and/or 1 (T=0, T=1)")
    channels = section.get("logical_channels", defaults.logical_channels)
    if (
        not isinstance(channels, int)
        or isinstance(channels, bool)
        or not 1 <= channels <= MAX_LOGICAL_CHANNELS
    ):
        raise UsageError(f"card.logical_channels: expected an integer 1..{MAX_LOGICAL_CHANNELS}")
    historical = _hex_or_none(section.get("historical_bytes"), "card.historical_bytes")
    if historical is not None and len(historical) > MAX_HISTORICAL_BYTES:
        raise UsageError(f"card.historical_bytes: at most {MAX_HISTORICAL_BYTES} bytes")
    wrong_le = section.get("wrong_le", defaults.wrong_le)
    if wrong_le not in WRONG_LE_CHOICES:
        raise UsageError(f"card.wrong_le: expected one of {', '.join(WRONG_LE_CHOICES)}")
    life_cycle = section.get("life_cycle", defaults.life_cycle)
    if life_cycle not in LIFE_CYCLES:
        raise UsageError(f"card.life_cycle: expected one of {', '.join(LIFE_CYCLES)}")
    return CardOptions(
        protocols=tuple(sorted(set(protocols))),
        extended_length=_bool(section, "extended_length", defaults.extended_length, "card"),
        logical_channels=channels,
        historical_bytes=historical,
        chaining=_bool(section, "chaining", defaults.chaining, "card"),
        wrong_le=str(wrong_le),
        default_applet=_hex_or_none(section.get("default_applet"), "card.default_applet"),
        life_cycle=str(life_cycle),
    )


def _applet_spec(value: object, where: str) -> AppletSpec:
    section = _mapping(value, where)
    applet_type = section.get("type")
    if not isinstance(applet_type, str) or not applet_type:
        raise UsageError(f"{where}.type: expected the applet type name")
    aid = _hex_or_none(section.get("aid"), f"{where}.aid")
    # ISO 7816-4:2020 8.2.1.2 / ISO 7816-5: an application identifier has 5 to 16 bytes.
    if aid is None or not 5 <= len(aid) <= 16:
        raise UsageError(f"{where}.aid: expected an AID of 5 to 16 bytes in hex")
    return AppletSpec(applet_type, aid, _without_identity(section))


def _without_identity(section: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in section.items() if k not in ("type", "aid")}
