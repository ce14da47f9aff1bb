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

from cardwire.sim.fs import _model, _profile
from cardwire.sim.fs._model import *  # noqa: F403
from cardwire.sim.fs._profile import *  # noqa: F403

__all__ = _model.__all__ + _profile.__all__
