"""SIMPLE-TLV objects (ISO/IEC 7816-4:2020 6.2). COMPACT-TLV lives with the ATR's historical
bytes (:mod:`cardwire.atr.historical`), its only user; BER-TLV in :mod:`cardwire.tlv`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.errors import DecodeError, UsageError

# --- SIMPLE-TLV (ISO/IEC 7816-4:2020 6.2) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimpleTlv:
    """A SIMPLE-TLV object: one tag byte ``01``-``FE``, value up to 65535 bytes."""

    tag: int
    value: bytes

    def __post_init__(self) -> None:
        # ISO/IEC 7816-4:2020 6.2: tag '00' and 'FF' are invalid
        if not isinstance(self.tag, int) or not 0x01 <= self.tag <= 0xFE:
            raise UsageError(f"a SIMPLE-TLV tag must be 01..FE, got {self.tag!r}")
        if not isinstance(self.value, bytes):
            raise UsageError(f"value must be bytes, got {type(self.value).__name__}")
        if len(self.value) > 0xFFFF:
            raise UsageError(f"a SIMPLE-TLV value holds at most 65535 bytes, not {len(self.value)}")

    def encode(self) -> bytes:
        """Tag, length (one byte up to 254, else ``FF`` and two bytes), value."""
        n = len(self.value)
        length = bytes((n,)) if n < 0xFF else b"\xff" + n.to_bytes(2, "big")
        return bytes((self.tag,)) + length + self.value


def parse_simple(data: bytes) -> tuple[SimpleTlv, ...]:
    """All SIMPLE-TLV objects in ``data``; no trailing bytes allowed."""
    raw = bytes(data)
    out: list[SimpleTlv] = []
    pos, end = 0, len(raw)
    while pos < end:
        tag = raw[pos]
        if tag in (0x00, 0xFF):  # ISO/IEC 7816-4:2020 6.2
            raise DecodeError(f"invalid SIMPLE-TLV tag {tag:02X}", pos)
        if pos + 1 >= end:
            raise DecodeError(f"SIMPLE-TLV tag {tag:02X} has no length", pos + 1)
        length = raw[pos + 1]
        start = pos + 2
        if length == 0xFF:  # ISO/IEC 7816-4:2020 6.2: 'FF' then two length bytes
            if start + 2 > end:
                raise DecodeError(f"SIMPLE-TLV length of tag {tag:02X} is cut short", pos + 1)
            length = int.from_bytes(raw[start : start + 2], "big")
            start += 2
        if start + length > end:
            raise DecodeError(
                f"SIMPLE-TLV tag {tag:02X} announces {length} bytes, only {end - start} remain",
                pos + 1,
            )
        out.append(SimpleTlv(tag, raw[start : start + length]))
        pos = start + length
    return tuple(out)
