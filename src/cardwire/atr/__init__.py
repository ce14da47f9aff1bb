"""Answer-to-Reset (ISO/IEC 7816-3:2006 section 8) and its historical bytes (ISO/IEC 7816-4).

``TS T0 {TAi TBi TCi TDi} T1..TK [TCK]``:

- TS ``3B`` direct convention, ``3F`` inverse convention (8.1).
- The bytes are taken as PC/SC delivers them: TS ``3F`` marks the inverse convention, the
  bytes after it are already decoded (pcsc-lite ``src/atrhandler.c``, ``ATRDecodeAtr``).
- T0: b8-b5 say which of TA1 TB1 TC1 TD1 follow, b4-b1 = K, the number of historical bytes.
- TDi: b8-b5 say which of TA(i+1)..TD(i+1) follow, b4-b1 = the protocol T that the next group
  is about. Without TD1 only T=0 is offered (8.2.3).
- TCK is present unless only T=0 is offered; the XOR of T0 .. TCK is 00 (8.2.5).
- At most 32 bytes follow TS (8.2.1).

:meth:`Atr.parse` is strict about this structure. The historical bytes are decoded on request
(:attr:`Atr.historical_info`): a malformed COMPACT-TLV there is reported in
``HistoricalBytes.problem``, not raised, because it does not stop anyone from using the card.

This package is the one import path; its private modules: ``_atr`` (TS, Fi/Di tables,
interface bytes, :class:`Atr`, :func:`build_atr`) and ``_historical`` (historical bytes).
"""

from __future__ import annotations

from cardwire.atr._atr import (
    DEFAULT_TA1,
    DI_TABLE,
    FI_TABLE,
    MAX_ATR_LENGTH,
    MAX_HISTORICAL,
    TS_DIRECT,
    TS_INVERSE,
    Atr,
    InterfaceBytes,
    SpecificMode,
    build_atr,
)
from cardwire.atr._historical import (
    CardCapabilities,
    CompactTlv,
    HistoricalBytes,
    decode_historical,
    parse_compact,
)

__all__ = [
    "DEFAULT_TA1",
    "DI_TABLE",
    "FI_TABLE",
    "MAX_ATR_LENGTH",
    "MAX_HISTORICAL",
    "TS_DIRECT",
    "TS_INVERSE",
    "Atr",
    "CardCapabilities",
    "CompactTlv",
    "HistoricalBytes",
    "InterfaceBytes",
    "SpecificMode",
    "build_atr",
    "decode_historical",
    "parse_compact",
]
