"""ykman / yubikit logs (yubikey-manager's ``ykman --log-level traffic``, or Python ``logging``
at level 5 and below): ``ykman.pcsc`` logs each transmit as ``SEND: <hex>`` and its answer as
``RECV: <hex> SW=<sw>`` behind the logging prefix (yubikey-manager 5.9.2, ykman/pcsc.py
``send_and_receive``). Under SCP, yubikit also logs ``Plaintext data:`` / ``Plaintext resp:``
lines: the reader does not use them (they are not on the wire, and ``trace decode`` recomputes
the plain values from the keys), like every other line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cardwire.errors import DecodeError
from cardwire.trace.dialects._pairs import Pairer, hex_at
from cardwire.trace.model import Trace, TraceFormat

_SEND = re.compile(r"(?:^|\s)SEND: ?([0-9A-Fa-f ]*?)\s*$")
_RECV = re.compile(r"(?:^|\s)RECV: ?([0-9A-Fa-f ]*?)\s*SW=([0-9A-Fa-f]{4})\s*$")


def looks_like(lines: Sequence[str]) -> bool:
    return any(_SEND.search(line) for line in lines[:2000])


def parse(lines: Sequence[str]) -> Trace:
    pairs = Pairer(TraceFormat.YKMAN)
    for number, line in enumerate(lines, start=1):
        if match := _SEND.search(line):
            pairs.command(number, hex_at(number, match.group(1)))
        elif match := _RECV.search(line):
            pairs.response(number, hex_at(number, match.group(1) + match.group(2)))
        elif re.search(r"(?:^|\s)(?:SEND|RECV):", line):
            raise DecodeError(f"trace line {number}: not a SEND: HEX or RECV: HEX SW=XXXX line")
    return pairs.trace()
