"""Replaying traces against the simulated card: a session recorded from it replays identically,
an altered recording shows where it differs, and resets reach the card."""

from __future__ import annotations

from dataclasses import dataclass, field

from cardwire.sim.card import SimCard
from cardwire.trace.recorder import TraceRecorder
from cardwire.trace.replay import Difference, replay
from cardwire.trace.text import parse
from cardwire.transport.memory import MemoryTransport

DEFAULT_APPLET = bytes.fromhex("F0636172647769726500")  # the simulated card's file-system applet
SESSION = [
    bytes.fromhex("00A4040C0A") + DEFAULT_APPLET,  # SELECT
    bytes.fromhex("00B0000004"),  # READ BINARY without a current EF
    bytes.fromhex("00A4000C023F00"),  # SELECT MF
    bytes.fromhex("00CA010000"),  # GET DATA
]


def recorded_session() -> str:
    recorder = TraceRecorder(MemoryTransport(SimCard()), clock=lambda: 0.0)
    for command in SESSION:
        recorder.transmit(command)
    return recorder.text()


def test_a_recorded_session_replays_identically() -> None:
    report = replay(parse(recorded_session()), MemoryTransport(SimCard()))
    assert report.exchanges == len(SESSION)
    assert report.identical
    assert report.to_json() == {"exchanges": 4, "identical": True, "differences": []}


def test_an_altered_response_is_reported_with_its_line() -> None:
    text = recorded_session()
    lines = text.splitlines()
    second = next(i for i, line in enumerate(lines) if line == "> 00B0000004")
    recorded = lines[second + 1][2:]
    lines[second + 1] = "< 9000"
    report = replay(parse("\n".join(lines)), MemoryTransport(SimCard()))
    assert report.differences == (
        Difference(1, second + 1, SESSION[1], bytes.fromhex("9000"), bytes.fromhex(recorded)),
    )
    assert report.to_json()["differences"][0]["actual"] == recorded


@dataclass
class CountingTransport:
    """Answers 9000 to everything and counts resets."""

    resets: int = 0
    sent: list[bytes] = field(default_factory=list)
    atr: bytes = b"\x3b\x00"
    name: str = "counting"

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        return b"\x90\x00"

    def reset(self, cold: bool = False) -> bytes:
        self.resets += 1
        return self.atr

    def close(self) -> None:
        pass


def test_resets_are_replayed_in_order() -> None:
    transport = CountingTransport()
    report = replay(parse("> 00A4040C\n< 9000\n# reset\n> 00B00000\n< 6986\n"), transport)
    assert transport.resets == 1
    assert transport.sent == [bytes.fromhex("00A4040C"), bytes.fromhex("00B00000")]
    assert [d.index for d in report.differences] == [1]
