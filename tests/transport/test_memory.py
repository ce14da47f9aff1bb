"""MemoryTransport: the simulated card in the same process, as a Transport."""

from __future__ import annotations

import pytest

from cardwire.errors import TransportError
from cardwire.sim.card import SimCard
from cardwire.transport.base import Transport
from cardwire.transport.memory import MemoryTransport

OPEN_CHANNEL = bytes.fromhex("0070000001")
SELECT_APP_1_ON_1 = bytes.fromhex("01A4040C0AF0636172647769726501")


def test_is_a_transport_bound_to_the_card() -> None:
    card = SimCard()
    transport = MemoryTransport(card)
    assert isinstance(transport, Transport)
    assert transport.atr == card.atr
    assert transport.name == "cardwire simulated card"
    assert transport.transmit(OPEN_CHANNEL) == b"\x01\x90\x00"
    assert card.open_channels() == (0, 1)


@pytest.mark.parametrize("cold", [False, True])
def test_reset_closes_the_card_channels(cold: bool) -> None:
    transport = MemoryTransport(SimCard())
    transport.transmit(OPEN_CHANNEL)
    assert transport.transmit(SELECT_APP_1_ON_1) == b"\x90\x00"
    assert transport.reset(cold=cold) == transport.atr
    assert transport.transmit(SELECT_APP_1_ON_1) == b"\x68\x81"


def test_closed_transport_raises() -> None:
    transport = MemoryTransport(SimCard())
    transport.close()
    transport.close()  # idempotent
    assert transport.closed
    with pytest.raises(TransportError):
        transport.transmit(OPEN_CHANNEL)
    with pytest.raises(TransportError):
        transport.reset()


@pytest.mark.parametrize("raw", ["", "00", "00A4", "FFA40000", "00A4040C05F063"])
def test_malformed_bytes_get_a_status_word(raw: str) -> None:
    answer = MemoryTransport(SimCard()).transmit(bytes.fromhex(raw))
    assert len(answer) == 2
    assert answer != b"\x90\x00"
