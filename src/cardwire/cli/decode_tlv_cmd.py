"""``cardwire decode tlv`` and ``cardwire decode atr`` (conventions: docs/cli.md)."""

from __future__ import annotations

from pathlib import Path

import click

from cardwire import tlv, tlv_names
from cardwire.atr import Atr, CardCapabilities, HistoricalBytes, InterfaceBytes
from cardwire.atr.smartcard_list import find_list, identify
from cardwire.cli import tlv_view
from cardwire.cli.app import decode
from cardwire.cli.output import emit_json, json_option
from cardwire.errors import DecodeError
from cardwire.hexutil import parse_hex, to_hex


@decode.command("tlv")
@click.argument("hex_parts", metavar="HEX...", nargs=-1, required=True)
@json_option()
@click.option(
    "--lenient",
    is_flag=True,
    help="Accept non-minimal lengths and tags, skip 00/FF padding, and show constructed "
    "values that are not BER-TLV as plain bytes.",
)
@click.option(
    "--dict",
    "dictionary",
    type=click.Choice(["auto", "none", *tlv_names.DICTIONARIES], case_sensitive=False),
    default="auto",
    show_default=True,
    help="Tag names: ISO 7816-4 (FCP/FCI/FMD, DOs), GlobalPlatform (GET STATUS, card data, "
    "key information), ICAO LDS, Keycard; auto chooses by the first tag.",
)
def decode_tlv(hex_parts: tuple[str, ...], as_json: bool, lenient: bool, dictionary: str) -> None:
    """Decode BER-TLV data objects (ISO 7816-4 section 6.3) into a tree.

    Strict by default: indefinite or non-minimal lengths, padding and bytes left over are
    errors (exit 2). Tags are named from the dictionary --dict chooses (auto: by the first
    tag, 62/6F ISO 7816-4, E3/66 GlobalPlatform, 60/61/77 ICAO, A4/A3 Keycard).

    \b
    Example:
      cardwire decode tlv 6F 10 84 08 A0 00 00 01 51 00 00 00 A5 04 9F 65 01 FF
      cardwire decode tlv --json 8709019FF0EC34F9922651990290008E08AD55CC17140B2DED
    """
    data = parse_hex(*hex_parts)
    nodes = tlv.parse(data, strict=not lenient, deep=True)
    if not nodes:
        raise DecodeError("no BER-TLV data object in the input", 0)
    if dictionary == "auto":
        dictionary = tlv_names.guess(nodes[0].tag)
    names = None if dictionary == "none" else tlv_names.named(dictionary)
    if as_json:
        emit_json(tlv_view.to_json(nodes, names=names))
    else:
        click.echo(tlv_view.render(nodes, names))


def _h(value: int | None) -> str:
    return "-" if value is None else f"{value:02X}"


_GLOBAL_NOTES = {
    "TA1": "Fi/Di",
    "TB1": "global (deprecated)",
    "TA2": "specific mode",
    "TB2": "global (deprecated)",
    "TC2": "T=0 waiting time WI",
}  # ISO 7816-3:2006 8.3

# ISO/IEC 7816-3:2006 8.3, first TA for T=15: b8-b7 clock stop, b6-b1 the classes accepted.
_CLOCK_STOP = ("not supported", "state L", "state H", "no preference")
_CLASSES = ((0x01, "A 5V"), (0x02, "B 3V"), (0x04, "C 1.8V"))
_MHZ = 4  # ATR_analysis states the bit rate at 4 MHz, then at f(max)


def _extra_guard_time(tc1: int) -> str:
    # ISO/IEC 7816-3:2006 8.3: N = 255 is the minimum guard time (12 etu T=0, 11 etu T=1)
    if tc1 == 0xFF:
        return "extra guard time: 255 (special value: minimum, 12 etu for T=0, 11 for T=1)"
    return f"extra guard time: {tc1}"


def _class_indicator(ta: int) -> str:
    classes = " ".join(name for bit, name in _CLASSES if ta & bit) or "none"
    return f"clock stop: {_CLOCK_STOP[ta >> 6]} - classes accepted: {classes}"


def baud_rate(atr: Atr) -> str:
    """The bit rate line as pcsc-tools' ATR_analysis prints it for TA1 (defaults without)."""
    fi, di, f_max = atr.fi, atr.di, atr.f_max
    if fi is None or di is None or f_max is None:
        return f"Fi={fi or 'RFU'}, Di={di or 'RFU'}"
    cycles = fi / di
    return (
        f"Fi={fi}, Di={di}, {cycles:g} cycles/ETU; {int(_MHZ * 1e6 / cycles)} bits/s at "
        f"{_MHZ} MHz, fMax for Fi = {f_max:g} MHz => {int(f_max * 1e6 / cycles)} bits/s"
    )


def _first_t15(group: InterfaceBytes) -> bool:
    return group.index >= 3  # T=15 bytes start at group 3 (ISO/IEC 7816-3:2006 8.2.3)


def _interface_rows(group: InterfaceBytes) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name, value in (("TA", group.ta), ("TB", group.tb), ("TC", group.tc), ("TD", group.td)):
        if value is None:
            continue
        label = f"{name}{group.index}"
        if name == "TD":
            note = f"next group for T={value & 0x0F}"
        elif label == "TC1":
            note = _extra_guard_time(value)
        elif name == "TA" and group.protocol == 15 and _first_t15(group):
            note = _class_indicator(value)
        elif label in _GLOBAL_NOTES:
            note = _GLOBAL_NOTES[label]
        else:
            note = "global (T=15)" if group.protocol == 15 else f"T={group.protocol}"
        rows.append((label, f"{value:02X}  {note}"))
    return rows


def _capabilities_text(caps: CardCapabilities) -> str:
    parts = [
        f"extended Lc/Le {'yes' if caps.extended_length else 'no'}",
        f"command chaining {'yes' if caps.command_chaining else 'no'}",
    ]
    channels = caps.max_logical_channels
    if channels is not None:
        more = " or more" if channels == 8 else ""
        parts.append(f"logical channels {channels}{more} (assigned by {caps.channel_assignment})")
    return ", ".join(parts)


def _historical_rows(info: HistoricalBytes) -> list[tuple[str, str]]:
    if not info.raw:
        return [("historical", "(none)")]
    rows = [("historical", f"{to_hex(info.raw)}  category {_h(info.category)}: {info.format}")]
    for obj in info.objects:
        text = f"{to_hex(obj.value)}  {obj.name}"
        caps = info.card_capabilities if obj.tag == 0x7 else None
        if caps is not None:
            text += f": {_capabilities_text(caps)}"
        rows.append((f"  tag {obj.tag:X}", text))
        if caps is not None:  # one line per selection method, as ATR_analysis lists them
            rows += [("  selection", name) for name in caps.selection_method_names]
    if info.status is not None:
        rows.append(("  status", to_hex(info.status)))
    if info.dir_reference is not None:
        rows.append(("  DIR ref", f"{info.dir_reference:02X}"))
    if info.problem is not None:
        rows.append(("  problem", info.problem))
    return rows


def _atr_rows(atr: Atr) -> list[tuple[str, str]]:
    rows = [
        ("ATR", to_hex(atr.raw)),
        ("TS", f"{atr.ts:02X}  {atr.convention} convention"),
        ("T0", f"{atr.t0:02X}  {len(atr.historical)} historical bytes"),
    ]
    for group in atr.interface:
        rows.extend(_interface_rows(group))
    rows.append(("protocols", ", ".join(f"T={t}" for t in atr.protocols)))
    rows.append(("Fi/Di", f"{atr.fi or 'RFU'}/{atr.di or 'RFU'}, f(max) {atr.f_max or 'RFU'} MHz"))
    rows.append(("baud rate", baud_rate(atr) + ("" if atr.ta1 is not None else " (no TA1)")))
    mode = atr.specific_mode
    if mode is not None:
        change = "can change" if mode.can_change else "cannot change"
        rows.append(("mode", f"specific, T={mode.protocol}, {change}"))
    if atr.t1_ifsc is not None and atr.t1_bwi_cwi is not None:
        bwi, cwi = atr.t1_bwi_cwi
        rows.append(("T=1", f"IFSC {atr.t1_ifsc}, BWI {bwi}, CWI {cwi}, {atr.t1_error_detection}"))
    rows.extend(_historical_rows(atr.historical_info))
    if atr.tck is None:
        rows.append(("TCK", "absent (only T=0 offered)"))
    else:
        rows.append(("TCK", f"{atr.tck:02X}  {'valid' if atr.tck_valid else 'INVALID'}"))
    return rows


@decode.command("atr")
@click.argument("hex_parts", metavar="HEX...", nargs=-1, required=True)
@json_option()
@click.option(
    "--card-list",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="pcsc-tools' smartcard_list.txt to identify the card (default: "
    "~/.cache/smartcard_list.txt, then /usr/share/pcsc/smartcard_list.txt, when present).",
)
def decode_atr(hex_parts: tuple[str, ...], as_json: bool, card_list: Path | None) -> None:
    """Decode an Answer-to-Reset (ISO 7816-3 section 8) and its historical bytes.

    Prints the interface bytes, the protocols offered, the bit rate (as pcsc-tools'
    ATR_analysis), the historical bytes (card capabilities: extended length, logical
    channels), whether the TCK checksum is valid, and the card as pcsc-tools'
    smartcard_list.txt names it when that list is installed.

    \b
    Example:
      cardwire decode atr 3B 8D 80 01 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 F9
    """
    atr = Atr.parse(parse_hex(*hex_parts))
    identified = identify(atr.raw, card_list)
    if as_json:
        emit_json({**atr.to_json(), "baud_rate": baud_rate(atr), "identified": identified})
        return
    rows = _atr_rows(atr)
    list_path = card_list or find_list()
    if list_path is not None:
        rows += [("identified", text) for text in identified] or [("identified", "(not listed)")]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        click.echo(f"{label.ljust(width)}  {value}".rstrip())
