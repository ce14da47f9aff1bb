"""The historical bytes of an ATR (ISO/IEC 7816-4:2020 8.1.1): category indicator, COMPACT-TLV
objects, card capabilities and the status indicator. Problems are reported, not raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import to_hex

# --- COMPACT-TLV (ISO/IEC 7816-4:2005 8.1.1.2): the objects of the historical bytes -----------

COMPACT_TAG_NAMES = {
    0x1: "country code",
    0x2: "issuer identification number",
    0x3: "card service data",
    0x4: "initial access data",
    0x5: "card issuer's data",
    0x6: "pre-issuing data",
    0x7: "card capabilities",
    0x8: "status indicator",
    0xF: "application identifier",
}  # ISO/IEC 7816-4:2005 8.1.1.2, tags '1X' to '8X' and 'FX'


@dataclass(frozen=True, slots=True)
class CompactTlv:
    """A COMPACT-TLV object: one byte with the tag (high nibble) and length (low nibble)."""

    tag: int
    value: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.tag, int) or not 0 <= self.tag <= 0xF:
            raise UsageError(f"a COMPACT-TLV tag is one nibble (0..15), got {self.tag!r}")
        if not isinstance(self.value, bytes) or len(self.value) > 0xF:
            raise UsageError("a COMPACT-TLV value is bytes of length 0..15")

    @property
    def name(self) -> str:
        """What ISO/IEC 7816-4 calls this object (``RFU`` for unassigned tags)."""
        return COMPACT_TAG_NAMES.get(self.tag, "RFU")

    def encode(self) -> bytes:
        """The tag/length byte, then the value."""
        return bytes((self.tag << 4 | len(self.value),)) + self.value


def parse_compact(data: bytes) -> tuple[CompactTlv, ...]:
    """All COMPACT-TLV objects in ``data``; an object cut short is a DecodeError."""
    raw = bytes(data)
    out: list[CompactTlv] = []
    pos, end = 0, len(raw)
    while pos < end:
        head = raw[pos]
        length = head & 0x0F
        if pos + 1 + length > end:
            raise DecodeError(
                f"COMPACT-TLV object {head:02X} announces {length} bytes, "
                f"only {end - pos - 1} remain",
                pos,
            )
        out.append(CompactTlv(head >> 4, raw[pos + 1 : pos + 1 + length]))
        pos += 1 + length
    return tuple(out)


_ASSIGNMENT = {
    0b00: "none",
    0b01: "interface-device",
    0b10: "card",
    0b11: "card-and-interface-device",
}


# ISO/IEC 7816-4:2020 12.1.1.2, table 117 (first software function table: selection methods),
# b8 down to b1, in pcsc-tools' ATR_analysis wording.
_SELECTION_METHODS = (
    (0x80, "DF selection by full DF name"),
    (0x40, "DF selection by partial DF name"),
    (0x20, "DF selection by path"),
    (0x10, "DF selection by file identifier"),
    (0x08, "Implicit DF selection"),
    (0x04, "Short EF identifier supported"),
    (0x02, "Record number supported"),
    (0x01, "Record identifier supported"),
)


@dataclass(frozen=True, slots=True)
class CardCapabilities:
    """COMPACT-TLV tag 7 (ISO/IEC 7816-4:2005 8.1.1.2.7): up to three software function bytes."""

    raw: bytes

    @property
    def selection_methods(self) -> int | None:
        """First byte: DF selection by full/partial name, path, FID, implicit; SFI, records."""
        return self.raw[0] if len(self.raw) >= 1 else None

    @property
    def selection_method_names(self) -> tuple[str, ...]:
        """The first byte's methods, b8 first, as ATR_analysis lists them (none: empty)."""
        first = self.selection_methods
        if first is None:
            return ()
        return tuple(name for bit, name in _SELECTION_METHODS if first & bit)

    @property
    def data_coding(self) -> int | None:
        """Second byte: data coding byte (write behaviour, 'FF' tags, data unit size)."""
        return self.raw[1] if len(self.raw) >= 2 else None

    @property
    def third_byte(self) -> int | None:
        """Third byte: chaining, length fields, logical channels (ISO/IEC 7816-4:2020 table 119)."""
        return self.raw[2] if len(self.raw) >= 3 else None

    @property
    def command_chaining(self) -> bool:
        """Third byte b8."""
        return self.third_byte is not None and bool(self.third_byte & 0x80)

    @property
    def extended_length(self) -> bool:
        """Third byte b7: extended Lc and Le fields supported."""
        return self.third_byte is not None and bool(self.third_byte & 0x40)

    @property
    def extended_length_info(self) -> bool:
        """Third byte b6: extended length information in EF.ATR/INFO."""
        return self.third_byte is not None and bool(self.third_byte & 0x20)

    @property
    def channel_assignment(self) -> str | None:
        """Third byte b5-b4: who assigns logical channel numbers (b5 card, b4 interface)."""
        if self.third_byte is None:
            return None
        return _ASSIGNMENT[self.third_byte >> 3 & 0b11]

    @property
    def max_logical_channels(self) -> int | None:
        """Third byte b3-b1 + 1 (8 means "eight or more"); 1 when b5-b4 say no channels."""
        third = self.third_byte
        if third is None:
            return None
        if not third & 0b11000:  # ISO/IEC 7816-4:2020 table 119: b5-b4 = 00, no logical channel
            return 1
        return (third & 0b111) + 1

    def to_json(self) -> dict[str, object]:
        """The raw bytes, the selection methods named and the decoded third byte."""
        return {
            "raw": to_hex(self.raw),
            "selection_methods": hex_or_none(self.selection_methods),
            "selection_method_names": list(self.selection_method_names),
            "data_coding": hex_or_none(self.data_coding),
            "command_chaining": self.command_chaining,
            "extended_length": self.extended_length,
            "extended_length_info": self.extended_length_info,
            "channel_assignment": self.channel_assignment,
            "max_logical_channels": self.max_logical_channels,
        }


def hex_or_none(value: int | None) -> str | None:
    return None if value is None else f"{value:02X}"


@dataclass(frozen=True, slots=True)
class HistoricalBytes:
    """Decoded historical bytes (ISO/IEC 7816-4:2005 8.1.1).

    ``category``: the first byte. ``00``: COMPACT-TLV objects, then a 3-byte status indicator
    (LCS, SW1-SW2) not in TLV form; ``80``: COMPACT-TLV objects only (status, if any, as tag 8);
    ``10``: the next byte is a DIR data reference; ``81``-``8F`` RFU; anything else proprietary.
    """

    raw: bytes
    objects: tuple[CompactTlv, ...] = ()
    status: bytes | None = None  # LCS, SW1-SW2, or both, as the card gave them
    dir_reference: int | None = None
    problem: str | None = None

    @property
    def category(self) -> int | None:
        """The category indicator byte, ``None`` when there are no historical bytes."""
        return self.raw[0] if self.raw else None

    @property
    def format(self) -> str:
        """``none``, ``status-at-end``, ``dir-reference``, ``compact-tlv``, ``rfu`` or
        ``proprietary`` (from the category indicator)."""
        return _category_format(self.category)

    def find(self, tag: int) -> CompactTlv | None:
        """The first COMPACT-TLV object with this tag nibble."""
        return next((obj for obj in self.objects if obj.tag == tag), None)

    @property
    def card_capabilities(self) -> CardCapabilities | None:
        """Tag 7, when present."""
        obj = self.find(0x7)
        return None if obj is None or not obj.value else CardCapabilities(obj.value)

    @property
    def card_service_data(self) -> int | None:
        """Tag 3 (one byte), when present."""
        obj = self.find(0x3)
        return obj.value[0] if obj is not None and obj.value else None

    @property
    def lifecycle_status(self) -> int | None:
        """LCS byte of the status indicator (3-byte or 1-byte form)."""
        if self.status is None or len(self.status) == 2:
            return None
        return self.status[0]

    @property
    def sw(self) -> int | None:
        """SW1-SW2 of the status indicator (3-byte or 2-byte form)."""
        if self.status is None or len(self.status) < 2:
            return None
        return int.from_bytes(self.status[-2:], "big")

    def to_json(self) -> dict[str, object]:
        """Category, objects, status, problem; card capabilities decoded."""
        caps = self.card_capabilities
        return {
            "bytes": to_hex(self.raw),
            "category": hex_or_none(self.category),
            "format": self.format,
            "objects": [
                {"tag": f"{obj.tag:X}", "name": obj.name, "value": to_hex(obj.value)}
                for obj in self.objects
            ],
            "card_service_data": hex_or_none(self.card_service_data),
            "card_capabilities": None if caps is None else caps.to_json(),
            "dir_reference": hex_or_none(self.dir_reference),
            "status": None if self.status is None else to_hex(self.status),
            "problem": self.problem,
        }


def _category_format(category: int | None) -> str:
    # ISO/IEC 7816-4:2005 8.1.1.1, table 82: coding of the category indicator
    if category is None:
        return "none"
    if category == 0x00:
        return "status-at-end"
    if category == 0x10:
        return "dir-reference"
    if category == 0x80:
        return "compact-tlv"
    if 0x81 <= category <= 0x8F:
        return "rfu"
    return "proprietary"


def _status_of(objects: tuple[CompactTlv, ...]) -> bytes | None:
    # ISO/IEC 7816-4:2005 8.1.1.3: status indicator tag 8, length 1 (LCS), 2 (SW) or 3 (both)
    found = next((obj for obj in objects if obj.tag == 0x8), None)
    return None if found is None else found.value


def decode_historical(raw: bytes) -> HistoricalBytes:
    """Decode historical bytes; never raises for any input (problems go to ``problem``)."""
    raw = bytes(raw)
    category = raw[0] if raw else None
    body = raw[1:]
    try:
        if category == 0x80:
            objects = parse_compact(body)
            return HistoricalBytes(raw, objects, status=_status_of(objects))
        if category == 0x00:
            if len(body) < 3:
                return HistoricalBytes(raw, problem="category 00 needs a 3-byte status indicator")
            return HistoricalBytes(raw, parse_compact(body[:-3]), status=body[-3:])
        if category == 0x10:
            if not body:
                return HistoricalBytes(raw, problem="category 10 needs a DIR data reference byte")
            return HistoricalBytes(raw, dir_reference=body[0])
    except DecodeError as exc:
        # offsets in the problem count from the first historical byte
        offset = None if exc.offset is None else exc.offset + 1
        text = exc.problem if offset is None else f"{exc.problem} (at historical byte {offset})"
        return HistoricalBytes(raw, problem=text)
    return HistoricalBytes(raw)
