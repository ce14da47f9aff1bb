"""Named commands: one table shared by ``run`` scripts and ``cardwire shell`` (issue 18, "one
language"). Sans-IO: each entry turns its words into a :class:`~cardwire.apdu.Command`.

Usage (the script grammar does this for a line whose first word is a name here; the shell can
do the same for its lines)::

    from cardwire.scripting.named import NAMED_COMMANDS, build_command

    command = build_command("read-binary", ["0", "16"])   # READ BINARY, offset 0, Ne 16
    NAMED_COMMANDS["verify"].usage                         # "verify REF PIN"

A bad word raises :class:`cardwire.errors.UsageError` with the usage line, before anything is
sent. Numbers are decimal, identifiers hex, as in the shell. Adding a command here makes it
valid in both places; ``secret`` marks a command whose words hold a secret (shown hidden).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cardwire import commands
from cardwire.apdu import Command
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex

FID_LENGTH = 2  # ISO/IEC 7816-4:2020 7.1.1: a file identifier is two bytes


@dataclass(frozen=True, slots=True)
class NamedCommand:
    """One named command: its name, usage line, one-line summary and its APDU builder."""

    name: str
    usage: str
    summary: str
    build: Callable[[Sequence[str]], Command]
    secret: bool = False


def decimal(text: str, what: str, low: int, high: int) -> int:
    """A decimal argument in ``low..high``."""
    if not (text.isascii() and text.isdigit()):
        raise UsageError(f"{what} must be a decimal number, got {text!r}")
    value = int(text)
    if not low <= value <= high:
        raise UsageError(f"{what} must be {low}..{high}, got {value}")
    return value


def _arity(args: Sequence[str], low: int, high: int, usage: str) -> None:
    if not low <= len(args) <= high:
        raise UsageError(f"usage: {usage}")


def _select(args: Sequence[str]) -> Command:
    _arity(args, 1, 1, "select FID|AID")
    try:
        target = parse_hex(args[0])
    except DecodeError as exc:
        raise UsageError(f"select: {exc}") from exc
    if not target:
        raise UsageError("select needs a file identifier or an AID")
    # ISO/IEC 7816-4:2020 11.2.2: P1 00 by file identifier, P1 04 by DF name (AID)
    if len(target) == FID_LENGTH:
        return commands.select_fid(target)
    return commands.select_by_aid(target)


def _read_binary(args: Sequence[str]) -> Command:
    _arity(args, 0, 2, "read-binary [OFFSET [LEN]]")
    offset = decimal(args[0], "OFFSET", 0, 0xFFFFFFFF) if args else 0
    length = decimal(args[1], "LEN", 1, 65536) if len(args) > 1 else 256
    return commands.read_binary(offset, ne=length)


def _read_record(args: Sequence[str]) -> Command:
    _arity(args, 1, 1, "read-record N")
    # ISO/IEC 7816-4:2020 11.4.3: records 1..254 (00 and FF are reserved)
    return commands.read_record(decimal(args[0], "N", 1, 254))


def _verify(args: Sequence[str]) -> Command:
    _arity(args, 2, 2, "verify REF PIN")
    return commands.verify(decimal(args[0], "REF", 0, 255), args[1].encode("utf-8"))


def _get_challenge(args: Sequence[str]) -> Command:
    _arity(args, 0, 1, "get-challenge [LEN]")
    return commands.get_challenge(decimal(args[0], "LEN", 1, 256) if args else 8)


NAMED_COMMANDS: dict[str, NamedCommand] = {
    entry.name: entry
    for entry in (
        NamedCommand("select", "select FID|AID", "SELECT a file (2 bytes) or an AID", _select),
        NamedCommand(
            "read-binary",
            "read-binary [OFFSET [LEN]]",
            "READ BINARY (decimal; LEN 256)",
            _read_binary,
        ),
        NamedCommand("read-record", "read-record N", "READ RECORD N", _read_record),
        NamedCommand("verify", "verify REF PIN", "VERIFY (PIN as text)", _verify, secret=True),
        NamedCommand("get-challenge", "get-challenge [LEN]", "GET CHALLENGE (8)", _get_challenge),
    )
}
"""Every named command by name (lower case)."""


def build_command(name: str, args: Sequence[str]) -> Command:
    """The APDU of named command ``name`` with ``args``; UsageError for an unknown name or a
    bad argument."""
    entry = NAMED_COMMANDS.get(name.lower())
    if entry is None:
        raise UsageError(f"unknown command {name!r} (named: {', '.join(sorted(NAMED_COMMANDS))})")
    return entry.build(args)


__all__ = ["NAMED_COMMANDS", "NamedCommand", "build_command", "decimal"]
