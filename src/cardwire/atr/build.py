"""Building an ATR from its parts (ISO/IEC 7816-3:2006 8.2), TCK computed."""

from __future__ import annotations

from collections.abc import Sequence

from cardwire.atr.historical import CompactTlv, parse_compact
from cardwire.atr.interface import MAX_HISTORICAL, TS_DIRECT
from cardwire.errors import DecodeError, UsageError


def build_atr(
    *,
    protocols: Sequence[int] = (1,),
    extended_length: bool = False,
    logical_channels: int = 1,
    historical: bytes = b"",
    command_chaining: bool = True,
    selection_methods: int = 0xB6,
    data_coding: int = 0x21,
    ta1: int | None = None,
) -> bytes:
    """A direct-convention ATR offering ``protocols`` (in that order), with TCK when needed.

    The historical bytes are category ``80`` then card capabilities (COMPACT-TLV tag 7,
    ISO/IEC 7816-4:2020 table 119 for the third byte), then ``historical``: further COMPACT-TLV
    objects, already encoded. ``logical_channels`` is 1 (basic channel only) to 8 ("eight or
    more"); above 1 both the card and the interface device may assign channel numbers.
    Default ``selection_methods`` B6: by full DF name, path, file identifier; SFI and record
    numbers. Default ``data_coding`` 21: proprietary write behaviour, data unit of one byte.
    """
    offered = list(dict.fromkeys(protocols))
    if not offered or any(not isinstance(t, int) or not 0 <= t <= 15 for t in offered):
        raise UsageError(f"protocols must be a non-empty sequence of 0..15, got {protocols!r}")
    if not 1 <= logical_channels <= 8:
        raise UsageError(f"logical_channels must be 1..8, got {logical_channels}")
    for name, value in (("selection_methods", selection_methods), ("data_coding", data_coding)):
        if not 0 <= value <= 0xFF:
            raise UsageError(f"{name} must be a byte, got {value!r}")
    if ta1 is not None and not 0 <= ta1 <= 0xFF:
        raise UsageError(f"ta1 must be a byte, got {ta1!r}")
    # ISO/IEC 7816-4:2020 table 119: b8 chaining, b7 extended Lc/Le, b5-b4 assignment, b3-b1 max-1
    third = (0x80 if command_chaining else 0) | (0x40 if extended_length else 0)
    if logical_channels > 1:
        third |= 0b11 << 3 | (logical_channels - 1)
    caps = CompactTlv(0x7, bytes((selection_methods, data_coding, third)))
    history = b"\x80" + caps.encode() + bytes(historical)
    if len(history) > MAX_HISTORICAL:
        raise UsageError(f"{len(history)} historical bytes: at most {MAX_HISTORICAL}")
    try:
        parse_compact(history[1:])  # the extra objects must be well-formed COMPACT-TLV
    except DecodeError as exc:
        raise UsageError(f"historical: not COMPACT-TLV objects: {exc}") from exc
    body = bytearray()
    only_t0 = offered == [0]
    t0 = len(history) | (0x10 if ta1 is not None else 0) | (0 if only_t0 else 0x80)
    body.append(t0)
    if ta1 is not None:
        body.append(ta1)
    if not only_t0:  # ISO/IEC 7816-3:2006 8.2.3: TDi chain, one per offered protocol
        for i, t in enumerate(offered):
            body.append(t | (0x80 if i + 1 < len(offered) else 0))
    body += history
    if not only_t0:  # ISO/IEC 7816-3:2006 8.2.5: TCK makes the XOR of T0..TCK zero
        tck = 0
        for b in body:
            tck ^= b
        body.append(tck)
    return bytes((TS_DIRECT,)) + bytes(body)
