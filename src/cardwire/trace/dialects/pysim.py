"""pySim's APDU trace (``--apdu-trace``): ``StdoutApduTracer`` in osmocom/pysim
pySim/transport/__init__.py prints each exchange as::

    -> a0a40000 023f00
    <- 9f17:

the command (header hex, a space, the rest) and then ``<- SW: response data`` - the status word
first, the data after the colon. ``-- RESET`` is a card reset. Every other line is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cardwire.errors import DecodeError
from cardwire.trace.dialects._pairs import Pairer, hex_at
from cardwire.trace.model import Trace, TraceFormat

_COMMAND = re.compile(r"^-> ([0-9A-Fa-f]+(?: [0-9A-Fa-f]*)?)\s*$")
_RESPONSE = re.compile(r"^<- ([0-9A-Fa-f]{4}):\s*([0-9A-Fa-f]*)\s*$")
_ARROW = re.compile(r"^(->|<-) ")
_RESET = "-- RESET"


def looks_like(lines: Sequence[str]) -> bool:
    return any(_COMMAND.match(line.strip()) for line in lines[:2000])


def parse(lines: Sequence[str]) -> Trace:
    pairs = Pairer(TraceFormat.PYSIM)
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if match := _COMMAND.match(line):
            pairs.command(number, hex_at(number, match.group(1)))
        elif match := _RESPONSE.match(line):
            pairs.response(number, hex_at(number, match.group(2) + match.group(1)))
        elif line == _RESET:
            pairs.reset(number)
        elif _ARROW.match(line):
            raise DecodeError(f"trace line {number}: not a '-> HEX' or '<- SW: HEX' line")
    return pairs.trace()
