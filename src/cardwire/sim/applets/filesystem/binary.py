"""READ, UPDATE and ERASE BINARY in the file-system applet, even and odd INS
(ISO/IEC 7816-4:2020 11.3.3, 11.3.5, 11.3.7)."""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.sim.access import Operation
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.filesystem.state import ChannelState, check_file_access, make_current
from cardwire.sim.file_commands import (
    TAG_DISCRETIONARY,
    TAG_OFFSET,
    data_objects,
    offset_value,
    offsets,
    read_wrapped,
    require_current_ef,
    require_ef_by_sfi,
)
from cardwire.sim.fs import ElementaryFile
from cardwire.sw import SW
from cardwire.tlv import tlv


def ef_by_sfi(state: ChannelState, sfi: int) -> ElementaryFile:
    """The EF with short identifier ``sfi`` (1-30, else 6A86) in the current DF."""
    if not 1 <= sfi <= 30:
        raise CardStatus(SW.INCORRECT_P1_P2)
    return require_ef_by_sfi(state.current_df, sfi)


def require_structure(ef: ElementaryFile, *, transparent: bool) -> None:
    if ef.structure.is_record == transparent:
        raise CardStatus(SW.COMMAND_INCOMPATIBLE_WITH_FILE)  # 6981


def _binary_target(
    state: ChannelState, command: Command
) -> tuple[ElementaryFile, int | None, bytes]:
    """The EF, the offset (even INS; None for odd INS where DO 54 carries it) and the odd-INS
    data objects' raw bytes."""
    p1, p2 = command.p1, command.p2
    if command.ins & 1:
        # Odd INS (11.3.3): if the first eleven bits of P1-P2 are 0 and P2 b5-b1 is neither
        # 00000 nor 11111, P2 b5-b1 is an SFI; otherwise P1-P2 is a FID, 0000 the current EF.
        sfi = p2 & 0x1F
        if p1 == 0 and p2 & 0xE0 == 0 and sfi not in (0, 0x1F):
            return ef_by_sfi(state, sfi), None, command.data
        fid = p1 << 8 | p2
        if fid == 0:
            return require_current_ef(state.current_ef), None, command.data
        child = state.current_df.child(fid)
        if child is None:
            raise CardStatus(SW.FILE_NOT_FOUND)
        if not isinstance(child, ElementaryFile):
            raise CardStatus(SW.COMMAND_INCOMPATIBLE_WITH_FILE)
        return child, None, command.data
    # Even INS: P1 b8 = 1 -> b7-b6 = 00, b5-b1 SFI, P2 offset 0-255; else 15-bit offset.
    if p1 & 0x80:
        if p1 & 0x60:
            raise CardStatus(SW.INCORRECT_P1_P2)
        return ef_by_sfi(state, p1 & 0x1F), p2, command.data
    return require_current_ef(state.current_ef), p1 << 8 | p2, command.data


def read_binary(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    ef, offset, data = _binary_target(state, command)
    require_structure(ef, transparent=True)
    check_file_access(ctx, state, ef, Operation.READ)
    if offset is not None:
        if data:
            raise CardStatus(SW.WRONG_LENGTH)  # READ BINARY B0 has no data field
        content = ef.read(offset, command.ne)
        body = content
        short = len(content) < command.ne
    else:
        found = offsets(data, allowed=1)
        start = found[0] if found else 0
        content, short = read_wrapped(ef, start, command.ne)
        body = tlv(TAG_DISCRETIONARY, content) if command.ne else b""
    make_current(state, ef)
    # ISO/IEC 7816-4:2020 table 6: 6282 "end of file reached before reading Ne bytes"
    return Response(body, SW.END_OF_FILE if short else SW.SUCCESS)


def update_binary(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    ef, offset, data = _binary_target(state, command)
    require_structure(ef, transparent=True)
    check_file_access(ctx, state, ef, Operation.UPDATE)
    if offset is None:
        # Odd INS (11.3.5): DO 54 offset, then DO 53 with the bytes to write.
        objects = data_objects(data)
        if [o.tag for o in objects] != [TAG_OFFSET, TAG_DISCRETIONARY]:
            raise CardStatus(SW.INCORRECT_DATA)
        offset, data = offset_value(objects[0]), objects[1].value
    if not data:
        raise CardStatus(SW.WRONG_LENGTH)
    ef.update(offset, data)
    make_current(state, ef)
    ctx.card.commit()
    return Response()


def erase_binary(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    ef, offset, data = _binary_target(state, command)
    require_structure(ef, transparent=True)
    check_file_access(ctx, state, ef, Operation.ERASE)
    end: int | None
    if offset is None:
        # Odd INS (11.3.7): no DO 54 erases the whole EF; one gives the start; a second
        # gives the first offset not erased.
        found = offsets(data, allowed=2)
        start = found[0] if found else 0
        end = found[1] if len(found) == 2 else None
    else:
        # Even INS: P1-P2 start; an optional 2-byte data field is the first offset not erased.
        if len(data) not in (0, 2):
            raise CardStatus(SW.WRONG_LENGTH)
        start = offset
        end = int.from_bytes(data, "big") if data else None
    ef.erase(start, end)
    make_current(state, ef)
    ctx.card.commit()
    return Response()
