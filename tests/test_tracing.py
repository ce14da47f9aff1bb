"""The trace recorder (every exchange with timing) and the trace text format."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.errors import DecodeError
from cardwire.tracing import Trace, TraceEntry, TraceRecorder, format_trace, parse_trace
from cardwire.transport.replay import ReplayTransport

EXCHANGES = [
    (bytes.fromhex("00A4000C023F00"), bytes.fromhex("9000")),
    (bytes.fromhex("00B0000004"), bytes.fromhex("010203046282")),
]


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
    assert trace.exchanges == tuple(EXCHANGES)
    assert trace.atr == b"\x3b\x00"


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


def test_text_format() -> None:
    text = format_trace(Trace(tuple(EXCHANGES), atr=b"\x3b\x00", reader="r", time="T"))
    assert text == (
        "# atr: 3B00\n# reader: r\n# time: T\n"
        "> 00A4000C023F00\n< 9000\n> 00B0000004\n< 010203046282\n"
    )
    assert parse_trace(text) == Trace(tuple(EXCHANGES), atr=b"\x3b\x00", reader="r", time="T")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("> 00A4\n", "no response"),
        ("< 9000\n", "response without a command"),
        ("> 00A40000\n> 00A40000\n", "command without a response"),
        ("> 00A40000\n< 90\n", "SW1 SW2"),
        ("> 00A4000G\n< 9000\n", "line 1"),
        ("= 00\n", "expected"),
        ("# atr: XYZ\n", "atr"),
    ],
)
def test_malformed_traces(text: str, problem: str) -> None:
    with pytest.raises(DecodeError, match=problem):
        parse_trace(text)


exchange = st.tuples(st.binary(min_size=4, max_size=300), st.binary(min_size=2, max_size=300))


@given(
    exchanges=st.lists(exchange, max_size=10),
    atr=st.binary(max_size=33),
    reader=st.text(st.characters(categories=["L", "N", "Zs"]), max_size=30).map(str.strip),
)
def test_round_trip(exchanges: list[tuple[bytes, bytes]], atr: bytes, reader: str) -> None:
    trace = Trace(tuple(exchanges), atr=atr, reader=reader, time="2026-01-01T00:00:00+00:00")
    assert parse_trace(format_trace(trace)) == trace


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_decode_error(text: str) -> None:
    with contextlib.suppress(DecodeError):
        parse_trace(text)
