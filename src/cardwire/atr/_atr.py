"""The ATR value: framing and interface bytes, strict parsing, and building one.

- ATR framing and interface bytes (ISO/IEC 7816-3:2006 8.1-8.3): TS, length limits, the Fi/Di
  tables, one group of interface characters and the specific mode byte TA2.
- The :class:`Atr` value: strict parsing of ``TS T0 {TAi TBi TCi TDi} T1..TK [TCK]`` (ISO/IEC
  7816-3:2006 8.2) and what the interface bytes mean.
- Building an ATR from its parts (ISO/IEC 7816-3:2006 8.2), TCK computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cardwire.atr._historical import (
    CompactTlv,
    HistoricalBytes,
    decode_historical,
    hex_or_none,
    parse_compact,
)
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import to_hex

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


def _or_default(value: int | None, default: int) -> int:
    """An interface byte's value, or the value ISO/IEC 7816-3 gives it when it is absent."""
    return default if value is None else value


@dataclass(frozen=True, slots=True)
class Atr:
    """An Answer-to-Reset. Build one with :meth:`parse` or :func:`build_atr`."""

    raw: bytes
    ts: int
    t0: int
    interface: tuple[InterfaceBytes, ...]
    historical: bytes
    tck: int | None

    @classmethod
    def parse(cls, raw: bytes) -> Atr:
        """Strict decoding: every structural problem is a DecodeError with its offset."""
        raw = bytes(raw)
        if not raw:
            raise DecodeError("empty ATR", 0)
        if len(raw) > MAX_ATR_LENGTH:
            raise DecodeError(f"ATR of {len(raw)} bytes: at most {MAX_ATR_LENGTH}", MAX_ATR_LENGTH)
        ts = raw[0]
        if ts not in (TS_DIRECT, TS_INVERSE):
            raise DecodeError(f"TS must be 3B (direct) or 3F (inverse), not {ts:02X}", 0)
        if len(raw) < 2:
            raise DecodeError("ATR ends after TS: T0 is missing", 1)
        t0 = raw[1]
        pos = 2
        groups: list[InterfaceBytes] = []
        indicator = t0  # the byte whose b8-b5 say which interface bytes follow
        protocol: int | None = None
        index = 1
        while True:
            present: list[int | None] = []
            for bit, name in ((0x10, "TA"), (0x20, "TB"), (0x40, "TC"), (0x80, "TD")):
                if not indicator & bit:
                    present.append(None)
                    continue
                if pos >= len(raw):
                    source = "T0" if index == 1 else f"TD{index - 1}"
                    raise DecodeError(f"{source} announces {name}{index} but the ATR ends", pos)
                present.append(raw[pos])
                pos += 1
            group = InterfaceBytes(index, protocol, *present)
            if indicator & 0xF0:
                groups.append(group)
            if group.td is None:
                break
            indicator = group.td
            protocol = group.td & 0x0F
            index += 1
        count = t0 & 0x0F
        if pos + count > len(raw):
            raise DecodeError(
                f"T0 announces {count} historical bytes, only {len(raw) - pos} remain", pos
            )
        historical = raw[pos : pos + count]
        pos += count
        atr = cls(raw, ts, t0, tuple(groups), historical, None)
        if atr.tck_required:
            if pos >= len(raw):
                raise DecodeError(
                    "TCK missing (required when a protocol other than T=0 is offered)", pos
                )
            tck = raw[pos]
            pos += 1
            atr = cls(raw, ts, t0, tuple(groups), historical, tck)
        if pos < len(raw):
            what = "TCK" if atr.tck is not None else "historical bytes (no TCK: only T=0 offered)"
            raise DecodeError(f"{len(raw) - pos} trailing bytes after the {what}", pos)
        return atr

    # --- structure -----------------------------------------------------------------------

    @property
    def convention(self) -> str:
        """``direct`` (TS 3B) or ``inverse`` (TS 3F)."""
        return "direct" if self.ts == TS_DIRECT else "inverse"

    @property
    def protocols(self) -> tuple[int, ...]:
        """The T values of the TD bytes, in order, without repeats; ``(0,)`` without TD1."""
        seen: list[int] = []
        for group in self.interface:
            if group.td is not None and group.td & 0x0F not in seen:
                seen.append(group.td & 0x0F)
        return tuple(seen) if seen else (0,)

    @property
    def tck_required(self) -> bool:
        """ISO/IEC 7816-3:2006 8.2.5: TCK is absent only when T=0 alone is indicated."""
        return any(t != 0 for t in self.protocols)

    @property
    def tck_valid(self) -> bool | None:
        """XOR of T0 .. TCK is 00; ``None`` when there is no TCK."""
        if self.tck is None:
            return None
        check = 0
        for b in self.raw[1:]:
            check ^= b
        return check == 0

    def group(self, index: int) -> InterfaceBytes | None:
        """Interface bytes group ``index`` (1-based), ``None`` when it has no bytes."""
        return next((g for g in self.interface if g.index == index), None)

    def _global(self, index: int) -> InterfaceBytes:
        """Group ``index`` (1 or 2), all bytes absent when the ATR has none."""
        return self.group(index) or InterfaceBytes(index, None)

    def _specific(self, protocol: int) -> InterfaceBytes:
        # ISO/IEC 7816-3:2006 8.2.3: the first group (i > 2) after a TD with T = protocol
        found = (g for g in self.interface if g.index > 2 and g.protocol == protocol)
        return next(found, InterfaceBytes(3, protocol))

    # --- global interface bytes ------------------------------------------------------------

    @property
    def ta1(self) -> int | None:
        """TA1: Fi (high nibble) and Di (low nibble)."""
        return self._global(1).ta

    @property
    def _ta1_or_default(self) -> int:
        return DEFAULT_TA1 if self.ta1 is None else self.ta1

    @property
    def fi(self) -> int | None:
        """Clock rate conversion integer (372 when TA1 is absent; ``None`` for RFU codes)."""
        entry = FI_TABLE.get(self._ta1_or_default >> 4)
        return None if entry is None else entry[0]

    @property
    def f_max(self) -> float | None:
        """Maximum clock frequency in MHz for that Fi (5 MHz when TA1 is absent)."""
        entry = FI_TABLE.get(self._ta1_or_default >> 4)
        return None if entry is None else entry[1]

    @property
    def di(self) -> int | None:
        """Baud rate adjustment integer (1 when TA1 is absent; ``None`` for RFU codes)."""
        return DI_TABLE.get(self._ta1_or_default & 0x0F)

    @property
    def extra_guard_time(self) -> int:
        """TC1 = N, extra guard time in ETUs (0 when absent; ISO/IEC 7816-3:2006 8.3)."""
        return _or_default(self._global(1).tc, 0)

    @property
    def specific_mode(self) -> SpecificMode | None:
        """TA2: present means the card is in specific mode (ISO/IEC 7816-3:2006 6.3.1)."""
        ta2 = self._global(2).ta
        return None if ta2 is None else SpecificMode.from_byte(ta2)

    @property
    def t0_wi(self) -> int:
        """TC2 = WI, the T=0 waiting time integer (10 when absent; ISO/IEC 7816-3:2006 10.2)."""
        return _or_default(self._global(2).tc, 10)

    # --- T=1 (ISO/IEC 7816-3:2006 11.4) ------------------------------------------------------

    @property
    def t1_ifsc(self) -> int | None:
        """First TA for T=1: IFSC (32 when absent); ``None`` when T=1 is not offered."""
        if 1 not in self.protocols:
            return None
        return _or_default(self._specific(1).ta, 32)

    @property
    def t1_bwi_cwi(self) -> tuple[int, int] | None:
        """First TB for T=1: (BWI, CWI), default (4, 13); ``None`` when T=1 is not offered."""
        if 1 not in self.protocols:
            return None
        tb = _or_default(self._specific(1).tb, 0x4D)
        return tb >> 4, tb & 0x0F

    @property
    def t1_error_detection(self) -> str | None:
        """First TC for T=1, b1: ``crc`` or ``lrc`` (default); ``None`` without T=1."""
        if 1 not in self.protocols:
            return None
        return "crc" if _or_default(self._specific(1).tc, 0) & 1 else "lrc"

    # --- historical bytes ----------------------------------------------------------------------

    @property
    def historical_info(self) -> HistoricalBytes:
        """The historical bytes decoded (category, COMPACT-TLV objects, status)."""
        return decode_historical(self.historical)

    @property
    def supports_extended_length(self) -> bool:
        """Card capabilities third byte b7 says extended Lc/Le are supported."""
        caps = self.historical_info.card_capabilities
        return caps is not None and caps.extended_length

    @property
    def logical_channels(self) -> int | None:
        """Maximum number of logical channels (8: eight or more); ``None`` when not said."""
        caps = self.historical_info.card_capabilities
        return None if caps is None else caps.max_logical_channels

    def to_json(self) -> dict[str, object]:
        """Every field, hex in uppercase."""
        mode = self.specific_mode
        bwi_cwi = self.t1_bwi_cwi
        return {
            "atr": to_hex(self.raw),
            "ts": f"{self.ts:02X}",
            "convention": self.convention,
            "t0": f"{self.t0:02X}",
            "interface": [group.to_json() for group in self.interface],
            "protocols": list(self.protocols),
            "fi": self.fi,
            "di": self.di,
            "f_max_mhz": self.f_max,
            "extra_guard_time": self.extra_guard_time,
            "specific_mode": None
            if mode is None
            else {
                "protocol": mode.protocol,
                "can_change": mode.can_change,
                "implicit_parameters": mode.implicit_parameters,
            },
            "t0_wi": self.t0_wi if 0 in self.protocols else None,
            "t1": None
            if bwi_cwi is None
            else {
                "ifsc": self.t1_ifsc,
                "bwi": bwi_cwi[0],
                "cwi": bwi_cwi[1],
                "error_detection": self.t1_error_detection,
            },
            "historical": self.historical_info.to_json(),
            "supports_extended_length": self.supports_extended_length,
            "logical_channels": self.logical_channels,
            "tck": hex_or_none(self.tck),
            "tck_valid": self.tck_valid,
        }


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
