"""ReplayTransport: a recorded trace served as a card, mismatches named by exchange index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.errors import DecodeError, TransportError, UsageError
from cardwire.trace.model import Reset
from cardwire.transport.replay import ReplayMismatchError, ReplayTransport

SELECT_APP1 = bytes.fromhex("00A404000AF063617264776972650100")
RECORDED = """\
# atr: 3B8F8001
# reader: recorded reader
# time: 2026-01-01T00:00:00+00:00
> 00A404000AF063617264776972650100
< 9000
# a comment between exchanges
> 00 b0 00 00 00
< 48656C6C6F 6282
"""


def test_serves_in_order_and_reports_the_end() -> None:
    replay = ReplayTransport.from_text(RECORDED)
    assert replay.atr == bytes.fromhex("3B8F8001")
    assert replay.name == "recorded reader"
    assert replay.transmit(SELECT_APP1) == bytes.fromhex("9000")
    assert not replay.finished
    assert replay.transmit(bytes.fromhex("00B0000000")) == b"Hello\x62\x82"
    assert replay.finished
    with pytest.raises(ReplayMismatchError) as info:
        replay.transmit(bytes.fromhex("00B0000000"))
    assert info.value.index == 2
    assert info.value.expected is None
    assert "event 2" in str(info.value)


@pytest.mark.parametrize(
    ("sent", "index"),
    [
        ("00A404000AF063617264776972650200", 0),  # another AID
        ("00A404000AF06361726477697265010000", 0),  # one byte more
    ],
)
def test_mismatch_names_the_exchange(sent: str, index: int) -> None:
    replay = ReplayTransport.from_text(RECORDED)
    with pytest.raises(ReplayMismatchError) as info:
        replay.transmit(bytes.fromhex(sent))
    assert isinstance(info.value, TransportError)  # exit code 3 in the CLI
    assert info.value.index == index
    assert info.value.expected == SELECT_APP1
    assert info.value.actual == bytes.fromhex(sent)
    assert replay.position == 0  # nothing consumed


def test_mismatch_after_progress() -> None:
    replay = ReplayTransport([(b"\x00\x84\x00\x00\x08", b"\x90\x00")] * 2)
    replay.transmit(b"\x00\x84\x00\x00\x08")
    with pytest.raises(ReplayMismatchError) as info:
        replay.transmit(b"\x00\x84\x00\x00\x10")
    assert info.value.index == 1


def test_closed_transport_refuses() -> None:
    replay = ReplayTransport([])
    replay.close()
    with pytest.raises(TransportError):
        replay.transmit(b"\x00\xa4\x00\x00")


def test_a_card_session_runs_on_a_replay() -> None:
    # The recording includes the GET RESPONSE the session must send after 61xx.
    replay = ReplayTransport(
        [
            (bytes.fromhex("00CA006600"), bytes.fromhex("AABB6103")),
            (bytes.fromhex("00C0000003"), bytes.fromhex("CCDDEE9000")),
        ]
    )
    card = Card(replay, extended_length=False)
    assert card.send(Command(0x00, 0xCA, 0x00, 0x66, ne=256)).data == bytes.fromhex("AABBCCDDEE")
    assert replay.finished


def test_from_file_reads_a_trace(tmp_path: Path) -> None:
    path = tmp_path / "session.trace"
    path.write_text(RECORDED, encoding="utf-8")
    replay = ReplayTransport.from_file(path)
    assert replay.transmit(SELECT_APP1) == bytes.fromhex("9000")


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: tmp / "missing.trace",  # no such file
        lambda tmp: tmp,  # a directory
    ],
    ids=["missing", "directory"],
)
def test_from_file_unreadable_is_a_usage_error_naming_the_path(
    tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    path = make(tmp_path)
    with pytest.raises(UsageError, match="cannot read the trace") as info:
        ReplayTransport.from_file(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value.__cause__, OSError)


def test_from_file_not_utf8_is_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "binary.trace"
    path.write_bytes(b"> 00A4\xff")
    with pytest.raises(DecodeError, match="not a UTF-8 text file") as info:
        ReplayTransport.from_file(path)
    assert info.value.offset == 6


WITH_RESET = """\
# atr: 3B00
> 00A4040C
< 9000
# reset: 3B01
> 00B00000
< 6986
# reset
"""


def test_recorded_resets_are_served_in_place_with_their_atr() -> None:
    replay = ReplayTransport.from_text(WITH_RESET)
    assert replay.transmit(bytes.fromhex("00A4040C")) == b"\x90\x00"
    assert replay.reset() == b"\x3b\x01"  # the ATR recorded with the reset
    assert replay.atr == b"\x3b\x01"
    assert replay.transmit(bytes.fromhex("00B00000")) == b"\x69\x86"
    assert not replay.finished  # the last reset is still to come
    assert replay.reset() == b"\x3b\x01"  # no ATR recorded: the card's last one
    assert replay.finished


def test_a_reset_the_recording_does_not_have_is_a_mismatch() -> None:
    replay = ReplayTransport.from_text(WITH_RESET)
    with pytest.raises(ReplayMismatchError, match="event 0: a reset differs") as info:
        replay.reset()
    assert info.value.expected == bytes.fromhex("00A4040C")
    assert isinstance(info.value.actual, Reset)
    assert replay.position == 0


def test_a_command_where_the_recording_has_a_reset_is_a_mismatch() -> None:
    replay = ReplayTransport.from_text(WITH_RESET)
    replay.transmit(bytes.fromhex("00A4040C"))
    with pytest.raises(ReplayMismatchError, match="recorded a reset") as info:
        replay.transmit(bytes.fromhex("00B00000"))
    assert info.value.index == 1
    assert isinstance(info.value.expected, Reset)


def test_scriptor_annotations_and_short_commands_replay() -> None:
    # The old library reader behind from_text refused "< 9000 : ok" (issue 16 item 2).
    replay = ReplayTransport.from_text("> 00A4040C : SELECT\n< 9000 : ok\n> 00\n< 6D00\n")
    assert replay.transmit(bytes.fromhex("00A4040C")) == b"\x90\x00"
    assert replay.transmit(b"\x00") == b"\x6d\x00"
    assert replay.finished
