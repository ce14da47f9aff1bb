"""SELECT in the file-system applet (ISO/IEC 7816-4:2020 11.2.2, table 63 for P1 and table 64
for P2): by FID, parent, DF name (with occurrences) and path."""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.sim.applet import CardStatus
from cardwire.sim.applets.filesystem.state import ChannelState, make_current
from cardwire.sim.file_commands import select_answer
from cardwire.sim.fs import MF_FID, DedicatedFile, ElementaryFile, File
from cardwire.sw import SW


def select(mf: DedicatedFile, state: ChannelState, command: Command) -> Response:
    """Answer SELECT and make the target current."""
    p1, p2, data = command.p1, command.p2, command.data
    if p2 & 0xF0:
        raise CardStatus(SW.INCORRECT_P1_P2)
    answer, occurrence = p2 & 0x0C, p2 & 0x03
    if occurrence and p1 != 0x04:
        raise CardStatus(SW.INCORRECT_P1_P2)  # occurrences apply to DF names only
    target: File
    if p1 == 0x00:
        target = _select_any(mf, state, data)
    elif p1 in (0x01, 0x02):
        child = state.current_df.child(one_fid(data))
        wanted = DedicatedFile if p1 == 0x01 else ElementaryFile
        if not isinstance(child, wanted):
            raise CardStatus(SW.FILE_NOT_FOUND)
        target = child
    elif p1 == 0x03:
        if data:
            raise CardStatus(SW.WRONG_LENGTH)
        if state.current_df.parent is None:
            raise CardStatus(SW.FILE_NOT_FOUND)  # the MF has no parent
        target = state.current_df.parent
    elif p1 == 0x04:
        target = _select_by_name(mf, state, data, occurrence)
    elif p1 in (0x08, 0x09):
        target = _follow_path(mf if p1 == 0x08 else state.current_df, data)
    else:
        raise CardStatus(SW.INCORRECT_P1_P2)
    make_current(state, target)
    if isinstance(target, ElementaryFile):
        state.record_pointers.pop(id(target), None)  # a selected EF has no current record
    return Response(select_answer(answer, target, None, fmd_allowed=True))


def one_fid(data: bytes) -> int:
    """A data field of exactly one file identifier; 6700 otherwise."""
    if len(data) != 2:
        raise CardStatus(SW.WRONG_LENGTH)
    return int.from_bytes(data, "big")


def _select_any(mf: DedicatedFile, state: ChannelState, data: bytes) -> File:
    """P1 = 00: MF for no data or 3F00; else a FID among the children of the current DF,
    the parent DF and the children of the parent DF (ISO/IEC 7816-4:2020 11.2.2)."""
    if not data:
        return mf
    fid = one_fid(data)
    if fid == MF_FID:
        return mf
    df = state.current_df
    found = df.child(fid)
    if found is None and df.parent is not None:
        parent = df.parent
        found = parent if parent.fid == fid else parent.child(fid)
    if found is None:
        raise CardStatus(SW.FILE_NOT_FOUND)
    return found


def _select_by_name(mf: DedicatedFile, state: ChannelState, name: bytes, occurrence: int) -> File:
    """P1 = 04: a DF whose name starts with ``name``; P2 b2-b1 first/last/next/previous."""
    if not 1 <= len(name) <= 16:
        raise CardStatus(SW.WRONG_LENGTH)
    matches = [df for df in mf.walk() if df.name is not None and df.name.startswith(name)]
    if not matches:
        raise CardStatus(SW.FILE_NOT_FOUND)
    here = matches.index(state.current_df) if state.current_df in matches else None
    if occurrence == 0b00:
        return matches[0]
    if occurrence == 0b01:
        return matches[-1]
    if occurrence == 0b10:
        position = 0 if here is None else here + 1
    else:
        position = len(matches) - 1 if here is None else here - 1
    if not 0 <= position < len(matches):
        raise CardStatus(SW.FILE_NOT_FOUND)
    return matches[position]


def _follow_path(start: DedicatedFile, data: bytes) -> File:
    """P1 = 08 / 09: FIDs from the MF (MF excluded) or from the current DF (itself excluded)."""
    if not data or len(data) % 2:
        raise CardStatus(SW.WRONG_LENGTH)
    node: File = start
    for i in range(0, len(data), 2):
        if not isinstance(node, DedicatedFile):
            raise CardStatus(SW.FILE_NOT_FOUND)  # an EF in the middle of a path
        child = node.child(int.from_bytes(data[i : i + 2], "big"))
        if child is None:
            raise CardStatus(SW.FILE_NOT_FOUND)
        node = child
    return node
