"""The one recorder: every exchange (with timing) and every reset, as the trace model."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.errors import UsageError
from cardwire.sim.card import SimCard
from cardwire.trace.model import FORMAT_VERSION, Exchange, Reset
from cardwire.trace.recorder import TraceEntry, TraceRecorder, tool
from cardwire.trace.text import parse
from cardwire.transport.memory import MemoryTransport
from cardwire.transport.replay import ReplayTransport

EXCHANGES = [
    (bytes.fromhex("00A4000C023F00"), bytes.fromhex("9000")),
    (bytes.fromhex("00B0000004"), bytes.fromhex("010203046282")),
]
SELECT_DEMO_1 = Command(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("F0636172647769726501"))


def fake_clock() -> itertools.count[float]:
    return itertools.count(start=10.0, step=0.5)


def test_recorder_keeps_every_exchange_with_timing() -> None:
    ticks = fake_clock()
    recorder = TraceRecorder(ReplayTransport(EXCHANGES, atr=b"\x3b\x00"), clock=lambda: next(ticks))
    seen: list[TraceEntry] = []
    recorder.subscribe(seen.append)
    for command, response in EXCHANGES:
        assert recorder.transmit(command) == response
    entries = recorder.entries
    assert [(e.command, e.response) for e in entries] == EXCHANGES
    assert seen == entries
    # origin read at 10.0; exchange 1 from 10.5 to 11.0, exchange 2 from 11.5 to 12.0
    assert [(e.started, e.duration) for e in entries] == [(0.5, 0.5), (1.5, 0.5)]
    trace = recorder.trace()
    assert trace.events == tuple(Exchange(c, r) for c, r in EXCHANGES)
    assert trace.header.atr == b"\x3b\x00"
    assert (trace.header.version, trace.header.tool) == (FORMAT_VERSION, tool())


def test_recorder_records_resets_with_their_atr() -> None:
    recorder = TraceRecorder(ReplayTransport([*EXCHANGES[:1], Reset(b"\x3b\x01")], atr=b"\x3b"))
    recorder.transmit(EXCHANGES[0][0])
    assert recorder.reset() == b"\x3b\x01"
    assert recorder.events == (Exchange(*EXCHANGES[0]), Reset(b"\x3b\x01"))
    assert recorder.trace().header.atr == b"\x3b"  # the ATR when the recording began
    recorder.clear()
    assert not recorder.events and not recorder.entries


def test_keep_false_records_nothing_but_calls_listeners() -> None:
    recorder = TraceRecorder(ReplayTransport([*EXCHANGES, Reset()]), keep=False)
    seen: list[TraceEntry] = []
    recorder.subscribe(seen.append)
    for command, _ in EXCHANGES:
        recorder.transmit(command)
    recorder.reset()
    assert recorder.events == () and len(seen) == 2


def test_a_file_trace_keeps_its_exchanges(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="keep=True"):
        TraceRecorder(ReplayTransport([]), path=tmp_path / "t.trace", keep=False)


def test_card_with_trace_records_layer_follow_ups() -> None:
    replay = ReplayTransport(
        [
            (bytes.fromhex("00B0000000"), bytes.fromhex("6C02")),
            (bytes.fromhex("00B0000002"), bytes.fromhex("AAAA9000")),
        ]
    )
    card = Card(replay, trace=True, extended_length=False)
    card.send(Command(0x00, 0xB0, ne=256))
    assert card.trace is not None
    assert [e.command.hex().upper() for e in card.trace.entries] == ["00B0000000", "00B0000002"]


def test_card_trace_then_reset_replays() -> None:
    # Regression (issue 16 item 2): Card(trace=True) dropped resets, so its trace could not
    # be replayed past a reset (the replay was asked for a reset it did not have).
    sim = SimCard()
    with Card(MemoryTransport(sim), trace=True) as card:
        card.send(SELECT_DEMO_1)
        atr = card.reset()
        card.send(SELECT_DEMO_1)
        assert card.trace is not None
        text = card.trace.text()
    trace = parse(text)
    assert trace.events == (
        Exchange(SELECT_DEMO_1.encode(), b"\x90\x00"),
        Reset(atr),
        Exchange(SELECT_DEMO_1.encode(), b"\x90\x00"),
    )
    replay = ReplayTransport.from_trace(trace)
    with Card(replay) as again:
        again.send(SELECT_DEMO_1)
        assert again.reset() == atr
        again.send(SELECT_DEMO_1)
    assert replay.finished


def test_a_reader_name_on_several_lines_is_one_header_line(tmp_path: Path) -> None:
    path = tmp_path / "t.trace"
    recorder = TraceRecorder(MemoryTransport(SimCard(), name="Reader\nX  1"), path=path)
    recorder.close()
    assert parse(path.read_text(encoding="utf-8")).header.reader == "Reader X 1"
