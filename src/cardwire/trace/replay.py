"""Replay a trace against a card (or the simulator) and report where the responses differ.

Each recorded command is sent as it is, in order; a recorded reset (``# reset``) resets the
card. The responses are compared byte for byte with the recorded ones. Secure sessions replay
only when the card is deterministic (random challenges differ, and so does everything
protected after them): the first difference shows where the two sessions part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cardwire.hexutil import to_hex
from cardwire.trace.model import Reset, Trace
from cardwire.transport.base import Transport


@dataclass(frozen=True, slots=True)
class Difference:
    """A recorded exchange whose replayed response differs; ``index`` counts exchanges from 0."""

    index: int
    line: int
    command: bytes
    expected: bytes
    actual: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "line": self.line,
            "command": to_hex(self.command),
            "expected": to_hex(self.expected),
            "actual": to_hex(self.actual),
        }


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What a replay found."""

    exchanges: int
    differences: tuple[Difference, ...]

    @property
    def identical(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {
            "exchanges": self.exchanges,
            "identical": self.identical,
            "differences": [difference.to_json() for difference in self.differences],
        }


def replay(trace: Trace, transport: Transport) -> ReplayReport:
    """Send every recorded command to ``transport``; compare each response with the record.

    Transport failures raise :class:`cardwire.errors.TransportError` as usual.
    """
    differences: list[Difference] = []
    count = 0
    for item in trace.events:
        if isinstance(item, Reset):
            transport.reset()
            continue
        actual = transport.transmit(item.command)
        if actual != item.response:
            differences.append(Difference(count, item.line, item.command, item.response, actual))
        count += 1
    return ReplayReport(count, tuple(differences))


__all__ = ["Difference", "ReplayReport", "replay"]
