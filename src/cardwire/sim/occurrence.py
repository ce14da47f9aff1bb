"""SELECT's file occurrence (ISO/IEC 7816-4:2020 11.2.2, table 63: P2 b2-b1) among the applets
an AID matches, ordered as in the profile (split out of cardwire.sim.os)."""

from __future__ import annotations

from typing import TypeVar

from cardwire.sim.applet import CardStatus
from cardwire.sw import SW

T = TypeVar("T")

FIRST_OCCURRENCE, LAST_OCCURRENCE, NEXT_OCCURRENCE, PREVIOUS_OCCURRENCE = 0, 1, 2, 3


def pick_occurrence(candidates: list[T], current: T | None, occurrence: int) -> T:
    """The candidate ``occurrence`` names, relative to ``current`` for next/previous (6A82 when
    there is none)."""
    if occurrence == FIRST_OCCURRENCE:
        return candidates[0]
    if occurrence == LAST_OCCURRENCE:
        return candidates[-1]
    if current not in candidates:
        return candidates[0] if occurrence == NEXT_OCCURRENCE else candidates[-1]
    assert current is not None
    index = candidates.index(current) + (1 if occurrence == NEXT_OCCURRENCE else -1)
    if not 0 <= index < len(candidates):
        raise CardStatus(SW.FILE_NOT_FOUND)
    return candidates[index]
