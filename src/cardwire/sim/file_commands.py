"""Helpers every applet serving ISO/IEC 7816-4 files needs: the current EF, the access check,
the SELECT answer, offset data objects and the odd-INS READ BINARY answer.

The file-system applet and the ePassport applet both answer through these, so the two cannot
disagree on how a file is selected or read. Every refusal is a :class:`CardStatus`.
"""

from __future__ import annotations

from cardwire.errors import DecodeError
from cardwire.sim.access import Operation, SecurityStatus
from cardwire.sim.applet import CardStatus
from cardwire.sim.fs import DedicatedFile, ElementaryFile, File, fci, fcp, fmd
from cardwire.sw import SW
from cardwire.tlv import Tlv, encode_length, parse

TAG_OFFSET = 0x54  # offset data object (ISO/IEC 7816-4:2020 11.3.3, odd INS)
TAG_DISCRETIONARY = 0x53  # discretionary data, wraps odd-INS binary data

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
    """The EF with short identifier ``sfi`` in ``df``; 6A82 when there is none."""
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


__all__ = [
    "ANSWER_FCI",
    "ANSWER_FCP",
    "ANSWER_FMD",
    "ANSWER_NONE",
    "TAG_DISCRETIONARY",
    "TAG_OFFSET",
    "check_access",
    "data_objects",
    "offset_value",
    "offsets",
    "read_wrapped",
    "require_current_ef",
    "require_ef_by_sfi",
    "select_answer",
    "wrapped_size",
]
