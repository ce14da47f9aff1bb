"""ATR framing and interface bytes (ISO/IEC 7816-3:2006 8.1-8.3): TS, length limits, the Fi/Di
tables, one group of interface characters and the specific mode byte TA2."""

from __future__ import annotations

from dataclasses import dataclass

TS_DIRECT = 0x3B  # ISO/IEC 7816-3:2006 8.1
TS_INVERSE = 0x3F
MAX_ATR_LENGTH = 33  # ISO/IEC 7816-3:2006 8.2.1: TS and at most 32 characters
MAX_HISTORICAL = 15
# ISO/IEC 7816-3:2006 8.3, table 7: Fi and f(max) in MHz from the high nibble of TA1
FI_TABLE: dict[int, tuple[int, float]] = {
    0x0: (372, 4.0),
    0x1: (372, 5.0),
    0x2: (558, 6.0),
    0x3: (744, 8.0),
    0x4: (1116, 12.0),
    0x5: (1488, 16.0),
    0x6: (1860, 20.0),
    0x9: (512, 5.0),
    0xA: (768, 7.5),
    0xB: (1024, 10.0),
    0xC: (1536, 15.0),
    0xD: (2048, 20.0),
}
# ISO/IEC 7816-3:2006 8.3, table 8: Di from the low nibble of TA1
DI_TABLE: dict[int, int] = {
    0x1: 1,
    0x2: 2,
    0x3: 4,
    0x4: 8,
    0x5: 16,
    0x6: 32,
    0x7: 64,
    0x8: 12,
    0x9: 20,
}
DEFAULT_TA1 = 0x11  # ISO/IEC 7816-3:2006 8.3: Fi=372, Di=1 when TA1 is absent


@dataclass(frozen=True, slots=True)
class InterfaceBytes:
    """Group i of interface bytes: TAi TBi TCi TDi (``None`` when absent).

    ``protocol`` is the T announced by TD(i-1), the byte that introduced this group (``None``
    for group 1, introduced by T0). Groups 1 and 2 are global (except TC2, for T=0); from group 3
    on the bytes are specific to ``protocol``, or global when it is 15 (ISO/IEC 7816-3 8.2.3).
    """

    index: int
    protocol: int | None
    ta: int | None = None
    tb: int | None = None
    tc: int | None = None
    td: int | None = None

    def to_json(self) -> dict[str, object]:
        """Hex bytes (or null) per position."""

        def h(value: int | None) -> str | None:
            return None if value is None else f"{value:02X}"

        return {
            "group": self.index,
            "protocol": self.protocol,
            "ta": h(self.ta),
            "tb": h(self.tb),
            "tc": h(self.tc),
            "td": h(self.td),
        }


@dataclass(frozen=True, slots=True)
class SpecificMode:
    """TA2 (ISO/IEC 7816-3:2006 8.3): the card runs in specific mode with ``protocol``."""

    protocol: int  # b4-b1
    can_change: bool  # b8 = 0: able to change to negotiable mode
    implicit_parameters: bool  # b5 = 1: Fi/Di are implicit, not those of TA1

    @classmethod
    def from_byte(cls, ta2: int) -> SpecificMode:
        """Decode TA2."""
        return cls(ta2 & 0x0F, not ta2 & 0x80, bool(ta2 & 0x10))
