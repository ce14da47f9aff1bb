"""Re-send on 6Cxx (ISO/IEC 7816-4 5.6, table 6): once, with Le = SW2."""

from __future__ import annotations

import pytest

from cardwire.apdu import Command, Response
from cardwire.layers.wrong_le import WrongLengthLayer, WrongLengthPlan

from .iso_cards import ExactLeCard

GET_DATA = Command(0x00, 0xCA, 0x00, 0x66, ne=256)


def test_plan_alone() -> None:
    plan = WrongLengthPlan(GET_DATA)
    assert plan.first() == GET_DATA
    step = plan.feed(Response(b"", 0x6C12))
    assert step == GET_DATA.replace(ne=0x12)
    assert plan.feed(Response(b"", 0x6C12)) == Response(b"", 0x6C12)  # only once


@pytest.mark.parametrize(("length", "resent_ne"), [(0x12, 0x12), (1, 1), (256, 256), (0xFF, 0xFF)])
def test_layer_resends_with_exact_le(length: int, resent_ne: int) -> None:
    payload = bytes(range(256))[:length] if length <= 256 else b""
    card = ExactLeCard(payload=payload)
    response = WrongLengthLayer(card).exchange(GET_DATA.replace(ne=5))
    assert response == Response(payload, 0x9000)
    assert [c.ne for c in card.received] == [5, resent_ne]
    assert card.received[1] == GET_DATA.replace(ne=resent_ne)


def test_right_le_is_sent_once() -> None:
    card = ExactLeCard(payload=b"abc")
    assert WrongLengthLayer(card).exchange(GET_DATA.replace(ne=3)).data == b"abc"
    assert len(card.received) == 1


def test_second_6cxx_is_returned() -> None:
    card = ExactLeCard(payload=b"z" * 300)  # 6C2C, and Ne=0x2C is still wrong
    assert WrongLengthLayer(card).exchange(GET_DATA).sw == 0x6C2C
    assert len(card.received) == 2
