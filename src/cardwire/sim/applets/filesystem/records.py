"""READ RECORD(S), UPDATE RECORD, APPEND RECORD and ERASE RECORD(S) in the file-system applet
(ISO/IEC 7816-4:2020 11.4.2-11.4.8)."""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.sim.access import Operation
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.filesystem.state import ChannelState, check_file_access, make_current
from cardwire.sim.file_commands import require_current_ef, require_ef_by_sfi, require_structure
from cardwire.sim.fs import ElementaryFile
from cardwire.sw import SW


def _record_ef(state: ChannelState, p2: int) -> ElementaryFile:
    """P2 b8-b4: 00000 the current EF, 11111 RFU, else an SFI (11.4.2)."""
    sfi = p2 >> 3
    if sfi == 0x1F:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if sfi == 0:
        ef = require_current_ef(state.current_ef)
    else:
        ef = require_ef_by_sfi(state.current_df, sfi)
    require_structure(ef, transparent=False)
    return ef


def _current_record(state: ChannelState, ef: ElementaryFile) -> int:
    number = state.record_pointers.get(id(ef))
    if number is None:
        raise CardStatus(SW.RECORD_NOT_FOUND)  # no current record
    return number


def _find_record(ef: ElementaryFile, identifier: int, mode: int, pointer: int | None) -> int:
    """First (00), last (01), next (10) or previous (11) record whose identifier (its first byte)
    is ``identifier``; 00 matches any record (ISO/IEC 7816-4:2020 11.4.2)."""
    numbers = [
        n
        for n in range(1, ef.record_count + 1)
        if identifier == 0 or ef.records[n - 1][:1] == bytes((identifier,))
    ]
    if mode == 0b10 and pointer is not None:
        numbers = [n for n in numbers if n > pointer]
    elif mode == 0b11 and pointer is not None:
        numbers = [n for n in numbers if n < pointer]
    if not numbers:
        raise CardStatus(SW.RECORD_NOT_FOUND)
    return numbers[0] if mode in (0b00, 0b10) else numbers[-1]


def read_record(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    p1, p2 = command.p1, command.p2
    if command.data:
        raise CardStatus(SW.WRONG_LENGTH)
    if p1 == 0xFF:
        raise CardStatus(SW.INCORRECT_P1_P2)  # 11.4.2: record number FF is RFU
    ef = _record_ef(state, p2)
    check_file_access(ctx, state, ef, Operation.READ)
    mode = p2 & 0x07
    pointers = state.record_pointers
    if mode == 0b100:  # record P1 (00: the current record)
        number = p1 or _current_record(state, ef)
        body = ef.record(number)
        pointers[id(ef)] = number
    elif mode in (0b101, 0b110):  # all records from P1 to the last / from the last to P1
        first = p1 or _current_record(state, ef)
        ef.record(first)
        numbers = range(first, ef.record_count + 1)
        if mode == 0b110:
            numbers = numbers[::-1]
        # Records are not SIMPLE-TLV objects here: they are concatenated (documented).
        body = b"".join(ef.record(n) for n in numbers)
    elif mode == 0b111:
        raise CardStatus(SW.INCORRECT_P1_P2)
    else:  # b3 = 0: record identifier P1 (00: any), first / last / next / previous
        number = _find_record(ef, p1, mode, pointers.get(id(ef)))
        body = ef.record(number)
        pointers[id(ef)] = number
    make_current(state, ef)
    return Response(body)


def update_record(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    p1, p2 = command.p1, command.p2
    ef = _record_ef(state, p2)
    check_file_access(ctx, state, ef, Operation.UPDATE)
    mode = p2 & 0x07
    if mode == 0b100:
        number = p1 or _current_record(state, ef)
    elif mode <= 0b011 and p1 == 0:  # first / last / next / previous record
        number = _find_record(ef, 0, mode, state.record_pointers.get(id(ef)))
    else:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if not command.data:
        raise CardStatus(SW.WRONG_LENGTH)
    ef.update_record(number, command.data)
    state.record_pointers[id(ef)] = number
    make_current(state, ef)
    ctx.card.commit()
    return Response()


def append_record(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    if command.p1 != 0 or command.p2 & 0x07:
        raise CardStatus(SW.INCORRECT_P1_P2)  # 11.4.7: P1 = 00, P2 b3-b1 = 000
    ef = _record_ef(state, command.p2)
    check_file_access(ctx, state, ef, Operation.APPEND)
    if not command.data:
        raise CardStatus(SW.WRONG_LENGTH)
    number = ef.append_record(command.data)
    make_current(state, ef)
    state.record_pointers[id(ef)] = number  # the new record becomes the current record
    ctx.card.commit()
    return Response()


def erase_record(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    # 11.4.8: P1 record number (00: current record); P2 b8-b4 SFI, b3-b1 100 "record P1",
    # 101 "records from P1 up to the last"; no data field.
    p1, p2 = command.p1, command.p2
    mode = p2 & 0x07
    if mode not in (0b100, 0b101) or p1 == 0xFF:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if command.data:
        raise CardStatus(SW.WRONG_LENGTH)
    ef = _record_ef(state, p2)
    check_file_access(ctx, state, ef, Operation.ERASE)
    first = p1 or _current_record(state, ef)
    ef.record(first)
    last = first if mode == 0b100 else ef.record_count
    for number in range(first, last + 1):
        ef.erase_record(number)
    make_current(state, ef)
    ctx.card.commit()
    return Response()
