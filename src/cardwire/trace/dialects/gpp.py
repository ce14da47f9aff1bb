"""GlobalPlatformPro (``gp -d``) and apdu4j debug output.

The format is what apdu4j's ``LoggingCardTerminal`` prints (martinpaljak/apdu4j,
src/main/java/apdu4j/LoggingCardTerminal.java)::

    SCardConnect("Reader name", T=*) -> T=1, 3B8801...
    A>> T=1 (4+0008) 80500000 08 D3B8A2E1F0C04B11 00
    A<< (0029+2) (12ms) 0000...6F 9000
    B>> T=1 (5) 00A4040000
    B<< (2) 6A82

``A>>`` is a command (the protocol, ``(4+Nc)``, then header, length field, data and Le as
separate hex groups), ``A<<`` its response (``(Nr+2)``, the time, data and SW1 SW2); ``B>>`` /
``B<<`` are raw byte-buffer transmits. A ``<< error`` line (a failed transmit) leaves that
command without a response (a comment says so). Every other line is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cardwire.trace.dialects._pairs import Pairer, hex_at
from cardwire.trace.model import Trace, TraceFormat

_COMMAND = re.compile(r"(?:^|\s)[AB]>> \S+ \((?:4\+)?\d+\)((?:\s+[0-9A-Fa-f]*)*)\s*$")
_RESPONSE = re.compile(r"(?:^|\s)[AB]<< \(\d+(?:\+2)?\)(?: \([^)]*\))?((?:\s+[0-9A-Fa-f]*)*)\s*$")
_FAILED = re.compile(r"^\s*<< (.+)$")
_CONNECT = re.compile(r'SCardConnect\("(.*)", [^)]*\) -> [^,]+, ([0-9A-Fa-f]+)\s*$')


def looks_like(lines: Sequence[str]) -> bool:
    return any(_COMMAND.search(line) for line in lines[:2000])


def parse(lines: Sequence[str]) -> Trace:
    pairs = Pairer(TraceFormat.GPP)
    for number, line in enumerate(lines, start=1):
        if match := _COMMAND.search(line):
            pairs.command(number, hex_at(number, match.group(1)))
        elif match := _RESPONSE.search(line):
            pairs.response(number, hex_at(number, match.group(1)))
        elif match := _CONNECT.search(line):
            if pairs.events or pairs.pending:
                pairs.reset(number, hex_at(number, match.group(2)))
            else:
                pairs.reader, pairs.atr = match.group(1), hex_at(number, match.group(2))
        elif (match := _FAILED.match(line)) and pairs.pending is not None:
            pairs.no_response(number, match.group(1).strip())
    return pairs.trace()
