"""The trace model: values that the writer can always write and the reader read back."""

from __future__ import annotations

import pytest

from cardwire.errors import UsageError
from cardwire.trace.model import Exchange, Header, Reset, Trace


def test_line_numbers_are_not_part_of_the_value() -> None:
    assert Exchange(b"\x00", b"\x90\x00", line=3) == Exchange(b"\x00", b"\x90\x00", line=9)
    assert Reset(b"\x3b", line=1) == Reset(b"\x3b")
    assert Exchange(b"\x00\xa4\x04\x00", b"\x6a\x82").sw == 0x6A82


def test_exchanges_leave_resets_out() -> None:
    events = (Exchange(b"\x00", b"\x90\x00"), Reset(), Exchange(b"\x01", b"\x90\x00"))
    trace = Trace(events, Header(atr=b"\x3b", reader="r"))
    assert trace.exchanges == (events[0], events[2])
    assert (trace.header.atr, trace.header.reader) == (b"\x3b", "r")


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: Exchange(b"", b"\x90\x00"), "at least one byte"),
        (lambda: Exchange(b"\x00", b"\x90"), "SW1 SW2"),
        (lambda: Header(version=-1), "not negative"),
        (lambda: Header(reader="two\nlines"), "one line"),
        (lambda: Header(tool=" padded"), "one line"),
        (lambda: Header(time="a\x1cb"), "one line"),  # str.splitlines() splits on FS too
        (lambda: Trace(comments=("fine", "bad\u2028")), "one line"),
        (lambda: Trace(comments=("Reset: 3B00",)), "read as a reset"),
        (lambda: Trace(comments=("reset",)), "read as a reset"),
    ],
)
def test_values_that_would_not_read_back_are_refused(make: object, problem: str) -> None:
    assert callable(make)
    with pytest.raises(UsageError, match=problem):
        make()


def test_a_comment_may_mention_a_reset() -> None:
    assert Trace(comments=("reset the card first",)).comments == ("reset the card first",)
