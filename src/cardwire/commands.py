"""Builders for the interindustry commands of ISO/IEC 7816-4:2020 (clause 11) and 7816-9.

Each builder returns a :class:`~cardwire.apdu.Command`. The ``channel`` keyword (0-19) sets the
logical channel in CLA through :func:`cardwire.cla.build_cla`; MANAGE CHANNEL, whose parameter is
itself a channel number, takes the channel it is sent on as ``origin``. Impossible parameters
raise :class:`~cardwire.errors.UsageError`.
"""

from __future__ import annotations

from enum import IntEnum

from cardwire.apdu import Command
from cardwire.cla import MAX_CHANNEL, build_cla
from cardwire.errors import UsageError
from cardwire.ins import Ins

MAX_SHORT_OFFSET = 0x7FFF  # ISO 7816-4 READ BINARY: 15-bit offset in P1-P2 when P1 b8 = 0
MAX_SFI_OFFSET = 0xFF  # with a short EF identifier in P1, P2 alone is the offset
MAX_DO54_OFFSET = 0xFFFFFFFF
MAX_AID = 16  # ISO/IEC 7816-4 / 7816-5: a DF name (AID) has at most 16 bytes
SFI_REFERENCE = 0x80  # READ BINARY P1 b8 = 1: b5-b1 are a short EF identifier
OFFSET_TAG = 0x54  # ISO 7816-4: offset data object, used by the odd-INS binary commands
DISCRETIONARY_DATA_TAG = 0x53  # ISO 7816-4: discretionary data object (UPDATE BINARY odd INS)
MF_ID = b"\x3f\x00"


class SelectTarget(IntEnum):
    """SELECT P1 for a file identifier (ISO 7816-4:2020 clause 11, SELECT, P1 table)."""

    ANY = 0x00  # MF, DF or EF (data: file identifier; empty data selects the MF)
    CHILD_DF = 0x01
    EF = 0x02  # EF under the current DF


class SelectReturn(IntEnum):
    """SELECT P2 b4-b3: what the card returns (ISO 7816-4:2020 clause 11, SELECT, P2 table)."""

    FCI = 0x00
    FCP = 0x04
    FMD = 0x08
    NONE = 0x0C  # no response data


class Occurrence(IntEnum):
    """SELECT P2 b2-b1: file occurrence (ISO 7816-4:2020 clause 11, SELECT, P2 table)."""

    FIRST = 0x00
    LAST = 0x01
    NEXT = 0x02
    PREVIOUS = 0x03


class RecordRange(IntEnum):
    """READ/ERASE RECORD(S) P2 b3-b1 with a record number in P1 (ISO 7816-4:2020 clause 11)."""

    ONE = 0b100  # the record number P1
    TO_LAST = 0b101  # from record P1 up to the last record
    FROM_LAST = 0b110  # from the last record up to record P1 (READ RECORD(S) only)


_SELECT_P1_DF_NAME = 0x04
_SELECT_P1_PARENT = 0x03
_SELECT_P1_PATH_FROM_MF = 0x08
_SELECT_P1_PATH_FROM_CURRENT = 0x09
_MANAGE_CHANNEL_OPEN = 0x00
_MANAGE_CHANNEL_CLOSE = 0x80
_SHORT_NE = 256


def _cla(channel: int) -> int:
    return build_cla(channel)


def _int_in(value: int, low: int, high: int, expected: str) -> int:
    if not isinstance(value, int) or not low <= value <= high:
        raise UsageError(f"{expected}, got {value!r}")
    return value


def _byte(name: str, value: int) -> int:
    return _int_in(value, 0, 0xFF, f"{name} must be a byte (0..255)")


def _sfi(sfi: int) -> int:
    # ISO 7816-4:2020 (short EF identifier): 1..30; 00000 and 11111 are not identifiers.
    return _int_in(sfi, 1, 30, "a short EF identifier is 1..30")


def _fid(fid: bytes | int) -> bytes:
    if isinstance(fid, int):
        if not 0 <= fid <= 0xFFFF:
            raise UsageError(f"a file identifier is two bytes, got {fid!r}")
        return fid.to_bytes(2, "big")
    fid = bytes(fid)
    if len(fid) != 2:
        raise UsageError(f"a file identifier is two bytes, got {len(fid)}")
    return fid


def _record_number(number: int) -> int:
    # ISO 7816-4:2020 (records): numbers are 1..254; P1 = 00 means the current record, FF is RFU.
    return _int_in(number, 0, 0xFE, "a record number is 0..254 (0 = current record)")


def offset_object(offset: int) -> bytes:
    """DO54 carrying ``offset`` in the fewest bytes (at least one), for the odd-INS commands."""
    _int_in(offset, 0, MAX_DO54_OFFSET, f"offset must be 0..{MAX_DO54_OFFSET}")
    value = offset.to_bytes(max(1, (offset.bit_length() + 7) // 8), "big")
    return bytes((OFFSET_TAG, len(value))) + value


def _ber_length(n: int) -> bytes:
    # ISO 7816-4 6.3 (BER-TLV definite lengths): short form up to 127, then 81 xx / 82 xx xx.
    if n < 0x80:
        return bytes((n,))
    if n <= 0xFF:
        return bytes((0x81, n))
    return bytes((0x82,)) + n.to_bytes(2, "big")


# -- SELECT ---------------------------------------------------------------------------------


def _select(
    p1: int, data: bytes, fci: SelectReturn, occurrence: Occurrence, ne: int | None, channel: int
) -> Command:
    fci, occurrence = SelectReturn(fci), Occurrence(occurrence)
    if ne is None:
        ne = 0 if fci is SelectReturn.NONE else _SHORT_NE
    # ISO 7816-4:2020 clause 11 SELECT: P2 = b4-b3 response data, b2-b1 occurrence.
    return Command(_cla(channel), Ins.SELECT, p1, fci | occurrence, data, ne)


def select_mf(
    *, fci: SelectReturn = SelectReturn.FCI, ne: int | None = None, channel: int = 0
) -> Command:
    """SELECT the MF: P1 = 00 with an empty data field (ISO 7816-4:2020 clause 11, SELECT)."""
    return _select(0x00, b"", fci, Occurrence.FIRST, ne, channel)


def select_fid(
    fid: bytes | int,
    *,
    target: SelectTarget = SelectTarget.ANY,
    fci: SelectReturn = SelectReturn.FCI,
    occurrence: Occurrence = Occurrence.FIRST,
    ne: int | None = None,
    channel: int = 0,
) -> Command:
    """SELECT by file identifier: P1 = 00 (any), 01 (child DF) or 02 (EF under current DF)."""
    return _select(SelectTarget(target), _fid(fid), fci, occurrence, ne, channel)


def select_parent(
    *, fci: SelectReturn = SelectReturn.FCI, ne: int | None = None, channel: int = 0
) -> Command:
    """SELECT the parent DF of the current DF: P1 = 03, no data (ISO 7816-4:2020 clause 11)."""
    return _select(_SELECT_P1_PARENT, b"", fci, Occurrence.FIRST, ne, channel)


def select_path(
    path: bytes,
    from_mf: bool = True,
    *,
    fci: SelectReturn = SelectReturn.FCI,
    ne: int | None = None,
    channel: int = 0,
) -> Command:
    """SELECT by path: P1 = 08 from the MF (path without the MF identifier) or 09 from the
    current DF (ISO 7816-4:2020 clause 11, SELECT, P1 table)."""
    path = bytes(path)
    if not path or len(path) % 2:
        raise UsageError(f"a path is a non-empty series of 2-byte file identifiers, got {path!r}")
    if from_mf and path[:2] == MF_ID:
        raise UsageError("a path from the MF leaves out the MF identifier 3F00")
    p1 = _SELECT_P1_PATH_FROM_MF if from_mf else _SELECT_P1_PATH_FROM_CURRENT
    return _select(p1, path, fci, Occurrence.FIRST, ne, channel)


def select_by_aid(
    aid: bytes,
    *,
    fci: SelectReturn = SelectReturn.FCI,
    next_occurrence: bool = False,
    ne: int | None = None,
    channel: int = 0,
) -> Command:
    """SELECT by DF name (AID): P1 = 04; ``next_occurrence`` asks for the next application
    whose name starts with ``aid`` (P2 b2-b1 = 10) (ISO 7816-4:2020 clause 11, SELECT)."""
    aid = bytes(aid)
    if len(aid) > MAX_AID:
        raise UsageError(f"a DF name (AID) has at most {MAX_AID} bytes, got {len(aid)}")
    occurrence = Occurrence.NEXT if next_occurrence else Occurrence.FIRST
    return _select(_SELECT_P1_DF_NAME, aid, fci, occurrence, ne, channel)


# -- data units (binary files) --------------------------------------------------------------


def _binary_even_p1p2(offset: int, sfi: int | None) -> tuple[int, int] | None:
    """P1-P2 of an even-INS binary command, or None when the offset needs the odd INS."""
    if not isinstance(offset, int) or offset < 0:
        raise UsageError(f"offset must be a non-negative integer, got {offset!r}")
    if sfi is not None:
        # ISO 7816-4:2020 clause 11 READ BINARY: P1 = 100x xxxx (SFI), P2 = offset 0..255.
        return (SFI_REFERENCE | _sfi(sfi), offset) if offset <= MAX_SFI_OFFSET else None
    # P1 b8 = 0: P1-P2 is a 15-bit offset.
    return divmod(offset, 256) if offset <= MAX_SHORT_OFFSET else None


def _binary_odd_p1p2(sfi: int | None) -> tuple[int, int]:
    # ISO 7816-4:2020 clause 11, odd INS: P1-P2 = 0000 is the current EF; b16-b6 = 0 with
    # b5-b1 not all equal is a short EF identifier.
    return (0x00, 0x00) if sfi is None else (0x00, _sfi(sfi))


def read_binary(
    offset: int = 0,
    ne: int = _SHORT_NE,
    sfi: int | None = None,
    *,
    odd: bool = False,
    channel: int = 0,
) -> Command:
    """READ BINARY: INS B0 with the offset in P1-P2 (or in P2 after a short EF identifier);
    INS B1 with the offset in DO54 when it does not fit (offset > 32767, or > 255 with an SFI)
    or when ``odd`` is asked (ISO 7816-4:2020 clause 11, READ BINARY)."""
    even = None if odd else _binary_even_p1p2(offset, sfi)
    if even is not None:
        return Command(_cla(channel), Ins.READ_BINARY, even[0], even[1], b"", ne)
    p1, p2 = _binary_odd_p1p2(sfi)
    return Command(_cla(channel), Ins.READ_BINARY_ODD, p1, p2, offset_object(offset), ne)


def update_binary(
    data: bytes,
    offset: int = 0,
    sfi: int | None = None,
    *,
    odd: bool = False,
    channel: int = 0,
) -> Command:
    """UPDATE BINARY: INS D6 addressed like READ BINARY; INS D7 carries DO54 (offset) and DO53
    (the data) when the offset does not fit or ``odd`` is asked (ISO 7816-4:2020 clause 11)."""
    data = bytes(data)
    even = None if odd else _binary_even_p1p2(offset, sfi)
    if even is not None:
        return Command(_cla(channel), Ins.UPDATE_BINARY, even[0], even[1], data)
    p1, p2 = _binary_odd_p1p2(sfi)
    body = offset_object(offset) + bytes((DISCRETIONARY_DATA_TAG,)) + _ber_length(len(data))
    return Command(_cla(channel), Ins.UPDATE_BINARY_ODD, p1, p2, body + data)


def erase_binary(
    offset: int = 0,
    end: int | None = None,
    sfi: int | None = None,
    *,
    odd: bool = False,
    channel: int = 0,
) -> Command:
    """ERASE BINARY from ``offset`` to the end of the EF, or up to ``end`` (the first data unit
    not erased). INS 0E takes the offset in P1-P2 and ``end`` as two data bytes; INS 0F takes
    one or two DO54 (ISO 7816-4:2020 clause 11, ERASE BINARY)."""
    if end is not None and (not isinstance(end, int) or end <= offset):
        raise UsageError(f"end must be greater than the offset {offset}, got {end!r}")
    even = None if odd else _binary_even_p1p2(offset, sfi)
    if even is not None and (end is None or end <= 0xFFFF):
        data = b"" if end is None else end.to_bytes(2, "big")
        return Command(_cla(channel), Ins.ERASE_BINARY, even[0], even[1], data)
    p1, p2 = _binary_odd_p1p2(sfi)
    data = offset_object(offset) + (b"" if end is None else offset_object(end))
    return Command(_cla(channel), Ins.ERASE_BINARY_ODD, p1, p2, data)


# -- records --------------------------------------------------------------------------------


def _record_p2(sfi: int | None, low_bits: int) -> int:
    # ISO 7816-4:2020 clause 11 record commands: P2 b8-b4 = SFI (00000 = current EF), b3-b1 mode.
    return (0 if sfi is None else _sfi(sfi) << 3) | low_bits


def read_record(
    number: int,
    sfi: int | None = None,
    *,
    records: RecordRange = RecordRange.ONE,
    ne: int = _SHORT_NE,
    channel: int = 0,
) -> Command:
    """READ RECORD(S) (INS B2): record ``number`` (0 = current), or all records from it up to
    the last (``TO_LAST``) or from the last down to it (``FROM_LAST``)."""
    p2 = _record_p2(sfi, RecordRange(records))
    return Command(_cla(channel), Ins.READ_RECORD, _record_number(number), p2, b"", ne)


def update_record(number: int, data: bytes, sfi: int | None = None, *, channel: int = 0) -> Command:
    """UPDATE RECORD (INS DC) of record ``number`` (P2 b3-b1 = 100)."""
    p2 = _record_p2(sfi, RecordRange.ONE)
    return Command(_cla(channel), Ins.UPDATE_RECORD, _record_number(number), p2, bytes(data))


def append_record(data: bytes, sfi: int | None = None, *, channel: int = 0) -> Command:
    """APPEND RECORD (INS E2): P1 = 00, P2 b3-b1 = 000 (ISO 7816-4:2020 clause 11)."""
    return Command(_cla(channel), Ins.APPEND_RECORD, 0x00, _record_p2(sfi, 0), bytes(data))


def erase_record(
    number: int, sfi: int | None = None, *, through_last: bool = False, channel: int = 0
) -> Command:
    """ERASE RECORD(S) (INS 0C): record ``number`` (P2 b3-b1 = 100) or it and every record
    after it (101) (ISO 7816-4:2020 clause 11)."""
    mode = RecordRange.TO_LAST if through_last else RecordRange.ONE
    return Command(_cla(channel), Ins.ERASE_RECORD, _record_number(number), _record_p2(sfi, mode))


# -- security -------------------------------------------------------------------------------


def verify(reference: int, pin: bytes | None, *, channel: int = 0) -> Command:
    """VERIFY (INS 20), P1 = 00, P2 = reference data qualifier. ``pin=None`` sends no data: a
    status query the card answers with 9000 (verified) or 63Cx (x tries left)."""
    data = b"" if pin is None else bytes(pin)
    return Command(_cla(channel), Ins.VERIFY, 0x00, _byte("reference", reference), data)


def change_reference_data(
    reference: int, new: bytes, old: bytes | None = None, *, channel: int = 0
) -> Command:
    """CHANGE REFERENCE DATA (INS 24): P1 = 00 with old ‖ new, or P1 = 01 with only the new
    reference data (ISO 7816-4:2020 clause 11)."""
    p1, data = (0x01, bytes(new)) if old is None else (0x00, bytes(old) + bytes(new))
    return Command(
        _cla(channel), Ins.CHANGE_REFERENCE_DATA, p1, _byte("reference", reference), data
    )


def reset_retry_counter(
    reference: int,
    resetting_code: bytes | None = None,
    new: bytes | None = None,
    *,
    channel: int = 0,
) -> Command:
    """RESET RETRY COUNTER (INS 2C): P1 = 00 code ‖ new, 01 code only, 02 new only, 03 none."""
    code, value = bytes(resetting_code or b""), bytes(new or b"")
    p1 = {(True, True): 0x00, (True, False): 0x01, (False, True): 0x02, (False, False): 0x03}[
        (resetting_code is not None, new is not None)
    ]
    ref = _byte("reference", reference)
    return Command(_cla(channel), Ins.RESET_RETRY_COUNTER, p1, ref, code + value)


def get_challenge(ne: int = 8, *, channel: int = 0) -> Command:
    """GET CHALLENGE (INS 84), P1-P2 = 0000, Le = the challenge length."""
    if ne < 1:
        raise UsageError("GET CHALLENGE needs Ne >= 1")
    return Command(_cla(channel), Ins.GET_CHALLENGE, 0x00, 0x00, b"", ne)


def internal_authenticate(
    data: bytes,
    *,
    algorithm: int = 0x00,
    key: int = 0x00,
    ne: int = _SHORT_NE,
    channel: int = 0,
) -> Command:
    """INTERNAL AUTHENTICATE (INS 88): P1 = algorithm reference, P2 = key reference."""
    return _authenticate(Ins.INTERNAL_AUTHENTICATE, data, algorithm, key, ne, channel)


def external_authenticate(
    data: bytes = b"",
    *,
    algorithm: int = 0x00,
    key: int = 0x00,
    ne: int = 0,
    channel: int = 0,
) -> Command:
    """EXTERNAL (or MUTUAL) AUTHENTICATE (INS 82): P1 = algorithm, P2 = key reference."""
    return _authenticate(Ins.EXTERNAL_AUTHENTICATE, data, algorithm, key, ne, channel)


def _authenticate(
    ins: Ins, data: bytes, algorithm: int, key: int, ne: int, channel: int
) -> Command:
    # ISO 7816-4:2020 clause 11 (INTERNAL/EXTERNAL AUTHENTICATE): P1 algorithm, P2 key reference.
    return Command(
        _cla(channel), ins, _byte("algorithm", algorithm), _byte("key", key), bytes(data), ne
    )


def terminate_card_usage(*, channel: int = 0) -> Command:
    """TERMINATE CARD USAGE (INS FE, ISO/IEC 7816-9), P1-P2 = 0000: irreversible on a card."""
    return Command(_cla(channel), Ins.TERMINATE_CARD_USAGE, 0x00, 0x00)


# -- transmission and channels --------------------------------------------------------------


def get_response(ne: int = _SHORT_NE, *, channel: int = 0) -> Command:
    """GET RESPONSE (INS C0), P1-P2 = 0000, Le = the bytes to fetch (from 61xx)."""
    if ne < 1:
        raise UsageError("GET RESPONSE needs Ne >= 1")
    return Command(_cla(channel), Ins.GET_RESPONSE, 0x00, 0x00, b"", ne)


def manage_channel_open(channel: int | None = None, *, origin: int = 0) -> Command:
    """MANAGE CHANNEL open (INS 70, P1 = 00), sent on channel ``origin``. Without ``channel`` the
    card assigns the number (P2 = 00, Le = 01); otherwise P2 requests it (1-19) (ISO 7816-4:2020
    clause 11, MANAGE CHANNEL)."""
    if channel is None:
        return Command(_cla(origin), Ins.MANAGE_CHANNEL, _MANAGE_CHANNEL_OPEN, 0x00, b"", 1)
    _int_in(channel, 1, MAX_CHANNEL, f"a channel to open is 1..{MAX_CHANNEL}")
    return Command(_cla(origin), Ins.MANAGE_CHANNEL, _MANAGE_CHANNEL_OPEN, channel)


def manage_channel_close(channel: int, *, origin: int = 0) -> Command:
    """MANAGE CHANNEL close (INS 70, P1 = 80, P2 = the channel to close), sent on ``origin``.
    The basic channel 0 cannot be closed (ISO 7816-4:2020 clause 11, MANAGE CHANNEL)."""
    _int_in(channel, 1, MAX_CHANNEL, f"a channel to close is 1..{MAX_CHANNEL}")
    return Command(_cla(origin), Ins.MANAGE_CHANNEL, _MANAGE_CHANNEL_CLOSE, channel)


# -- data objects ---------------------------------------------------------------------------


def _tag_p1p2(tag: int) -> tuple[int, int]:
    # ISO 7816-4:2020 clause 11 GET/PUT DATA (even INS): P1-P2 is the tag (one or two bytes).
    return divmod(_int_in(tag, 0, 0xFFFF, "a GET/PUT DATA tag is 0000..FFFF"), 256)


def get_data(tag: int, *, ne: int = _SHORT_NE, channel: int = 0) -> Command:
    """GET DATA (INS CA): P1-P2 = the tag of the data object to fetch."""
    p1, p2 = _tag_p1p2(tag)
    return Command(_cla(channel), Ins.GET_DATA, p1, p2, b"", ne)


def put_data(tag: int, value: bytes, *, channel: int = 0) -> Command:
    """PUT DATA (INS DA): P1-P2 = the tag, data = the value to store."""
    p1, p2 = _tag_p1p2(tag)
    return Command(_cla(channel), Ins.PUT_DATA, p1, p2, bytes(value))
