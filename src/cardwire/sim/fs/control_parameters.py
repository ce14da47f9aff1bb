"""File control information (ISO/IEC 7816-4:2020 7.4.3, table 11): the FCP, FCI and FMD
templates a SELECT answers, and the file descriptor byte."""

from __future__ import annotations

from cardwire.sim.fs.model import DedicatedFile, ElementaryFile, File, Structure
from cardwire.tlv import tlv

FCP_TEMPLATE = 0x62
FMD_TEMPLATE = 0x64
FCI_TEMPLATE = 0x6F
TAG_DATA_SIZE = 0x80  # number of data bytes, structural information excluded
TAG_FILE_DESCRIPTOR = 0x82
TAG_FILE_ID = 0x83
TAG_DF_NAME = 0x84
TAG_SFI = 0x88
TAG_LIFE_CYCLE = 0x8A
TAG_SECURITY_COMPACT = 0x8C
LCS_OPERATIONAL_ACTIVATED = 0x05  # ISO/IEC 7816-4 life cycle status byte: 0000 0101
DATA_CODING_BYTE = 0x21  # ISO/IEC 7816-4 data coding byte: 1-byte data units (b4-b1 = 0001)
# File descriptor byte (ISO/IEC 7816-4:2020 7.4.3, DO 82): b7 = 1 shareable; b6-b4 = 111 DF;
# b3-b1 structure of a working EF.
FDB_SHAREABLE = 0x40
FDB_DF = 0x38
_FDB_STRUCTURE = {
    Structure.TRANSPARENT: 0x01,
    Structure.LINEAR_FIXED: 0x02,
    Structure.LINEAR_VARIABLE: 0x04,
    Structure.CYCLIC: 0x06,
}


def file_descriptor(file: File) -> bytes:
    """Value of DO 82: FDB, then for EFs the data coding byte, and for record EFs the maximum
    record size (2 bytes) and the number of records (1 byte)."""
    if isinstance(file, DedicatedFile):
        return bytes((FDB_SHAREABLE | FDB_DF,))
    out = bytes((FDB_SHAREABLE | _FDB_STRUCTURE[file.structure], DATA_CODING_BYTE))
    if file.structure.is_record:
        out += file.max_record_size.to_bytes(2, "big") + bytes((file.record_count,))
    return out


def fcp_objects(file: File, df_name: bytes | None = None) -> bytes:
    """The data objects of the FCP template, in the order of table 11: 80/82/83/84/88/8A/8C.

    ``df_name`` overrides the DF name (the application's AID when it was selected by AID)."""
    parts: list[bytes] = []
    if isinstance(file, ElementaryFile):
        size = file.size
        parts.append(tlv(TAG_DATA_SIZE, size.to_bytes(max(2, (size.bit_length() + 7) // 8))))
    parts.append(tlv(TAG_FILE_DESCRIPTOR, file_descriptor(file)))
    if file.fid is not None:
        parts.append(tlv(TAG_FILE_ID, file.fid.to_bytes(2, "big")))
    name = df_name if df_name is not None else getattr(file, "name", None)
    if isinstance(file, DedicatedFile) and name is not None:
        parts.append(tlv(TAG_DF_NAME, name))
    if isinstance(file, ElementaryFile) and file.sfi is not None:
        # ISO/IEC 7816-4:2020 7.4.3: DO 88 holds the SFI in b8-b4, b3-b1 = 000
        parts.append(tlv(TAG_SFI, bytes((file.sfi << 3,))))
    parts.append(tlv(TAG_LIFE_CYCLE, bytes((LCS_OPERATIONAL_ACTIVATED,))))
    if isinstance(file, ElementaryFile):
        parts.append(tlv(TAG_SECURITY_COMPACT, file.access.compact()))
    return b"".join(parts)


def fcp(file: File, df_name: bytes | None = None) -> bytes:
    """FCP template, tag 62 (SELECT P2 = 04)."""
    return tlv(FCP_TEMPLATE, fcp_objects(file, df_name))


def fci(file: File, df_name: bytes | None = None) -> bytes:
    """FCI template, tag 6F (SELECT P2 = 00): the FCP objects, no management data."""
    return tlv(FCI_TEMPLATE, fcp_objects(file, df_name))


def fmd(file: File) -> bytes:
    """FMD template, tag 64 (SELECT P2 = 08): this simulator keeps no management data."""
    return tlv(FMD_TEMPLATE, b"")
