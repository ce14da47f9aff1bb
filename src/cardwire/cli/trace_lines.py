"""Plain, greppable lines for ``cardwire trace decode`` when stdout is not a terminal.

One exchange per line, fields separated by two spaces, never wrapped (docs/cli.md, "Output":
piped output is plain): ``LINE  COMMAND  RESPONSE`` and, when a session is decoded,
``plain COMMAND  RESPONSE  mac ok|FAILED`` on the same line. A ``grep 00B0`` keeps whole
exchanges; ``cut -d' ' -f1`` gives the trace line numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cardwire.hexutil import to_hex
from cardwire.trace.decode import DecodedExchange

_SEP = "  "


def _empty(value: bytes) -> str:
    return to_hex(value) if value else "-"


def plain_line(entry: DecodedExchange, decoding: bool) -> str:
    """One exchange as one line (no trailing spaces)."""
    fields = [str(entry.line), _empty(entry.command), _empty(entry.response)]
    decoded = entry.decoded
    if decoding and decoded is not None:
        if decoded.mac_ok:
            fields += [
                "plain",
                _empty(decoded.plain_command or b""),
                _empty(decoded.plain_response or b""),
                "mac ok",
            ]
        else:
            fields += ["plain", "-", "-", "mac FAILED"]
    elif decoding and entry.continuation:
        fields.append("(GET RESPONSE: joined above)")
    return _SEP.join(fields)


def plain_lines(entries: Iterable[DecodedExchange], decoding: bool) -> Iterator[str]:
    """Every exchange as :func:`plain_line`."""
    for entry in entries:
        yield plain_line(entry, decoding)
