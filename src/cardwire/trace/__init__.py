"""Traces: the one model (:mod:`.model`), the one text writer and reader with its dialects
(:mod:`.text`: cardwire's format, scriptor output, ``pcscd -a`` logs), the one recorder
(:mod:`.recorder`), decoding of protected sessions with keys (ISO SM / BAC, SCP03, Keycard)
and replay against a card. The format is described in docs/traces.md.
"""

from __future__ import annotations

from cardwire.trace.decode import DecodedExchange, decode_trace
from cardwire.trace.model import Event, Exchange, Header, Reset, Trace, TraceFormat
from cardwire.trace.observers import Decoded, Observer
from cardwire.trace.text import format_trace, parse, read

__all__ = [
    "Decoded",
    "DecodedExchange",
    "Event",
    "Exchange",
    "Header",
    "Observer",
    "Reset",
    "Trace",
    "TraceFormat",
    "decode_trace",
    "format_trace",
    "parse",
    "read",
]
