"""The ISO/IEC 7816-4 file model of the simulated card: MF, DFs, transparent and record EFs.

ISO/IEC 7816-4:2020 clause 7 ("Structures for applications and data"): a tree of dedicated
files (DF, the root being the master file MF 3F00) holding elementary files (EF). An EF is
transparent (a string of bytes read by offset) or record-structured: linear fixed (records of one
size), linear variable (records of their own size) or cyclic (fixed-size records in a ring where
record 1 is the most recently appended). Files are named by a 2-byte file identifier (FID), EFs
optionally by a short EF identifier (SFI, 1-30) and DFs optionally by a DF name (1-16 bytes).

The objects here are mutable card state. Operations raise :class:`CardStatus` with the status
word a card answers (ISO/IEC 7816-4:2020 5.6, table 6). The profile mapping form (fids and names
as hex strings, contents as ``{text|hex|pattern}``) is read by :func:`build_tree` and written
back by :func:`tree_to_config`, so that an exported state is a loadable profile section.

This package is the one import path; its private modules: ``_model`` (the tree and its
operations, FCP / FCI / FMD) and ``_profile`` (content mappings; build a tree from a profile,
export it back).
"""

from __future__ import annotations

from cardwire.sim.fs._model import (
    DATA_CODING_BYTE,
    ERASED_BYTE,
    FCI_TEMPLATE,
    FCP_TEMPLATE,
    FDB_DF,
    FDB_SHAREABLE,
    FMD_TEMPLATE,
    LCS_OPERATIONAL_ACTIVATED,
    MAX_DF_NAME,
    MAX_RECORD_NUMBER,
    MAX_RECORD_SIZE,
    MAX_SFI,
    MF_FID,
    RESERVED_FIDS,
    TAG_DATA_SIZE,
    TAG_DF_NAME,
    TAG_FILE_DESCRIPTOR,
    TAG_FILE_ID,
    TAG_LIFE_CYCLE,
    TAG_SECURITY_COMPACT,
    TAG_SFI,
    DedicatedFile,
    ElementaryFile,
    File,
    Structure,
    fci,
    fcp,
    fcp_objects,
    file_descriptor,
    fmd,
    path_of,
)
from cardwire.sim.fs._profile import (
    build_tree,
    decode_content,
    encode_content,
    tree_to_config,
)

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
    "build_tree",
    "decode_content",
    "encode_content",
    "fci",
    "fcp",
    "fcp_objects",
    "file_descriptor",
    "fmd",
    "path_of",
    "tree_to_config",
]
