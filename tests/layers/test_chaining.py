"""Command chaining (ISO/IEC 7816-4 5.3.3) and extended length instead when the card takes it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.errors import UsageError
from cardwire.layers.chaining import (
    ChainingLayer,
    ChainingPlan,
    LengthLimits,
    fit_ne,
    split_command,
)

from .iso_cards import ChainingCard

SHORT = LengthLimits(extended=False)
EXTENDED = LengthLimits(extended=True)


def put(size: int, ne: int = 0, cla: int = 0x00) -> Command:
    return Command(cla, 0xDA, 0x01, 0x02, bytes(i % 256 for i in range(size)), ne)


@pytest.mark.parametrize(
    ("size", "max_nc", "sizes"),
    [
        (0, 255, [0]),
        (255, 255, [255]),
        (256, 255, [255, 1]),
        (600, 255, [255, 255, 90]),
        (20, 8, [8, 8, 4]),
        (16, 8, [8, 8]),
    ],
)
def test_split_sizes(size: int, max_nc: int, sizes: list[int]) -> None:
    pieces = split_command(put(size, ne=16), max_nc)
    assert [p.nc for p in pieces] == sizes
    # every piece but the last has CLA b5 set and no Le; the last keeps Le
    assert [parse_cla(p.cla).chaining for p in pieces] == [True] * (len(sizes) - 1) + [False]
    assert [p.ne for p in pieces] == [0] * (len(sizes) - 1) + [16]


@given(
    data=st.binary(max_size=3000),
    max_nc=st.integers(1, 300),
    channel=st.integers(0, 3),
    ne=st.integers(0, 256),
)
def test_split_round_trip(data: bytes, max_nc: int, channel: int, ne: int) -> None:
    command = Command(channel, 0xDA, 1, 2, data, ne)
    pieces = split_command(command, max_nc)
    assert b"".join(p.data for p in pieces) == data
    assert all(p.nc <= max_nc for p in pieces)
    assert all(p.cla & 0x03 == channel for p in pieces)
    assert all((p.ins, p.p1, p.p2) == (0xDA, 1, 2) for p in pieces)
    assert pieces[-1] == command.replace(data=pieces[-1].data)


def test_split_rejects_empty_pieces() -> None:
    with pytest.raises(UsageError):
        split_command(put(10), 0)
    with pytest.raises(UsageError):
        ChainingPlan([])


def test_short_card_gets_a_chain() -> None:
    card = ChainingCard()
    command = put(600, ne=256)
    response = ChainingLayer(card, SHORT).exchange(command)
    assert response == Response(command.data[:256], 0x9000)
    assert [c.nc for c in card.received] == [255, 255, 90]
    assert all(not c.is_extended for c in card.received)


def test_extended_card_gets_one_extended_apdu() -> None:
    card = ChainingCard()
    command = put(600, ne=600)
    response = ChainingLayer(card, EXTENDED).exchange(command)
    assert response == Response(command.data, 0x9000)
    assert len(card.received) == 1
    assert card.received[0].is_extended


def test_refused_piece_ends_the_chain() -> None:
    card = ChainingCard(refuse_piece=1)
    response = ChainingLayer(card, SHORT).exchange(put(800))
    assert response.sw == 0x6A80
    assert len(card.received) == 2  # pieces 3 and 4 were never sent


def test_ne_is_capped_for_a_short_card() -> None:
    assert fit_ne(put(1, ne=1000), SHORT).ne == 256
    assert fit_ne(put(1, ne=1000), EXTENDED).ne == 1000
    card = ChainingCard()
    ChainingLayer(card, SHORT).exchange(put(10, ne=4000))
    assert card.received[0].ne == 256
    assert not card.received[0].is_extended


def test_callers_own_chain_is_left_alone() -> None:
    card = ChainingCard()
    mine = put(10, cla=0x10)  # the caller already set the chaining bit
    ChainingLayer(card, SHORT).exchange(mine)
    assert card.received == [mine]
