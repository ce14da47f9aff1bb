"""Card names for an ATR from pcsc-tools' ``smartcard_list.txt`` (Ludovic Rousseau), when it is
installed: what pcsc_scan and ATR_analysis print under an ATR.

The file's syntax (its own header): an ATR as a regular expression over uppercase hex bytes
separated by spaces (``..`` for any byte), then one or more lines starting with a tab, each a
description of the cards with that ATR. Missing or unreadable file: no names, never an error.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SMARTCARD_LIST = Path("/usr/share/pcsc/smartcard_list.txt")
"""Where Debian's pcsc-tools installs the list."""


@cache
def _entries(path: Path) -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    entries: list[tuple[re.Pattern[str], tuple[str, ...]]] = []
    pattern: re.Pattern[str] | None = None
    names: list[str] = []

    def flush() -> None:
        if pattern is not None and names:
            entries.append((pattern, tuple(names)))

    for line in text.splitlines():
        if line.startswith("\t"):
            names.append(line.strip())
        elif line.strip() and not line.startswith("#"):
            flush()
            names = []
            try:
                pattern = re.compile(line.strip(), re.IGNORECASE)
            except re.error:
                pattern = None
    flush()
    return tuple(entries)


def card_names(atr: bytes, path: Path = SMARTCARD_LIST) -> tuple[str, ...]:
    """The descriptions of every entry whose pattern matches the whole ``atr`` (none when the
    list is not installed or knows no such ATR)."""
    if not atr:
        return ()
    text = atr.hex(" ").upper()
    found: list[str] = []
    for pattern, names in _entries(path):
        if pattern.fullmatch(text):
            found.extend(names)
    return tuple(found)


__all__ = ["SMARTCARD_LIST", "card_names"]
