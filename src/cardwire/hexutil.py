"""Hex at the edges: lenient parsing of what people paste, one canonical way to print."""

from __future__ import annotations

import re

from cardwire.errors import DecodeError

_SEPARATORS = re.compile(r"[\s:]+")
_HEX = re.compile(r"[0-9A-Fa-f]*")


def parse_hex(*parts: str) -> bytes:
    """Join ``parts`` into bytes: any case, spaces and colons allowed, an even digit count."""
    text = _SEPARATORS.sub("", "".join(parts))
    if text[:2].lower() == "0x":
        text = text[2:]
    match = _HEX.fullmatch(text)
    if match is None:
        bad = next(i for i, ch in enumerate(text) if ch not in "0123456789abcdefABCDEF")
        raise DecodeError(f"not a hex digit: {text[bad]!r}", bad)
    if len(text) % 2:
        raise DecodeError(f"odd number of hex digits ({len(text)})", len(text))
    return bytes.fromhex(text)


def to_hex(data: bytes) -> str:
    """Uppercase hex with no separators: the one output form of cardwire."""
    return data.hex().upper()


DUMP_WIDTH = 16
"""Bytes per line of :func:`hex_dump`."""


def hex_dump(data: bytes, indent: str = "  ") -> list[str]:
    """``data`` as hex+ASCII lines (offset, 16 bytes in hex, then printable ASCII with ``.``
    for the rest), as ``hexdump -C`` and opensc-tool show answers; empty data: no lines."""
    lines = []
    for offset in range(0, len(data), DUMP_WIDTH):
        row = data[offset : offset + DUMP_WIDTH]
        text = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in row)
        lines.append(f"{indent}{offset:04X}  {row.hex(' ').upper():<{DUMP_WIDTH * 3 - 1}}  {text}")
    return lines
