"""ISO/IEC 7816-4 secure messaging with a send sequence counter, host and card side.

Sources: ISO/IEC 7816-4:2020 section 10 (secure messaging data objects, 10.2; cryptographic
checksum, 10.3; confidentiality, 10.4) and ICAO Doc 9303-11 (8th edition) section 9.8, whose
profile this codec follows:

- command: CLA with the SM indication "header authenticated" (0x0C on channels 0-3), data in
  DO87 = 01 || E(pad(data)) for an even INS or DO85 = E(pad(data)) for an odd INS (combined
  mode), or in plain in DO81 / DOB3 (authentic mode); DO97 = Le; DO8E = MAC over
  SSC || pad(CLA INS P1 P2) || DOs, padded. Outer Le is 00 (0000 when extended).
- response: data DO, DO99 (processing status, always present), DO8E = MAC over SSC || DOs.
- the SSC is a fixed-width unsigned counter, incremented before every command and before every
  response, wrapping modulo 2^(8 * width); the session ends before any value would number a
  second message (after 2^(8 * width) messages).

The codec is sans-IO. Any verification failure raises :class:`SecureChannelError` (MAC:
:class:`MacError`) with the status word a card answers (6987 missing objects, 6988 incorrect
objects) and ends the session; later calls raise :class:`SessionClosedError`.

The counter normally prefixes the MAC input (ICAO). The generic counter mode of
:mod:`cardwire.sm.counter` reuses this codec with the counter carried in a data object or
XOR-ed into the MAC input instead (see :class:`CounterPlacement`).
"""

from __future__ import annotations

import hmac
from enum import StrEnum
from functools import lru_cache
from typing import NoReturn

from cardwire import tlv
from cardwire.apdu import MAX_EXTENDED_NE, MAX_SHORT_NC, MAX_SHORT_NE, Command, Response
from cardwire.cla import SmIndication, parse_cla, with_secure_messaging
from cardwire.crypto.padding import pad, unpad
from cardwire.errors import (
    DecodeError,
    MacError,
    SecureChannelError,
    SessionClosedError,
    UsageError,
)
from cardwire.sm.iso7816_suites import (
    MAC_LENGTH,
    AesSuite,
    SmSuite,
    SuiteName,
    TdesSuite,
    make_suite,
)
from cardwire.sm.selection import SessionScope

# ISO 7816-4 10.2, table 53 (SM data objects) as profiled by ICAO Doc 9303-11 9.8.
TAG_PLAIN = 0x81  # plain value, not BER-TLV (authentic mode, even INS)
TAG_PLAIN_TLV = 0xB3  # plain value, BER-TLV (authentic mode, odd INS)
TAG_CRYPTOGRAM_TLV = 0x85  # cryptogram of BER-TLV data, no padding indicator (odd INS)
TAG_CRYPTOGRAM = 0x87  # padding-content indicator || cryptogram (even INS)
TAG_LE = 0x97  # Le, one or two bytes
TAG_STATUS = 0x99  # processing status SW1 SW2
TAG_MAC = 0x8E  # cryptographic checksum
# Not an ISO SM data object: cardwire's tag for the generic counter carried as a data object
# (private class, so it cannot collide with an ISO/IEC 7816-4 SM data object).
TAG_COUNTER = 0xC1

PADDING_INDICATOR = 0x01  # ISO/IEC 7816-4:2020 10.4, table 56: "padding as ISO 9797-1 m2"
SW_MISSING_OBJECTS = 0x6987  # ISO/IEC 7816-4:2020 5.6, table 6
SW_INCORRECT_OBJECTS = 0x6988

_DATA_TAGS = frozenset({TAG_PLAIN, TAG_PLAIN_TLV, TAG_CRYPTOGRAM_TLV, TAG_CRYPTOGRAM})


class SmMode(StrEnum):
    """How command and response data travel (ISO/IEC 7816-4:2020 10.1)."""

    COMBINED = "combined"  # encrypted and MACed: DO87 / DO85
    AUTHENTIC = "authentic"  # plain under the MAC: DO81 / DOB3


class CounterPlacement(StrEnum):
    """Where the send sequence counter enters the MAC."""

    PREFIX = "prefix"  # ICAO Doc 9303-11 9.8.6.1: SSC is the first block of the MAC input
    DATA_OBJECT = "data-object"  # carried in a DO (TAG_COUNTER), first in the message
    XOR = "xor"  # XOR-ed into the first bytes of the padded MAC input, not transmitted


# ---------------------------------------------------------------------------------------------
# The shared engine


def _counter_bytes(value: bytes, width: int) -> int:
    if len(value) != width:
        raise UsageError(f"the send sequence counter must be {width} bytes, got {len(value)}")
    return int.from_bytes(value, "big")


@lru_cache(maxsize=64)
def max_plain_payload(block_size: int, mac_length: int = MAC_LENGTH, extra: int = 0) -> int:
    """The largest plain data that fits one protected short command APDU (Nc <= 255).

    Counts the DO87 (tag, length, padding indicator, data padded to whole blocks), a one-byte
    DO97 and the DO8E; ``extra`` bytes of further objects (a counter DO) are reserved too.
    Cached: the chaining layer asks for it on every command.
    """
    fixed = 3 + (2 + mac_length) + extra  # DO97 '97 01 xx', DO8E '8E 08 mac'
    best = 0
    for padded in range(block_size, MAX_SHORT_NC + 1, block_size):
        value = 1 + padded
        do87 = 1 + len(tlv.encode_length(value)) + value
        if do87 + fixed <= MAX_SHORT_NC:
            best = padded - 1  # method 2 adds at least one byte
    return best


# CLA with the SM indication set or cleared: a pure function of one byte, asked per APDU.
_secured_class = lru_cache(maxsize=512)(with_secure_messaging)
_PADDING_INDICATOR_BYTE = bytes((PADDING_INDICATOR,))
_MAC_OBJECT_HEADER = bytes((TAG_MAC, MAC_LENGTH))
_MAC_OBJECT_SIZE = len(_MAC_OBJECT_HEADER) + MAC_LENGTH
# Enum members looked up once (a class attribute of an Enum costs several plain lookups).
_NO_SM = SmIndication.NONE
_HEADER_AUTHENTICATED = SmIndication.HEADER_AUTHENTICATED


def _data_object(tag: int, value: bytes) -> bytes:
    """One SM data object: its one-byte tag (ISO/IEC 7816-4:2020 table 53), length, value."""
    size = len(value)
    if size < 0x80:  # ISO/IEC 7816-4:2020 6.3: lengths below 128 are one byte
        return bytes((tag, size)) + value
    return bytes((tag,)) + tlv.encode_length(size) + value


class IsoSmEngine:
    """Suite, counter and state shared by the host and the card side."""

    #: How far the session reaches across SELECT by AID (cardwire.sm.selection): BAC and counter
    #: mode stay inside their application; PACE sets ``CHIP`` (ICAO 9303-11 4.2).
    scope: SessionScope = SessionScope.APPLICATION

    def __init__(
        self,
        suite: SmSuite,
        ssc: bytes,
        *,
        mode: SmMode = SmMode.COMBINED,
        placement: CounterPlacement = CounterPlacement.PREFIX,
    ) -> None:
        self._width = len(ssc)
        if not 1 <= self._width <= 16:
            raise UsageError(f"counter width must be 1..16 bytes, got {self._width}")
        if placement is CounterPlacement.PREFIX and self._width != suite.ssc_width:
            raise UsageError(
                f"the {suite.name} suite needs a {suite.ssc_width}-byte SSC, got {self._width}"
            )
        if placement is CounterPlacement.XOR and self._width > suite.block_size:
            raise UsageError("an XOR-ed counter must not be wider than one block")
        self._suite: SmSuite | None = suite
        self._block = suite.block_size
        self._ssc = _counter_bytes(ssc, self._width)
        self._mask = (1 << (8 * self._width)) - 1
        self._numbered = 0  # messages numbered so far (a counter value must never repeat)
        self._mode = SmMode(mode)
        self._placement = CounterPlacement(placement)
        self._counter_do_size = 2 + self._width if placement is CounterPlacement.DATA_OBJECT else 0
        # Per-session constants of the per-message path.
        self._prefixed = self._placement is CounterPlacement.PREFIX
        self._counter_in_object = self._placement is CounterPlacement.DATA_OBJECT
        # The padding that follows CLA INS P1 P2 in pad(header) (ICAO 9303-11 9.8.6.1 step f).
        self._header_padding = pad(bytes(4), self._block)[4:]
        self._command_slots = self._slots(_COMMAND_SLOTS)
        self._response_slots = self._slots(_RESPONSE_SLOTS)

    # -- state ------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """False once the session has ended (error or close)."""
        return self._suite is not None

    @property
    def ssc(self) -> bytes:
        """The current counter value (the one used by the last message)."""
        return self._ssc.to_bytes(self._width, "big")

    @property
    def mode(self) -> SmMode:
        return self._mode

    def close(self) -> None:
        """End the session and drop the keys."""
        self._suite = None

    def _require(self) -> SmSuite:
        suite = self._suite
        if suite is None:
            raise SessionClosedError("the secure messaging session has ended")
        return suite

    def _next_counter(self) -> bytes:
        """The counter value of the next message (not taken until :meth:`_commit`)."""
        # ISO/IEC 7816-4 / ICAO 9303-11 9.8.2: incremented before each message, fixed width.
        if self._numbered > self._mask:
            # Every value has numbered one message: the next would repeat an earlier number and
            # a message recorded then would verify again (ISO 7816-4 10.2: a replayed APDU ends the
            # session). Reachable with the short counters of the generic counter mode.
            self._fail("the send sequence counter is exhausted: every value has been used")
        return ((self._ssc + 1) & self._mask).to_bytes(self._width, "big")

    def _commit(self) -> None:
        """Move the counter on to the value :meth:`_next_counter` gave: the message is sent."""
        self._ssc = (self._ssc + 1) & self._mask
        self._numbered += 1

    def _fail(
        self, message: str, card_sw: int = SW_INCORRECT_OBJECTS, *, mac: bool = False
    ) -> NoReturn:
        self.close()
        if mac:
            raise MacError(message, card_sw)
        raise SecureChannelError(message, card_sw)

    # -- building ---------------------------------------------------------------------------

    def _leading_objects(self, suite: SmSuite, counter: bytes, data: bytes, odd_ins: bool) -> bytes:
        """The objects before DO97 / DO99: the counter object (data-object placement only), then
        the data object (none without data)."""
        counter_do = bytes((TAG_COUNTER, self._width)) + counter if self._counter_in_object else b""
        if not data:
            return counter_do
        if self._mode is SmMode.AUTHENTIC:
            return counter_do + _data_object(TAG_PLAIN_TLV if odd_ins else TAG_PLAIN, data)
        cryptogram = suite.encrypt(counter, pad(data, self._block))
        if odd_ins:
            return counter_do + _data_object(TAG_CRYPTOGRAM_TLV, cryptogram)
        return counter_do + _data_object(TAG_CRYPTOGRAM, _PADDING_INDICATOR_BYTE + cryptogram)

    def _mac(self, suite: SmSuite, counter: bytes, header: bytes, objects: bytes) -> bytes:
        # ICAO 9303-11 9.8.6.1 step f / 9.8.5: N = pad(SSC || pad(header) || DOs).
        if header:
            objects = header + self._header_padding + objects
        if self._prefixed:
            return suite.mac(pad(counter + objects, self._block))
        mac_input = pad(objects, self._block)
        if self._placement is CounterPlacement.XOR:
            # ISO 7816-4 10.2: the counter is XOR-ed into the data before the MAC, then restored.
            width = self._width
            mixed = int.from_bytes(mac_input[:width], "big") ^ int.from_bytes(counter, "big")
            mac_input = mixed.to_bytes(width, "big") + mac_input[width:]
        return suite.mac(mac_input)

    def _seal(self, suite: SmSuite, counter: bytes, header: bytes, objects: bytes) -> bytes:
        mac = self._mac(suite, counter, header, objects)
        return objects + _MAC_OBJECT_HEADER + mac

    # -- opening ----------------------------------------------------------------------------

    def _slots(self, slots: tuple[frozenset[int], ...]) -> tuple[frozenset[int], ...]:
        return slots if self._placement is CounterPlacement.DATA_OBJECT else slots[1:]

    def _open(
        self,
        suite: SmSuite,
        counter: bytes,
        header: bytes,
        body: bytes,
        slots: tuple[frozenset[int], ...],
    ) -> dict[int, bytes]:
        """Verify the MAC first (constant time), then the structure; return values by tag."""
        try:
            # ISO/IEC 7816-4:2020 10.2: the SM data objects are BER-TLV, read strictly (6.3).
            nodes = tlv.parse_values(body)
        except DecodeError as exc:
            self._fail(f"secure messaging objects are not valid BER-TLV: {exc}")
        if not nodes or nodes[-1][0] != TAG_MAC:
            self._fail("the MAC object DO8E is missing or not last", SW_MISSING_OBJECTS)
        received = nodes[-1][1]
        if len(received) != MAC_LENGTH:
            self._fail(f"DO8E must hold {MAC_LENGTH} bytes, got {len(received)}")
        expected = self._mac(suite, counter, header, body[:-_MAC_OBJECT_SIZE])
        if not hmac.compare_digest(expected, received):
            self._fail(
                "MAC verification failed (altered, replayed or out-of-order message)", mac=True
            )
        values: dict[int, bytes] = {}
        slot, last = 0, len(slots)
        for tag, value in nodes[:-1]:
            while slot < last and tag not in slots[slot]:
                slot += 1
            if slot == last:
                known = any(tag in tags for tags in slots)
                problem = "duplicate or misplaced" if known else "unexpected"
                self._fail(f"{problem} secure messaging object {tag:02X}")
            values[tag] = value
            slot += 1
        if self._counter_in_object:
            carried = values.get(TAG_COUNTER)
            if carried is None:
                self._fail("the counter object is missing", SW_MISSING_OBJECTS)
            if not hmac.compare_digest(carried, counter):
                self._fail("unexpected counter value (inserted, deleted or replayed message)")
        return values

    def _plain_data(self, suite: SmSuite, counter: bytes, values: dict[int, bytes]) -> bytes:
        for tag in values:
            if tag in _DATA_TAGS:
                break  # _open let at most one data object through
        else:
            return b""
        value = values[tag]
        if tag in (TAG_PLAIN, TAG_PLAIN_TLV):
            return value
        if tag == TAG_CRYPTOGRAM:
            if value[:1] != b"\x01":
                self._fail("DO87 padding-content indicator is not 01")
            value = value[1:]
        if not value or len(value) % self._block:
            self._fail(f"cryptogram is not a whole number of {self._block}-byte blocks")
        try:
            return unpad(suite.decrypt(counter, value), self._block)
        except DecodeError:
            self._fail("bad padding in decrypted data")

    def __repr__(self) -> str:
        state = "active" if self.active else "closed"
        suite = self._suite.name if self._suite is not None else "-"
        return f"{type(self).__name__}({suite}, {self._mode}, {state})"


# Allowed objects, in order (ICAO Doc 9303-11 9.8.5 / 9.8.6): a counter DO only in the
# data-object placement, one data object, then DO97 (commands) or DO99 (responses).
_COMMAND_SLOTS = (frozenset({TAG_COUNTER}), _DATA_TAGS, frozenset({TAG_LE}))
_RESPONSE_SLOTS = (frozenset({TAG_COUNTER}), _DATA_TAGS, frozenset({TAG_STATUS}))


class IsoSmHost(IsoSmEngine):
    """Host side: :class:`cardwire.sm.base.HostSecureSession` for ISO/ICAO secure messaging."""

    channel: int | None = None
    """The logical channel the session runs on, set when first installed (``Card.secure``);
    the session is a state of that channel on the card (ISO/IEC 7816-4:2020 5.4.2)."""

    @property
    def max_payload(self) -> int:
        """The largest plain command data that fits one protected short APDU."""
        return max_plain_payload(self._block, MAC_LENGTH, self._counter_do_size)

    def protect(self, command: Command) -> Command:
        """Protect a plain command (ISO/IEC 7816-4:2020 10.3, ICAO 9303-11 9.8.6.1)."""
        suite = self._require()
        cla = parse_cla(command.cla)
        if cla.sm is not _NO_SM:
            raise UsageError(f"CLA {command.cla:02X} already carries a secure messaging indication")
        channel = cla.channel
        if channel is None or channel > 3:
            # ISO/IEC 7816-4:2020 5.4.1: only the first-range classes (channels 0-3) can say
            # "SM, command header authenticated".
            raise UsageError(
                "ISO secure messaging with an authenticated header runs on channels 0-3 only"
            )
        sm_cla = _secured_class(command.cla)
        counter = self._next_counter()
        ins, p1, p2, ne = command.ins, command.p1, command.p2, command.ne
        header = bytes((sm_cla, ins, p1, p2))
        objects = self._leading_objects(suite, counter, command.data, bool(ins & 1))
        if ne:
            # ICAO 9303-11 9.8.6.1: DO97 holds Le; one byte (256 as 00), two when extended
            # (65536 as 0000).
            if command.is_extended:
                objects += bytes((TAG_LE, 2, ne >> 8 & 0xFF, ne & 0xFF))
            else:
                objects += bytes((TAG_LE, 1, ne & 0xFF))
        body = self._seal(suite, counter, header, objects)
        extended = len(body) > MAX_SHORT_NC or ne > MAX_SHORT_NE
        outer_ne = MAX_EXTENDED_NE if extended else MAX_SHORT_NE  # outer Le 0000 / 00
        protected = Command(sm_cla, ins, p1, p2, body, outer_ne)
        self._commit()
        return protected

    def unprotect(self, response: Response) -> Response:
        """Verify and decrypt a protected response (ICAO 9303-11 9.8.6.1 steps i-j)."""
        suite = self._require()
        counter = self._next_counter()
        self._commit()  # counted even when it fails: the session ends anyway
        body, sw = response.data, response.sw
        if not body:
            self._fail(
                f"the card answered {sw:04X} without secure messaging objects", SW_MISSING_OBJECTS
            )
        values = self._open(suite, counter, b"", body, self._response_slots)
        status = values.get(TAG_STATUS)
        if status is None:
            self._fail("the status object DO99 is missing", SW_MISSING_OBJECTS)
        if len(status) != 2:
            self._fail(f"DO99 must hold two bytes, got {len(status)}")
        if status[0] << 8 | status[1] != sw:
            self._fail(f"outer status word {sw:04X} differs from DO99 {status.hex().upper()}")
        return Response(self._plain_data(suite, counter, values), sw)


class IsoSmCard(IsoSmEngine):
    """Card side: unwraps protected commands and wraps responses (simulated card)."""

    _odd_ins = False  # whether the last unwrapped command had an odd INS (set per command)

    def handles(self, command: Command) -> bool:
        """True when the CLA carries a secure-messaging indication (ISO 7816-4:2020 5.4.1)."""
        return parse_cla(command.cla).sm is not _NO_SM

    def admits_plain(self, command: Command) -> bool:
        """Never: ICAO 9303-11 9.8 / BSI TR-03110-3 F.6, the chip aborts secure messaging on a
        plain APDU (the OS serves plain GET RESPONSE for pending data before asking)."""
        return False

    def unwrap(self, command: Command) -> Command:
        """Verify and decrypt a protected command; any failure ends the session."""
        suite = self._require()
        counter = self._next_counter()
        self._commit()
        cla = parse_cla(command.cla)
        if cla.sm is not _HEADER_AUTHENTICATED and not (cla.gp and cla.sm is not _NO_SM):
            self._fail(f"CLA {command.cla:02X} does not announce an authenticated header")
        if cla.channel is None or cla.channel > 3:
            self._fail(f"CLA {command.cla:02X} is outside channels 0-3")
        if command.ne not in (0, MAX_SHORT_NE, MAX_EXTENDED_NE):
            # ICAO 9303-11 9.8.6.1: the outer Le of a protected command is 00 (0000).
            self._fail(f"outer Le of a protected command must be 00, got Ne={command.ne}")
        if not command.data:
            self._fail("protected command without secure messaging objects", SW_MISSING_OBJECTS)
        values = self._open(suite, counter, command.header, command.data, self._command_slots)
        ne = 0
        le = values.get(TAG_LE)
        if le is not None:
            if len(le) == 1:
                ne = le[0] or MAX_SHORT_NE
            elif len(le) == 2:
                ne = int.from_bytes(le, "big") or MAX_EXTENDED_NE
            else:
                self._fail(f"DO97 must hold one or two bytes, got {len(le)}")
        data = self._plain_data(suite, counter, values)
        self._odd_ins = bool(command.ins & 1)
        plain_cla = _secured_class(command.cla, False)
        return Command(plain_cla, command.ins, command.p1, command.p2, data, ne)

    def wrap(self, response: Response) -> Response:
        """Protect a plain response: data DO, DO99 and DO8E (ICAO 9303-11 9.8.6.1)."""
        suite = self._require()
        counter = self._next_counter()
        sw = response.sw
        objects = self._leading_objects(suite, counter, response.data, self._odd_ins) + bytes(
            (TAG_STATUS, 2, sw >> 8, sw & 0xFF)
        )
        body = self._seal(suite, counter, b"", objects)
        self._commit()
        return Response(body, sw)


__all__ = [
    "MAC_LENGTH",
    "SW_INCORRECT_OBJECTS",
    "SW_MISSING_OBJECTS",
    "TAG_COUNTER",
    "AesSuite",
    "CounterPlacement",
    "IsoSmCard",
    "IsoSmEngine",
    "IsoSmHost",
    "SmMode",
    "SmSuite",
    "SuiteName",
    "TdesSuite",
    "make_suite",
    "max_plain_payload",
]
