"""Status words (ISO/IEC 7816-4:2020 section 5.6). The full catalogue is being written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cardwire.errors import StatusError

if TYPE_CHECKING:
    from cardwire.apdu import Command


def meaning(sw: int) -> str:
    """A one-line meaning of ``sw``."""
    return "normal processing" if sw == 0x9000 else f"status {sw:04X}"


def check(sw: int, command: Command | None = None) -> None:
    """Raise StatusError unless ``sw`` is 9000 or 61xx."""
    if sw == 0x9000 or sw >> 8 == 0x61:
        return
    raise StatusError(sw, meaning(sw), command)
