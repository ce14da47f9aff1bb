"""``cardwire decode apdu|response|sw`` and ``cardwire encode apdu`` (conventions: docs/cli.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from cardwire import telecom
from cardwire.apdu import MAX_EXTENDED_NE, Command, Response
from cardwire.cla import parse_cla
from cardwire.cli.app import decode, encode
from cardwire.cli.output import emit_json, json_option
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.telecom import GSM_CLA

_CLASSES = {"iso": None, "gsm": GSM_CLA, "uicc": None}


def _class_option() -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--class",
        "card_class",
        type=click.Choice(list(_CLASSES), case_sensitive=False),
        default="iso",
        show_default=True,
        help="Explain the status word as answered to: iso (ISO/IEC 7816-4), gsm (a class A0 "
        "SIM command, 3GPP TS 51.011) or uicc (ETSI TS 102 221).",
    )


def _meaning(sw: int, card_class: str) -> str:
    card_class = card_class.lower()
    return telecom.meaning(sw, _CLASSES[card_class], uicc=card_class == "uicc")


def apdu_fields(cmd: Command) -> dict[str, Any]:
    """The JSON shape of ``decode apdu --json`` (docs/cli.md)."""
    cla = parse_cla(cmd.cla)
    return {
        "case": cmd.case,
        "cla": f"{cmd.cla:02X}",
        "ins": f"{cmd.ins:02X}",
        "p1": f"{cmd.p1:02X}",
        "p2": f"{cmd.p2:02X}",
        "nc": cmd.nc,
        "data": to_hex(cmd.data),
        "ne": cmd.ne,
        "extended": cmd.is_extended,
        "channel": cla.channel,
        "sm": str(cla.sm),
        "chaining": cla.chaining,
        "name": cmd.name,
    }


def _lines(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label.ljust(width)}  {value}".rstrip())


def _print_apdu(cmd: Command) -> None:
    cla = parse_cla(cmd.cla)
    channel = "no channel" if cla.channel is None else f"channel {cla.channel}"
    chaining = "chaining" if cla.chaining else "no chaining"
    kind = "GSM SIM (3GPP TS 51.011)" if cmd.cla == GSM_CLA else str(cla.kind)
    _lines(
        [
            ("case", cmd.case),
            ("CLA", f"{cmd.cla:02X}  {kind}, {channel}, SM {cla.sm}, {chaining}"),
            ("INS", f"{cmd.ins:02X}  {cmd.name or 'unknown instruction'}"),
            ("P1 P2", f"{cmd.p1:02X} {cmd.p2:02X}"),
            ("Nc", str(cmd.nc)),
            ("data", to_hex(cmd.data)),
            ("Ne", str(cmd.ne)),
            ("form", "extended" if cmd.is_extended else "short"),
        ]
    )


@decode.command("apdu")
@click.argument("hex_parts", metavar="HEX...", nargs=-1, required=True)
@json_option()
def decode_apdu(hex_parts: tuple[str, ...], as_json: bool) -> None:
    """Decode a command APDU (ISO 7816-4 cases 1-4, short and extended).

    \b
    Example:
      cardwire decode apdu 00 A4 04 0C 07 A0 00 00 02 47 10 01
      cardwire decode apdu --json 00B0000400
    """
    cmd = Command.decode(parse_hex(*hex_parts))
    if as_json:
        emit_json(apdu_fields(cmd))
    else:
        _print_apdu(cmd)


@decode.command("response")
@click.argument("hex_parts", metavar="HEX...", nargs=-1, required=True)
@json_option()
@_class_option()
def decode_response(hex_parts: tuple[str, ...], as_json: bool, card_class: str) -> None:
    """Decode a response APDU: data followed by the status word SW1 SW2.

    \b
    Example:
      cardwire decode response 60145F01 9000
    """
    resp = Response.decode(parse_hex(*hex_parts))
    fields = {
        "data": to_hex(resp.data),
        "sw": f"{resp.sw:04X}",
        "meaning": _meaning(resp.sw, card_class),
    }
    if as_json:
        emit_json(fields)
    else:
        _lines([("data", fields["data"]), ("SW", fields["sw"]), ("meaning", fields["meaning"])])


@decode.command("sw")
@click.argument("hex_parts", metavar="HEX...", nargs=-1, required=True)
@json_option()
@_class_option()
def decode_sw(hex_parts: tuple[str, ...], as_json: bool, card_class: str) -> None:
    """Explain a status word (ISO 7816-4 section 5.6).

    With --class gsm it is explained as a SIM answers a class A0 command (3GPP TS 51.011:
    9Fxx, 9Exx, 920x, 98xx...), with --class uicc as a UICC does (ETSI TS 102 221: 91xx,
    9300, 9850, 9862-9864).

    \b
    Example:
      cardwire decode sw 6A82
      cardwire decode sw --class gsm 9F17
    """
    raw = parse_hex(*hex_parts)
    if len(raw) != 2:
        raise DecodeError(f"a status word is two bytes, got {len(raw)}", min(len(raw), 2))
    sw = int.from_bytes(raw, "big")
    fields = {"sw": f"{sw:04X}", "meaning": _meaning(sw, card_class)}
    if as_json:
        emit_json(fields)
    else:
        _lines([("SW", fields["sw"]), ("meaning", fields["meaning"])])


def _hex_byte(option: str, text: str | None, default: int | None = None) -> int:
    if text is None:
        if default is None:
            raise UsageError(f"{option} is required")
        return default
    value = parse_hex(text)
    if len(value) != 1:
        raise UsageError(f"{option} takes one byte in hex, got {len(value)} bytes")
    return value[0]


def _count(option: str, text: str | None, limit: int) -> int:
    if text is None:
        return 0
    if not text.isdecimal():
        raise UsageError(f"{option} takes a decimal count, got {text!r}")
    value = int(text)
    if value > limit:
        raise UsageError(f"{option} must be 0..{limit}, got {value}")
    return value


@encode.command("apdu")
@click.option("--cla", metavar="HEX", help="Class byte in hex (default 00).")
@click.option("--ins", metavar="HEX", help="Instruction byte in hex (required).")
@click.option("--p1", metavar="HEX", help="P1 in hex (default 00).")
@click.option("--p2", metavar="HEX", help="P2 in hex (default 00).")
@click.option("--data", metavar="HEX", help="Command data in hex (may contain spaces or colons).")
@click.option(
    "--ne", metavar="N", help="Expected response length, decimal 0..65536 (0 or absent: no Le)."
)
@click.option("--extended", is_flag=True, help="Force extended length fields.")
@json_option()
def encode_apdu(
    cla: str | None,
    ins: str | None,
    p1: str | None,
    p2: str | None,
    data: str | None,
    ne: str | None,
    extended: bool,
    as_json: bool,
) -> None:
    """Build a command APDU from its fields and print it in hex.

    The extended form is chosen when Nc > 255 or Ne > 256, and forced by --extended
    (a usage error on a case 1 APDU, which has no length fields).

    \b
    Example:
      cardwire encode apdu --cla 00 --ins B0 --p1 00 --p2 04 --ne 256
    """
    cmd = Command(
        _hex_byte("--cla", cla, 0x00),
        _hex_byte("--ins", ins),
        _hex_byte("--p1", p1, 0x00),
        _hex_byte("--p2", p2, 0x00),
        parse_hex(data) if data is not None else b"",
        _count("--ne", ne, MAX_EXTENDED_NE),
        extended=True if extended else None,
    )
    if as_json:
        emit_json({"apdu": to_hex(cmd.encode()), **apdu_fields(cmd)})
    else:
        click.echo(to_hex(cmd.encode()))
