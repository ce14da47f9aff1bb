"""Named commands: one table shared by ``run`` scripts and ``cardwire shell`` (issue 18, "one
language"). Sans-IO: each entry turns its words into a :class:`~cardwire.apdu.Command`.

Usage (the script grammar does this for a line whose first word is a name here; the shell can
do the same for its lines)::

    from cardwire.scripting.named import NAMED_COMMANDS, build_command

    command = build_command("read-binary", ["0", "16"])   # READ BINARY, offset 0, Ne 16
    NAMED_COMMANDS["verify"].usage                         # "verify REF PIN"

A bad word raises :class:`cardwire.errors.UsageError` with the usage line, before anything is
sent. Numbers are decimal, identifiers hex, as in the shell. This table is the one source:
adding a command here makes it valid in ``run`` scripts and in the shell (its help, its
completion and its interpreter, :mod:`cardwire.cli.shell_commands`), where a few commands
do more (``select`` by path; a PIN left off is asked). ``secret`` marks a command whose words
hold a secret (shown hidden, kept out of the shell history); ``prompts`` name the secret
values the shell asks without echo when the line leaves them off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cardwire import commands, tlv
from cardwire.apdu import Command
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex
from cardwire.ins import Ins

FID_LENGTH = 2  # ISO/IEC 7816-4:2020 7.1.1: a file identifier is two bytes
CHV_LENGTH = 8  # GSM 11.11 / 3GPP TS 51.011 9.2.9: a CHV is 8 bytes, padded with FF
PAD_FF = "--pad-ff"


@dataclass(frozen=True, slots=True)
class NamedCommand:
    """One named command: its name, usage line, one-line summary and its APDU builder."""

    name: str
    usage: str
    summary: str
    build: Callable[[Sequence[str]], Command]
    secret: bool = False
    options: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()


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


def _hex(text: str, what: str) -> bytes:
    try:
        return parse_hex(text)
    except DecodeError as exc:
        raise UsageError(f"{what}: {exc}") from exc


def _read_binary(args: Sequence[str]) -> Command:
    _arity(args, 0, 2, "read-binary [OFFSET [LEN]]")
    offset = decimal(args[0], "OFFSET", 0, 0xFFFFFFFF) if args else 0
    length = decimal(args[1], "LEN", 1, 65536) if len(args) > 1 else 256
    command = commands.read_binary(offset, ne=length)
    if command.ins == Ins.READ_BINARY_ODD:
        # LEN counts file bytes; the DO 53 header around them counts in Ne too (ISO/IEC
        # 7816-4:2020 clause 11, READ BINARY odd INS)
        header = 1 + len(tlv.encode_length(length))
        command = commands.read_binary(offset, ne=min(length + header, 65536))
    return command


def _update_binary(args: Sequence[str]) -> Command:
    _arity(args, 1, 2, "update-binary [OFFSET] HEX")
    offset = decimal(args[0], "OFFSET", 0, 0xFFFFFFFF) if len(args) == 2 else 0
    return commands.update_binary(_hex(args[-1], "update-binary"), offset)


def _update_record(args: Sequence[str]) -> Command:
    _arity(args, 2, 2, "update-record N HEX")
    number = decimal(args[0], "N", 1, 254)
    return commands.update_record(number, _hex(args[1], "update-record"))


def _get_data(args: Sequence[str]) -> Command:
    _arity(args, 1, 1, "get-data TAG (hex, one or two bytes)")
    tag = _hex(args[0], "get-data")
    # ISO/IEC 7816-4:2020 11.5.2: P1-P2 hold a tag of one or two bytes
    if not 1 <= len(tag) <= 2:
        raise UsageError(f"a GET DATA tag is one or two bytes, got {len(tag)}")
    return commands.get_data(int.from_bytes(tag, "big"))


def _read_record(args: Sequence[str]) -> Command:
    _arity(args, 1, 1, "read-record N")
    # ISO/IEC 7816-4:2020 11.4.3: records 1..254 (00 and FF are reserved)
    return commands.read_record(decimal(args[0], "N", 1, 254))


def pin_bytes(text: str, pad_ff: bool) -> bytes:
    """A PIN as ASCII bytes; ``pad_ff``: right-padded with FF to 8 bytes, as pySim's
    ``verify_chv`` does (GSM 11.11 9.2.9)."""
    value = text.encode("utf-8")
    if pad_ff:
        if len(value) > CHV_LENGTH:
            raise UsageError(f"{PAD_FF}: the PIN has more than {CHV_LENGTH} bytes")
        value = value.ljust(CHV_LENGTH, b"\xff")
    return value


def _pin_words(args: Sequence[str], usage: str, values: int) -> tuple[int, list[bytes]]:
    """REF and the PIN values of ``[--pad-ff] REF VALUE...``."""
    words = [word for word in args if word != PAD_FF]
    if any(word.startswith("-") for word in words) or len(words) != 1 + values:
        raise UsageError(f"usage: {usage}")
    pad_ff = PAD_FF in args
    return decimal(words[0], "REF", 0, 255), [pin_bytes(word, pad_ff) for word in words[1:]]


def _verify(args: Sequence[str]) -> Command:
    reference, (pin,) = _pin_words(args, "verify [--pad-ff] REF PIN", 1)
    return commands.verify(reference, pin)


def _change_pin(args: Sequence[str]) -> Command:
    reference, (old, new) = _pin_words(args, "change-pin [--pad-ff] REF OLD NEW", 2)
    return commands.change_reference_data(reference, new, old)


def _unblock_pin(args: Sequence[str]) -> Command:
    reference, (puk, new) = _pin_words(args, "unblock-pin [--pad-ff] REF PUK NEW", 2)
    return commands.reset_retry_counter(reference, puk, new)


def _get_challenge(args: Sequence[str]) -> Command:
    _arity(args, 0, 1, "get-challenge [LEN]")
    return commands.get_challenge(decimal(args[0], "LEN", 1, 256) if args else 8)


def _pin_command(
    usage: str, summary: str, build: Callable[[Sequence[str]], Command], *prompts: str
) -> NamedCommand:
    # Their words hold secrets; the shell asks the ``prompts`` left off without echo.
    name = usage.split(maxsplit=1)[0]
    return NamedCommand(
        name, usage, summary, build, secret=True, options=(PAD_FF,), prompts=prompts
    )


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
        NamedCommand(
            "update-binary",
            "update-binary [OFFSET] HEX",
            "UPDATE BINARY at OFFSET (default 0)",
            _update_binary,
        ),
        NamedCommand("update-record", "update-record N HEX", "UPDATE RECORD N", _update_record),
        _pin_command(
            "verify [--pad-ff] REF PIN",
            "VERIFY the PIN (ASCII; --pad-ff: FF-padded to 8 bytes, as SIM CHVs)",
            _verify,
            "PIN",
        ),
        _pin_command(
            "change-pin [--pad-ff] REF OLD NEW",
            "CHANGE REFERENCE DATA",
            _change_pin,
            "current PIN",
            "new PIN",
        ),
        _pin_command(
            "unblock-pin [--pad-ff] REF PUK NEW",
            "RESET RETRY COUNTER with the PUK",
            _unblock_pin,
            "PUK",
            "new PIN",
        ),
        NamedCommand(
            "get-data", "get-data TAG", "GET DATA of a data object (tag in hex: 5F52)", _get_data
        ),
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


__all__ = ["NAMED_COMMANDS", "NamedCommand", "build_command", "decimal", "pin_bytes"]
