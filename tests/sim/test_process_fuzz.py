"""Any bytes in any card state: ``SimCard.process`` always answers a well-formed response
(data plus a two-byte status word) and never hits an internal error."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.hexutil import parse_hex
from cardwire.sim.card import SimCard
from cardwire.sw import is_valid

ECHO = "F0636172647769726503"
DEMO_1 = "F0636172647769726501"


def fresh() -> SimCard:
    return SimCard(rng=bytes)


def channels_open() -> SimCard:
    card = fresh()
    for apdu in (
        "0070000001",
        "0070000300",
        "0070001300",
        f"01A4040C0A{ECHO}",
        "032000010431313131",
    ):
        card.process(parse_hex(apdu))
    card.process(parse_hex(f"03A4040C0A{DEMO_1}"))
    return card


def mid_chain() -> SimCard:
    card = fresh()
    card.process(parse_hex(f"00A4040C0A{ECHO}"))
    assert card.process(parse_hex("1000000003414243")) == b"\x90\x00"
    return card


def pending_get_response() -> SimCard:
    card = fresh()
    card.process(parse_hex(f"00A4040C0A{ECHO}"))
    card.process(Command(0x10, 0x00, data=b"\x55" * 200).encode())
    answer = Response.decode(card.process(Command(0x00, 0x00, data=b"\x66" * 200, ne=256).encode()))
    assert answer.sw1 == 0x61
    return card


STATES: dict[str, Callable[[], SimCard]] = {
    "fresh": fresh,
    "channels open": channels_open,
    "mid-chain": mid_chain,
    "pending GET RESPONSE": pending_get_response,
}

INTERESTING_CLA = [
    0x00,
    0x01,
    0x03,
    0x0C,
    0x10,
    0x13,
    0x1C,
    0x40,
    0x4F,
    0x60,
    0x80,
    0x84,
    0xC0,
    0xFF,
]
INTERESTING_INS = [
    0x00, 0x0C, 0x0E, 0x20, 0x24, 0x2C, 0x70, 0x82, 0x84, 0x88, 0xA4, 0xB0, 0xB1, 0xB2, 0xC0,
    0xD6, 0xD7, 0xDC, 0xE2, 0xFE,
]  # fmt: skip

structured_apdus = st.builds(
    lambda cla, ins, p1, p2, data, ne: Command(cla, ins, p1, p2, data, ne).encode(),
    st.sampled_from(INTERESTING_CLA) | st.integers(0, 255),
    st.sampled_from(INTERESTING_INS) | st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.binary(max_size=300),
    st.integers(0, 65536),
)
apdus = st.lists(st.binary(max_size=300) | structured_apdus, min_size=1, max_size=6)


class _Collect(logging.Handler):
    """Collects the card's internal-error log records (each one means a 6F00 from a bug)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("state", list(STATES))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=apdus)
def test_any_bytes_get_a_well_formed_answer(state: str, sequence: list[bytes]) -> None:
    card = STATES[state]()
    logger = logging.getLogger("cardwire.sim.card")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        for apdu in sequence:
            answer = card.process(apdu)
            assert len(answer) >= 2
            assert is_valid(int.from_bytes(answer[-2:], "big")), answer.hex()
    finally:
        logger.removeHandler(handler)
    assert not handler.records, [record.getMessage() for record in handler.records]
