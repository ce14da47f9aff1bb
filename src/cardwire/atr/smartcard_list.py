"""Card identification from pcsc-tools' ``smartcard_list.txt`` (LudovicRousseau/pcsc-tools).

The file's syntax (its own header): an ATR as a regular expression over the bytes in
uppercase hex separated by spaces (``..`` for any byte), then one or more lines starting with a
tab that describe the card, then an empty line. ``#`` lines are comments. ``ATR_analysis``
and ``pcsc_scan`` read it from ``~/.cache/smartcard_list.txt`` (their update) or the copy the
package installs; cardwire looks in the same places, in that order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

INSTALLED = Path("/usr/share/pcsc/smartcard_list.txt")


def default_paths() -> tuple[Path, ...]:
    """Where pcsc-tools keeps the list: the user's updated copy first, then the package's."""
    return (Path.home() / ".cache" / "smartcard_list.txt", INSTALLED)


def find_list() -> Path | None:
    """The first list that exists and is not empty, or None (pcsc-tools not installed). An
    empty file is what a failed ``ATR_analysis`` update leaves in ~/.cache; it is skipped."""
    return next((path for path in default_paths() if path.is_file() and path.stat().st_size), None)


def _entries(text: str) -> Iterator[tuple[str, list[str]]]:
    pattern: str | None = None
    descriptions: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("\t"):
            if pattern is not None:
                descriptions.append(line.strip())
            continue
        if pattern is not None and descriptions:
            yield pattern, descriptions
        pattern, descriptions = (line.strip() or None), []
    if pattern is not None and descriptions:
        yield pattern, descriptions


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    loaded = []
    for pattern, descriptions in _entries(path.read_text(encoding="utf-8", errors="replace")):
        try:
            compiled = re.compile(pattern.upper(), re.IGNORECASE)
        except re.error:
            continue  # one bad line does not hide the rest of the list
        loaded.append((compiled, tuple(descriptions)))
    return tuple(loaded)


def identify(atr: bytes, path: Path | None = None) -> list[str]:
    """The descriptions of every entry whose pattern matches ``atr`` (the whole ATR, as
    ``ATR_analysis`` matches it); empty when nothing matches or no list is installed."""
    path = path if path is not None else find_list()
    if path is None:
        return []
    text = " ".join(f"{byte:02X}" for byte in atr)
    found: list[str] = []
    for pattern, descriptions in _load(path, path.stat().st_mtime):
        if pattern.fullmatch(text):
            found += descriptions
    return found
