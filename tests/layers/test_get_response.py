"""GET RESPONSE on 61xx (ISO/IEC 7816-4 5.3.4): the plan alone and the layer over toy cards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.cla import channel_of
from cardwire.errors import TransportError
from cardwire.layers.get_response import GetResponseLayer, GetResponsePlan

from .iso_cards import LongAnswerCard

READ = Command(0x00, 0xB0, 0, 0, ne=256)


def test_plan_alone_asks_for_sw2_bytes_on_the_same_channel() -> None:
    command = Command(0x02, 0xCA, 0x01, 0x02, ne=256)  # channel 2
    plan = GetResponsePlan(command)
    assert plan.first() == command
    step = plan.feed(Response(b"\x01\x02", 0x6105))
    assert isinstance(step, Command)
    assert (step.cla, step.ins, step.p1, step.p2, step.ne) == (0x02, 0xC0, 0, 0, 5)
    step = plan.feed(Response(b"\x03\x04\x05\x06\x07", 0x6100))
    assert isinstance(step, Command)
    assert step.ne == 256  # 61 00 means 256 or more
    assert plan.feed(Response(b"\x08", 0x9000)) == Response(bytes(range(1, 9)), 0x9000)


@pytest.mark.parametrize(
    ("length", "piece", "first_serves", "rounds"),
    [
        (0, 256, True, 0),  # nothing to fetch
        (10, 256, True, 0),  # fits the first answer
        (10, 256, False, 1),  # T=0 style: 610A with no data, then one GET RESPONSE
        (300, 256, True, 1),
        (300, 100, True, 2),
        (1000, 256, False, 4),
        (65536, 256, False, 256),  # the largest answer within the default bound
    ],
)
def test_layer_concatenates(length: int, piece: int, first_serves: bool, rounds: int) -> None:
    payload = bytes(i % 251 for i in range(length))
    card = LongAnswerCard(payload=payload, piece=piece, first_serves=first_serves)
    response = GetResponseLayer(card).exchange(READ)
    assert response == Response(payload, 0x9000)
    fetches = [c for c in card.received if c.ins == 0xC0]
    assert len(fetches) == rounds
    assert len(card.received) == rounds + 1


def test_final_status_word_is_kept() -> None:
    card = LongAnswerCard(payload=b"A" * 300, final_sw=0x6282)
    assert GetResponseLayer(card).exchange(READ) == Response(b"A" * 300, 0x6282)


def test_error_answer_passes_through_in_one_exchange() -> None:
    class Refusing(LongAnswerCard):
        def answer(self, command: Command) -> Response:
            return Response(b"", 0x6A82)

    card = Refusing()
    assert GetResponseLayer(card).exchange(READ).sw == 0x6A82
    assert len(card.received) == 1


def test_rounds_are_bounded() -> None:
    class Endless(LongAnswerCard):
        def answer(self, command: Command) -> Response:
            return Response(b"x", 0x6101)

    card = Endless()
    with pytest.raises(TransportError, match="GET RESPONSE"):
        GetResponseLayer(card, max_rounds=5).exchange(READ)
    assert len(card.received) == 6


@given(
    payload=st.binary(max_size=1500),
    piece=st.integers(1, 256),
    channel=st.integers(0, 19),
    first_serves=st.booleans(),
)
def test_any_split_reassembles(
    payload: bytes, piece: int, channel: int, first_serves: bool
) -> None:
    cla = channel if channel < 4 else 0x40 | (channel - 4)
    card = LongAnswerCard(payload=payload, piece=piece, first_serves=first_serves)
    assert GetResponseLayer(card).exchange(READ.replace(cla=cla)) == Response(payload, 0x9000)
    assert all(channel_of(c.cla) == channel for c in card.received)
