"""OpenSC debug logs (``OPENSC_DEBUG=9``): reader-pcsc.c ``pcsc_transmit`` logs each APDU as a
header line and a multi-line hex dump (``sc_hex_dump``: 16 bytes a line as ``%02X `` in 48
columns, then the bytes as text)::

    Outgoing APDU (12 bytes):
    00 A4 04 00 07 62 76 01 FF 00 00 00 .....bv.....

    Incoming APDU (2 bytes):
    6A 82 j.

The byte count in the header says how many dump lines follow. Every other line is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cardwire.errors import DecodeError
from cardwire.trace.dialects._pairs import Pairer, hex_at
from cardwire.trace.model import Trace, TraceFormat

_HEADER = re.compile(r"(Outgoing|Incoming) APDU \((\d+) bytes?\):\s*$")
_BYTES_PER_LINE = 16
_HEX_COLUMNS = 3 * _BYTES_PER_LINE  # "%02X " per byte


def looks_like(lines: Sequence[str]) -> bool:
    return any(_HEADER.search(line) for line in lines[:20000])


def _dump(lines: Sequence[str], start: int, count: int) -> bytes:
    """``count`` bytes from the dump lines after line index ``start`` (0-based)."""
    data = b""
    index = start + 1
    while len(data) < count:
        if index >= len(lines):
            raise DecodeError(f"trace line {start + 1}: the log ends inside this APDU's dump")
        wanted = min(_BYTES_PER_LINE, count - len(data))
        part = hex_at(index + 1, " ".join(lines[index][:_HEX_COLUMNS].split()[:wanted]))
        if len(part) != wanted:
            raise DecodeError(
                f"trace line {index + 1}: expected {wanted} dump bytes, got {len(part)}"
            )
        data += part
        index += 1
    return data


def parse(lines: Sequence[str]) -> Trace:
    pairs = Pairer(TraceFormat.OPENSC)
    for index, line in enumerate(lines):
        match = _HEADER.search(line)
        if match is None:
            continue
        data = _dump(lines, index, int(match.group(2)))
        if match.group(1) == "Outgoing":
            pairs.command(index + 1, data)
        else:
            pairs.response(index + 1, data)
    return pairs.trace()
