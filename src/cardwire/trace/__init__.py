"""Traces: read them (cardwire's format, scriptor output, ``pcscd -a`` logs), decode protected
sessions with keys (ISO SM / BAC, SCP03, Keycard), and replay them against a card.

The recorder and the writer of cardwire's own text format live in :mod:`cardwire.tracing`.
"""

from __future__ import annotations

from cardwire.trace.decode import DecodedExchange, decode_trace
from cardwire.trace.observers import Decoded, Observer
from cardwire.trace.parse import Exchange, ParsedTrace, Reset, TraceFormat, parse, read

__all__ = [
    "Decoded",
    "DecodedExchange",
    "Exchange",
    "Observer",
    "ParsedTrace",
    "Reset",
    "TraceFormat",
    "decode_trace",
    "parse",
    "read",
]
