"""GPShell scripts (``cardwire run --gpshell FILE``): the statement grammar and its parser
(sans-IO: text in, checked statements out).

The syntax is GPShell's, as its manual documents it (kaoh/globalplatform,
``gpshell/src/gpshell.1.md``, "COMMANDS" and "OPTIONS"): one command per line, options as
``-name value`` separated by blanks or commas, ``//`` and ``#`` comments (whole lines, or after
a statement), ``${NAME}`` replaced from the environment. Numbers are decimal or ``0x`` hex
(``-priv 0x04``, ``-scpimpl 0x15``, ``-security 3``, ``-keyver 48``), except ``-element``,
which the manual gives in hex (``80``, ``40``, ``20``, ``10``, ``e0``). The commands understood:

    mode_201 | mode_211 | enable_trace | enable_timer | establish_context | release_context
    card_connect [-reader NAME | -readerNumber N] [-protocol N]   (the card is --sim|--reader's)
    card_disconnect
    select -AID AID
    open_sc [-keyind 0] [-keyver N] (-key K | -mac_key K -enc_key K -kek_key K)
            [-security N] [-scp 2|3] [-scpimpl I] [-keyDerivation none]
    install -file CAP [-priv P] [-sdAID A] [-AID A] [-pkgAID A] [-instAID A] [-instParam HEX]
            [-nvCodeLimit N] [-nvDataLimit N] [-vDataLimit N]
    install_for_load -pkgAID A [-sdAID A] [limits]      load -file CAP
    install_for_install -pkgAID A -AID A [-instAID A] [-priv P] [-instParam HEX] [limits]
    delete -AID AID
    get_status -element 80|40|20|10|e0 [-format N]
    get_data -identifier TAG
    put_sc_key [-keyver N] -newkeyver N (-key K | -mac_key K -enc_key K -kek_key K)
    send_apdu | send_apdu_nostop [-sc 0|1] -APDU HEX

``open_sc -scp 2`` is cardwire's SCP02 with ``-scpimpl 0x15`` or ``0x55`` (the default 0x55);
``-scp 3`` is SCP03 (``-scpimpl`` bit 1: S16); without ``-scp`` the runner reads the card's
recognition data (tag 66) for it. ``-security`` is GPShell's number (0, 1, 3, 17, 19, 51 =
EXTERNAL AUTHENTICATE P1 00, 01, 03, 11, 13, 33). Anything cardwire cannot do (SCP01 under
``mode_201``, another implementation option, a key derivation, an unknown command or option)
is a :class:`UsageError` naming the line and the option, raised before anything is sent.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex

_LIMITS = ("nvCodeLimit", "nvDataLimit", "vDataLimit")
_KEYS = ("key", "mac_key", "enc_key", "kek_key")

# command -> (allowed options, required options)
COMMANDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "mode_201": ((), ()),
    "mode_211": ((), ()),
    "enable_trace": ((), ()),
    "enable_timer": ((), ()),
    "establish_context": ((), ()),
    "release_context": ((), ()),
    "card_connect": (("reader", "readerNumber", "protocol"), ()),
    "card_disconnect": ((), ()),
    "select": (("AID",), ("AID",)),
    "open_sc": (
        ("keyind", "keyver", *_KEYS, "security", "scp", "scpimpl", "keyDerivation"),
        (),
    ),
    "install": (
        ("file", "priv", "sdAID", "AID", "pkgAID", "instAID", "instParam", *_LIMITS),
        ("file",),
    ),
    "install_for_load": (("pkgAID", "sdAID", *_LIMITS), ("pkgAID",)),
    "load": (("file",), ("file",)),
    "install_for_install": (
        ("priv", "AID", "pkgAID", "instAID", "instParam", *_LIMITS),
        ("pkgAID", "AID"),
    ),
    "delete": (("AID",), ("AID",)),
    "get_status": (("element", "format"), ("element",)),
    "get_data": (("identifier",), ("identifier",)),
    "put_sc_key": (("keyver", "newkeyver", *_KEYS), ("newkeyver",)),
    "send_apdu": (("sc", "APDU"), ("APDU",)),
    "send_apdu_nostop": (("sc", "APDU"), ("APDU",)),
}
_HEX_OPTIONS = frozenset(
    {"AID", "sdAID", "pkgAID", "instAID", "instParam", "APDU", "identifier", *_KEYS}
)
_NUMBER_OPTIONS = frozenset(
    {"keyind", "keyver", "newkeyver", "security", "scp", "scpimpl", "priv", "sc", "format"}
    | set(_LIMITS)
)
# GPShell's -security numbers (decimal) are EXTERNAL AUTHENTICATE P1 (GPC 10.7.2.1,
# Amendment D 7.1.2.1): 17 = 0x11 (C-MAC, R-MAC), 19 = 0x13, 51 = 0x33.
ELEMENTS = frozenset({0x80, 0x40, 0x20, 0x10, 0xE0})  # GET STATUS P1 (GPC 11.4.2.1)
_REFERENCE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True, slots=True)
class GpStatement:
    """One GPShell command: its line, its name and its options by canonical name."""

    line: int
    text: str
    command: str
    options: dict[str, str] = field(default_factory=dict)
    secure: dict[str, Any] | None = None  # open_sc / put_sc_key: cardwire's session values

    def has(self, name: str) -> bool:
        return name in self.options

    def hex(self, name: str) -> bytes:
        return parse_hex(self.options[name])

    def number(self, name: str, default: int = 0) -> int:
        return default if name not in self.options else parse_number(self.options[name])

    def element(self) -> int:
        return int(self.options["element"], 16)


def parse_number(text: str) -> int:
    """A GPShell number: decimal, or hex with ``0x``."""
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        raise UsageError(f"{text!r} is not a number (decimal, or hex with 0x)") from None


def _words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace += ","
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _strip_comment(text: str) -> str:
    for marker in ("//", "#"):
        at = text.find(marker)
        if at == 0 or (at > 0 and text[at - 1].isspace()):
            text = text[:at]
    return text.strip()


def _options(command: str, words: list[str]) -> dict[str, str]:
    allowed, required = COMMANDS[command]
    by_lower = {name.lower(): name for name in allowed}
    options: dict[str, str] = {}
    rest = iter(words)
    for word in rest:
        if not word.startswith("-"):
            raise UsageError(f"{command}: {word!r} is not an option (options start with -)")
        name = by_lower.get(word[1:].lower())
        if name is None:
            raise UsageError(f"{command}: option {word} is not supported by cardwire")
        value = next(rest, None)
        if value is None:
            raise UsageError(f"{command}: option -{name} needs a value")
        options[name] = value
    for name in required:
        if name not in options:
            raise UsageError(f"{command}: option -{name} is required")
    for name, value in options.items():
        try:
            if name in _HEX_OPTIONS:
                parse_hex(value)
            elif name in _NUMBER_OPTIONS:
                parse_number(value)
            elif name == "element" and int(value, 16) not in ELEMENTS:
                raise UsageError("-element takes 80, 40, 20, 10 or e0")
        except (DecodeError, ValueError) as exc:
            raise UsageError(f"{command}: -{name} {value}: {exc}") from None
        except UsageError as exc:
            raise UsageError(f"{command}: -{name} {value}: {exc}") from None
    return options


def key_text(statement: GpStatement) -> str:
    """``-key K`` (one key for all three) or ``-enc_key``/``-mac_key``/``-kek_key``, as
    cardwire's ``--keys`` text (ENC,MAC,DEK)."""
    names = [name for name in _KEYS if statement.has(name)]
    if names == ["key"]:
        return statement.options["key"]
    if sorted(names) == sorted(_KEYS[1:]):
        return ",".join(statement.options[k] for k in ("enc_key", "mac_key", "kek_key"))
    raise UsageError(
        f"{statement.command}: give -key, or all of -enc_key -mac_key -kek_key (got "
        + (" ".join(f"-{n}" for n in names) or "none")
        + ")"
    )


def secure_values(statement: GpStatement, mode: int) -> dict[str, Any]:
    """``open_sc``'s options as cardwire's session values: ``protocol`` (``scp02``, ``scp03``
    or None: read it from the card), ``keys``, ``kvn``, ``level``, and ``i`` or ``s16``."""
    derivation = statement.options.get("keyDerivation", "none")
    if derivation.lower() != "none":
        raise UsageError(f"open_sc: -keyDerivation {derivation} is not supported by cardwire")
    if statement.number("keyind") != 0:
        raise UsageError("open_sc: -keyind: cardwire opens key index 0 only")
    scp = statement.number("scp") if statement.has("scp") else None
    if scp is None and mode == 201:
        # GPShell's mode_201 is OpenPlatform 2.0.1, whose channel is SCP01
        raise UsageError(
            "open_sc: mode_201 opens SCP01, which cardwire does not speak (use -scp 2)"
        )
    if scp not in (None, 2, 3):
        raise UsageError(f"open_sc: -scp {scp}: cardwire speaks SCP02 (-scp 2) and SCP03 (-scp 3)")
    kvn = statement.number("keyver")
    if not 0 <= kvn <= 0xFF:
        raise UsageError(f"open_sc: -keyver {kvn} is not a key version (0 to 255)")
    level = statement.number("security", 1)
    values: dict[str, Any] = {
        "protocol": None if scp is None else f"scp0{scp}",
        "keys": key_text(statement),
        "kvn": f"{kvn:02X}",
        "level": f"{level & 0xFF:02X}",
    }
    impl = statement.number("scpimpl") if statement.has("scpimpl") else None
    if scp == 2:
        from cardwire.sm.scp02.constants import implementation_option, security_level

        if impl is not None and impl not in (0x15, 0x55):
            raise UsageError(f"open_sc: -scpimpl {impl:#04x}: cardwire's SCP02 takes 0x15 or 0x55")
        values["i"] = f"{impl or 0x55:02X}"
        implementation_option(int(values["i"], 16))
        _level(security_level, level)
    if scp == 3:
        from cardwire.sm.scp03 import security_level as scp03_level

        values["s16"] = bool(impl is not None and impl & 0x01)  # Amendment D 5.1: "i" b1
        _level(scp03_level, level)
    return values


def _level(check: Any, level: int) -> None:
    try:
        check(level)
    except UsageError as exc:
        raise UsageError(f"open_sc: -security {level}: {exc}") from None


def parse_gpshell(text: str, environment: Mapping[str, str] | None = None) -> list[GpStatement]:
    """Every statement of a GPShell script, checked (module doc); UsageError names the line."""
    environment = environment or {}
    statements: list[GpStatement] = []
    mode = 201  # GPShell's default (its manual: mode_201 "is the default")
    for number, raw_line in enumerate(text.splitlines(), start=1):
        try:
            line = _REFERENCE.sub(lambda m: _lookup(environment, m.group(1)), raw_line)
            words = _words(_strip_comment(line))
            if not words:
                continue
            command = words[0].lower()
            if command not in COMMANDS:
                raise UsageError(f"{words[0]}: not a GPShell command cardwire supports")
            statement = GpStatement(number, raw_line.strip(), command, _options(command, words[1:]))
            if command in ("mode_201", "mode_211"):
                mode = int(command[-3:])
            elif command == "open_sc":
                statement = GpStatement(
                    number,
                    statement.text,
                    command,
                    statement.options,
                    secure_values(statement, mode),
                )
            elif command == "put_sc_key":
                key_text(statement)
            elif command.startswith("send_apdu") and statement.number("sc", 1) not in (0, 1):
                raise UsageError(f"{command}: -sc takes 0 or 1")
        except UsageError as exc:
            raise UsageError(f"line {number}: {exc}") from None
        statements.append(statement)
    return statements


def _lookup(environment: Mapping[str, str], name: str) -> str:
    if name not in environment:
        raise UsageError(f"${{{name}}} is not set in the environment")
    return environment[name]


__all__ = ["COMMANDS", "GpStatement", "key_text", "parse_gpshell", "parse_number", "secure_values"]
