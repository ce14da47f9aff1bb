"""The file-command engine: READ, UPDATE and ERASE BINARY (ISO/IEC 7816-4:2020 11.3.3, 11.3.5,
11.3.7, even and odd INS), and what every applet serving files needs: the current EF, the
access check, the SELECT answer, offset data objects.

Every applet with files (the file-system applet, the ePassport and the eID applets) answers
through these with its DF, its current EF and the channel's security status, so no two applets
answer one command differently. Every refusal is a :class:`CardStatus`. The order of the
checks, the same for every applet: the file (P1-P2), its structure (6981), the security status
of the operation (6982 and friends), then the data field (6700, 6A80). Refusing on access
before the data field is read is cardwire's reading: ISO/IEC 7816-4:2020 clause 11 gives no
precedence, and a terminal without access learns nothing about the file from the answer.
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError
from cardwire.sim.access import Operation, SecurityStatus
from cardwire.sim.applet import CardStatus
from cardwire.sim.fs import DedicatedFile, ElementaryFile, File, fci, fcp, fmd
from cardwire.sw import SW
from cardwire.tlv import Tlv, encode_length, parse, tlv

TAG_OFFSET = 0x54  # offset data object (ISO/IEC 7816-4:2020 11.3.3, odd INS)
TAG_DISCRETIONARY = 0x53  # discretionary data, wraps odd-INS binary data

MIN_SFI, MAX_SFI = 1, 30  # ISO/IEC 7816-4:2020 7.2.2
# ISO/IEC 7816-4:2020 table 64, SELECT P2 b4-b3.
ANSWER_FCI, ANSWER_FCP, ANSWER_FMD, ANSWER_NONE = 0x00, 0x04, 0x08, 0x0C


def select_answer(kind: int, target: File, df_name: bytes | None, *, fmd_allowed: bool) -> bytes:
    """SELECT P2 b4-b3: 00 FCI, 01 FCP, 10 FMD, 11 no response data (ISO/IEC 7816-4:2020
    table 64). Without ``fmd_allowed`` an FMD request answers 6A86."""
    if kind == ANSWER_FCI:
        return fci(target, df_name)
    if kind == ANSWER_FCP:
        return fcp(target, df_name)
    if kind == ANSWER_FMD:
        if not fmd_allowed:
            raise CardStatus(SW.INCORRECT_P1_P2)
        return fmd(target)
    return b""


def require_current_ef(current_ef: ElementaryFile | None) -> ElementaryFile:
    """The channel's current EF; 6986 when there is none (ISO/IEC 7816-4:2020 table 6)."""
    if current_ef is None:
        raise CardStatus(SW.COMMAND_NOT_ALLOWED_NO_CURRENT_EF)  # 6986
    return current_ef


def require_ef_by_sfi(df: DedicatedFile, sfi: int) -> ElementaryFile:
    """The EF with short identifier ``sfi`` in ``df``: 6A86 when ``sfi`` is 0 or 31, 6A82 when
    no EF has it. ISO/IEC 7816-4:2020 7.2.2: a short EF identifier is five bits not all equal
    (1 to 30), so 00000 and 11111 are wrong parameters, not a missing file."""
    if not MIN_SFI <= sfi <= MAX_SFI:
        raise CardStatus(SW.INCORRECT_P1_P2)
    ef = df.ef_by_sfi(sfi)
    if ef is None:
        raise CardStatus(SW.FILE_NOT_FOUND)
    return ef


def check_access(ef: ElementaryFile, operation: Operation, status: SecurityStatus) -> None:
    """Refuse ``operation`` on ``ef`` with the status word its access rule names."""
    denial = ef.access.rule(operation).denial(status)
    if denial is not None:
        raise CardStatus(denial)


def data_objects(data: bytes) -> tuple[Tlv, ...]:
    """The BER-TLV objects of a command data field; 6A80 when malformed."""
    try:
        return parse(data)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None


def offset_value(node: Tlv) -> int:
    """The value of an offset data object 54 of one to three bytes; 6A80 otherwise."""
    if node.tag != TAG_OFFSET or not 1 <= len(node.value) <= 3:
        raise CardStatus(SW.INCORRECT_DATA)
    return int.from_bytes(node.value, "big")


def offsets(data: bytes, *, allowed: int) -> list[int]:
    """The values of up to ``allowed`` offset data objects (tag 54) making up ``data``."""
    objects = data_objects(data)
    if len(objects) > allowed:
        raise CardStatus(SW.INCORRECT_DATA)
    return [offset_value(o) for o in objects]


def wrapped_size(n: int) -> int:
    """Bytes of ``53 L <n bytes>``: one tag byte, a minimal BER-TLV length, the value."""
    return 1 + len(encode_length(n)) + n


def read_wrapped(ef: ElementaryFile, start: int, ne: int) -> tuple[bytes, bool]:
    """Odd-INS READ BINARY (ISO/IEC 7816-4:2020 11.3.3): the response is DO 53 holding the
    bytes, so at most Ne bytes of response in all. Returns the bytes (not yet wrapped) and
    whether the end of the EF cut the answer short."""
    available = ef.read(start, len(ef.data))
    if ne == 0:
        return b"", False
    n = min(len(available), ne)
    while n > 0 and wrapped_size(n) > ne:
        n -= 1
    return available[:n], n == len(available) and wrapped_size(n) < ne


def require_structure(ef: ElementaryFile, *, transparent: bool) -> None:
    """6981 "command incompatible with file structure" (ISO/IEC 7816-4:2020 table 6)."""
    if ef.structure.is_record == transparent:
        raise CardStatus(SW.COMMAND_INCOMPATIBLE_WITH_FILE)


def binary_target(
    df: DedicatedFile, current_ef: ElementaryFile | None, command: Command
) -> tuple[ElementaryFile, int | None]:
    """The EF a BINARY command names in ``df`` and its offset (even INS; None for odd INS, where
    DO 54 in the data field carries it). ISO/IEC 7816-4:2020 11.3.3 and 7.2.2."""
    p1, p2 = command.p1, command.p2
    if command.ins & 1:
        # Odd INS: if the first eleven bits of P1-P2 are 0 and P2 b5-b1 is neither 00000 nor
        # 11111, P2 b5-b1 is an SFI; otherwise P1-P2 is a FID, 0000 the current EF.
        sfi = p2 & 0x1F
        if p1 == 0 and p2 & 0xE0 == 0 and MIN_SFI <= sfi <= MAX_SFI:
            return require_ef_by_sfi(df, sfi), None
        fid = p1 << 8 | p2
        if fid == 0:
            return require_current_ef(current_ef), None
        child = df.child(fid)
        if child is None:
            raise CardStatus(SW.FILE_NOT_FOUND)
        if not isinstance(child, ElementaryFile):
            raise CardStatus(SW.COMMAND_INCOMPATIBLE_WITH_FILE)
        return child, None
    # Even INS: P1 b8 = 1 -> b7-b6 = 00, b5-b1 SFI, P2 offset 0-255; else a 15-bit offset.
    if p1 & 0x80:
        if p1 & 0x60:
            raise CardStatus(SW.INCORRECT_P1_P2)
        return require_ef_by_sfi(df, p1 & 0x1F), p2
    return require_current_ef(current_ef), p1 << 8 | p2


def _transparent_target(
    df: DedicatedFile,
    current_ef: ElementaryFile | None,
    command: Command,
    operation: Operation,
    status: SecurityStatus,
) -> tuple[ElementaryFile, int | None]:
    ef, offset = binary_target(df, current_ef, command)
    require_structure(ef, transparent=True)
    check_access(ef, operation, status)
    return ef, offset


def read_binary(
    df: DedicatedFile,
    current_ef: ElementaryFile | None,
    command: Command,
    status: SecurityStatus,
) -> tuple[Response, ElementaryFile]:
    """READ BINARY B0/B1 (ISO/IEC 7816-4:2020 11.3.3): the answer and the EF read, which the
    caller makes current."""
    ef, offset = _transparent_target(df, current_ef, command, Operation.READ, status)
    if offset is not None:
        if command.data:
            raise CardStatus(SW.WRONG_LENGTH)  # READ BINARY B0 has no data field
        body = ef.read(offset, command.ne)
        short = len(body) < command.ne
    else:
        # At most one DO 54; no data field means offset 0. The bytes come back in DO 53.
        found = offsets(command.data, allowed=1)
        content, short = read_wrapped(ef, found[0] if found else 0, command.ne)
        body = tlv(TAG_DISCRETIONARY, content) if command.ne else b""
    # ISO/IEC 7816-4:2020 table 6: 6282 "end of file reached before reading Ne bytes".
    return Response(body, SW.END_OF_FILE if short else SW.SUCCESS), ef


def update_binary(
    df: DedicatedFile,
    current_ef: ElementaryFile | None,
    command: Command,
    status: SecurityStatus,
) -> ElementaryFile:
    """UPDATE BINARY D6/D7 (ISO/IEC 7816-4:2020 11.3.5): writes and returns the EF; the caller
    makes it current and commits the card."""
    ef, offset = _transparent_target(df, current_ef, command, Operation.UPDATE, status)
    data = command.data
    if offset is None:
        # Odd INS: DO 54 offset, then DO 53 with the bytes to write.
        objects = data_objects(data)
        if [o.tag for o in objects] != [TAG_OFFSET, TAG_DISCRETIONARY]:
            raise CardStatus(SW.INCORRECT_DATA)
        offset, data = offset_value(objects[0]), objects[1].value
    if not data:
        raise CardStatus(SW.WRONG_LENGTH)
    ef.update(offset, data)
    return ef


def erase_binary(
    df: DedicatedFile,
    current_ef: ElementaryFile | None,
    command: Command,
    status: SecurityStatus,
) -> ElementaryFile:
    """ERASE BINARY 0E/0F (ISO/IEC 7816-4:2020 11.3.7): erases and returns the EF."""
    ef, offset = _transparent_target(df, current_ef, command, Operation.ERASE, status)
    end: int | None
    if offset is None:
        # Odd INS: no DO 54 erases the whole EF; one gives the start; a second the first
        # offset not erased.
        found = offsets(command.data, allowed=2)
        start = found[0] if found else 0
        end = found[1] if len(found) == 2 else None
    else:
        # Even INS: P1-P2 start; an optional 2-byte data field is the first offset not erased.
        if len(command.data) not in (0, 2):
            raise CardStatus(SW.WRONG_LENGTH)
        start = offset
        end = int.from_bytes(command.data, "big") if command.data else None
    ef.erase(start, end)
    return ef


__all__ = [
    "ANSWER_FCI",
    "ANSWER_FCP",
    "ANSWER_FMD",
    "ANSWER_NONE",
    "TAG_DISCRETIONARY",
    "TAG_OFFSET",
    "binary_target",
    "check_access",
    "data_objects",
    "erase_binary",
    "offset_value",
    "offsets",
    "read_binary",
    "read_wrapped",
    "require_current_ef",
    "require_ef_by_sfi",
    "require_structure",
    "select_answer",
    "update_binary",
    "wrapped_size",
]
