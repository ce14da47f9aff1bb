"""The file tree of the simulated card and the control information a SELECT answers.

- The file tree of the simulated card (ISO/IEC 7816-4:2020 clause 7): the MF and DFs,
  transparent and record EFs, and the operations on them. Operations raise :class:`CardStatus`
  with the status word a card answers (ISO/IEC 7816-4:2020 5.6, table 6).
- File control information (ISO/IEC 7816-4:2020 7.4.3, table 11): the FCP, FCI and FMD templates
  a SELECT answers, and the file descriptor byte.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from cardwire.sim.access import FileAccess
from cardwire.sim.applet import CardStatus
from cardwire.sw import SW
from cardwire.tlv import tlv

MF_FID = 0x3F00
# ISO/IEC 7816-4:2020 7.3.2: FFFF is reserved; 3FFF names the current DF in paths.
RESERVED_FIDS = frozenset({0xFFFF, 0x3FFF})
MAX_SFI = 30  # ISO/IEC 7816-4:2020 7.3.2: SFI 1-30 (0 and 31 have special meanings)
MAX_DF_NAME = 16
ERASED_BYTE = 0x00  # the erased state of a data unit in this simulator (documented choice)
MAX_RECORD_NUMBER = 254  # ISO/IEC 7816-4:2020 11.4.2: record numbers 1-254 (00, FF special)
MAX_RECORD_SIZE = 255


class Structure(StrEnum):
    """EF structures (ISO/IEC 7816-4:2020 clause 7; file descriptor byte b3-b1 in DO 82)."""

    TRANSPARENT = "transparent"
    LINEAR_FIXED = "linear-fixed"
    LINEAR_VARIABLE = "linear-variable"
    CYCLIC = "cyclic"

    @property
    def is_record(self) -> bool:
        return self is not Structure.TRANSPARENT


@dataclass(eq=False, slots=True)
class DedicatedFile:
    """A DF (or the MF): a FID, an optional DF name, and children (a node of the tree: equal
    only to itself)."""

    fid: int | None
    name: bytes | None = None
    label: str = ""
    parent: DedicatedFile | None = None
    children: list[DedicatedFile | ElementaryFile] = field(default_factory=list, init=False)

    def __repr__(self) -> str:
        return f"DedicatedFile({self.fid:04X})" if self.fid is not None else "DedicatedFile()"

    def child(self, fid: int) -> DedicatedFile | ElementaryFile | None:
        return next((c for c in self.children if c.fid == fid), None)

    def ef_by_sfi(self, sfi: int) -> ElementaryFile | None:
        return next(
            (c for c in self.children if isinstance(c, ElementaryFile) and c.sfi == sfi), None
        )

    def walk(self) -> Iterator[DedicatedFile]:
        """This DF and every DF below it, depth first in profile order."""
        yield self
        for child in self.children:
            if isinstance(child, DedicatedFile):
                yield from child.walk()

    @property
    def root(self) -> DedicatedFile:
        df = self
        while df.parent is not None:
            df = df.parent
        return df


class ElementaryFile:
    """An EF: transparent bytes or a list of records, with its access rules."""

    __slots__ = (
        "access",
        "data",
        "fid",
        "label",
        "max_records",
        "parent",
        "pattern_modulus",
        "record_size",
        "records",
        "sfi",
        "structure",
    )

    def __init__(
        self,
        fid: int,
        structure: Structure,
        parent: DedicatedFile,
        *,
        access: FileAccess | None = None,
        sfi: int | None = None,
        data: bytes = b"",
        records: Sequence[bytes] = (),
        record_size: int | None = None,
        max_records: int = MAX_RECORD_NUMBER,
        label: str = "",
        pattern_modulus: int | None = None,
    ) -> None:
        self.fid = fid
        self.structure = structure
        self.parent = parent
        self.access = access or FileAccess()
        self.sfi = sfi
        self.data = bytearray(data)
        self.records = [bytes(r) for r in records]
        self.record_size = record_size
        self.max_records = max_records
        self.label = label
        self.pattern_modulus = pattern_modulus

    def __repr__(self) -> str:
        return f"ElementaryFile({self.fid:04X}, {self.structure.value})"

    # transparent EFs (ISO/IEC 7816-4:2020 11.3) ---------------------------------------------

    def _require(self, transparent: bool) -> None:
        if (self.structure is Structure.TRANSPARENT) != transparent:
            raise CardStatus(SW.COMMAND_INCOMPATIBLE_WITH_FILE)  # 6981

    @property
    def size(self) -> int:
        """Number of data bytes (transparent) or of record bytes (record EFs)."""
        if self.structure is Structure.TRANSPARENT:
            return len(self.data)
        return sum(len(r) for r in self.records)

    def read(self, offset: int, count: int) -> bytes:
        """Up to ``count`` bytes from ``offset``; an offset at or past the end answers 6B00."""
        self._require(transparent=True)
        if offset >= len(self.data):
            raise CardStatus(SW.WRONG_P1_P2)  # 6B00: offset outside the EF
        return bytes(self.data[offset : offset + count])

    def update(self, offset: int, data: bytes) -> None:
        """Overwrite bytes from ``offset`` (the file never grows: 6B00 / 6700 beyond its end)."""
        self._require(transparent=True)
        if offset >= len(self.data):
            raise CardStatus(SW.WRONG_P1_P2)
        if offset + len(data) > len(self.data):
            raise CardStatus(SW.WRONG_LENGTH)
        self.data[offset : offset + len(data)] = data

    def erase(self, start: int, end: int | None) -> None:
        """Set bytes ``start`` to ``end`` (exclusive; None: the end of file) to the erased state."""
        self._require(transparent=True)
        if start >= len(self.data):
            raise CardStatus(SW.WRONG_P1_P2)
        stop = len(self.data) if end is None else end
        if not start <= stop <= len(self.data):
            raise CardStatus(SW.INCORRECT_DATA)
        self.data[start:stop] = bytes([ERASED_BYTE]) * (stop - start)

    # record EFs (ISO/IEC 7816-4:2020 11.4) --------------------------------------------------

    @property
    def record_count(self) -> int:
        return len(self.records)

    @property
    def max_record_size(self) -> int:
        return self.record_size if self.record_size is not None else MAX_RECORD_SIZE

    def record(self, number: int) -> bytes:
        """Record ``number`` (1-based); 6A83 when there is no such record."""
        self._require(transparent=False)
        if not 1 <= number <= len(self.records):
            raise CardStatus(SW.RECORD_NOT_FOUND)
        return self.records[number - 1]

    def _check_record_data(self, data: bytes) -> None:
        if self.record_size is not None and len(data) != self.record_size:
            raise CardStatus(SW.WRONG_LENGTH)  # fixed-size records (linear fixed, cyclic)
        if not 1 <= len(data) <= self.max_record_size:
            raise CardStatus(SW.WRONG_LENGTH)

    def update_record(self, number: int, data: bytes) -> None:
        """Replace record ``number`` (ISO/IEC 7816-4:2020 11.4.5)."""
        self.record(number)
        self._check_record_data(data)
        self.records[number - 1] = bytes(data)

    def append_record(self, data: bytes) -> int:
        """Add a record (ISO/IEC 7816-4:2020 11.4.7) and return its number. Cyclic EFs write over
        the oldest record and the new one becomes record 1; other EFs answer 6A84 when full."""
        self._require(transparent=False)
        self._check_record_data(data)
        if self.structure is Structure.CYCLIC:
            self.records.insert(0, bytes(data))
            del self.records[self.max_records :]
            return 1
        if len(self.records) >= self.max_records:
            raise CardStatus(SW.NOT_ENOUGH_MEMORY)  # 6A84
        self.records.append(bytes(data))
        return len(self.records)

    def erase_record(self, number: int) -> None:
        """Set record ``number`` to the erased state, keeping its length (documented choice)."""
        old = self.record(number)
        self.records[number - 1] = bytes([ERASED_BYTE]) * len(old)


File = DedicatedFile | ElementaryFile


def path_of(file: File) -> tuple[int, ...]:
    """FIDs from the MF down to ``file`` (a key for per-channel record pointers)."""
    parts: list[int] = []
    node: File | None = file
    while node is not None:
        parts.append(node.fid if node.fid is not None else -1)
        node = node.parent
    return tuple(reversed(parts))


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


__all__ = [
    "DATA_CODING_BYTE",
    "ERASED_BYTE",
    "FCI_TEMPLATE",
    "FCP_TEMPLATE",
    "FDB_DF",
    "FDB_SHAREABLE",
    "FMD_TEMPLATE",
    "LCS_OPERATIONAL_ACTIVATED",
    "MAX_DF_NAME",
    "MAX_RECORD_NUMBER",
    "MAX_RECORD_SIZE",
    "MAX_SFI",
    "MF_FID",
    "RESERVED_FIDS",
    "TAG_DATA_SIZE",
    "TAG_DF_NAME",
    "TAG_FILE_DESCRIPTOR",
    "TAG_FILE_ID",
    "TAG_LIFE_CYCLE",
    "TAG_SECURITY_COMPACT",
    "TAG_SFI",
    "DedicatedFile",
    "ElementaryFile",
    "File",
    "Structure",
    "fci",
    "fcp",
    "fcp_objects",
    "file_descriptor",
    "fmd",
    "path_of",
]
