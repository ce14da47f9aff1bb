"""cardwire's own host (Card over PcscTransport) against the simulated card through pcscd + vpcd:
the channel, PIN and file scenarios end to end on a real PC/SC stack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from cardwire.card import Card
from cardwire.errors import StatusError
from cardwire.sw import SW
from cardwire.transport.pcsc import PcscTransport

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

# The default simulated card (shared card spec): DF 5000 "cardwire demo application 1".
DF_APP1 = bytes.fromhex("5000")
EF_HELLO, EF_SECRET, EF_SCRATCH = (
    bytes.fromhex("5001"),
    bytes.fromhex("5003"),
    bytes.fromhex("5008"),
)
PIN = "1234"


@pytest.fixture
def card(pcsc_stack: PcscStack) -> Iterator[Card]:
    transport = PcscTransport(pcsc_stack.reader)
    with Card(transport) as session:
        session.reset()  # every test starts from a fresh card: MF, no PIN verified
        yield session


def test_transport_reports_reader_protocol_and_atr(card: Card, pcsc_stack: PcscStack) -> None:
    from cardwire.sim.card import SimCard

    assert card.transport.name == pcsc_stack.reader
    assert isinstance(card.transport, PcscTransport)
    assert card.transport.protocol == "T1"  # the card's ATR offers T=1 only
    assert card.atr == SimCard().atr


def test_files_short_and_extended(card: Card) -> None:
    card.select(DF_APP1)
    card.select(EF_HELLO)
    assert card.read_file() == b"Hello from the cardwire card."
    # EF 5006: 40000 bytes, byte i = i mod 251; offsets past 32767 need READ BINARY B1
    assert card.read_file(sfi=6, chunk=4000) == bytes(i % 251 for i in range(40000))
    assert card.read_record(3, sfi=2) == bytes([3]) * 16  # EF 5002 record n = 16 x n


def test_scratch_update_and_read_back(card: Card) -> None:
    card.select(DF_APP1)
    card.select(EF_SCRATCH)
    original = card.read_binary(0, 64)
    try:
        card.update_binary(8, b"written over PC/SC")
        assert card.read_binary(8, 18) == b"written over PC/SC"
    finally:
        card.update_binary(0, original)
    assert card.read_binary(0, 64) == original


def test_pin_protected_file(card: Card) -> None:
    card.select(DF_APP1)
    card.select(EF_SECRET)
    with pytest.raises(StatusError) as refused:
        card.read_binary(0, 14)
    assert refused.value.sw == SW.SECURITY_STATUS_NOT_SATISFIED
    wrong = card.verify(1, "0000", check=False)
    assert wrong.sw == 0x63C2  # ISO 7816-4 table 6: 63Cx, x tries left (3 - 1)
    card.verify(1, PIN)  # a right PIN resets the counter
    assert card.pin_status(1).sw == SW.SUCCESS
    assert card.read_binary(0, 14) == b"top secret: 42"
    card.reset()  # a reset clears the security status (ISO 7816-4 5.4.2)
    card.select(DF_APP1)
    card.select(EF_SECRET)
    with pytest.raises(StatusError):
        card.read_binary(0, 14)


def test_logical_channels_keep_their_own_state(card: Card) -> None:
    card.select(DF_APP1)
    card.select(EF_HELLO)
    with card.open_channel() as channel:
        assert channel.number >= 1
        channel.select(bytes.fromhex("6000"))
        channel.select(bytes.fromhex("6001"))
        assert channel.read_file() == b"second application"
        assert card.read_file() == b"Hello from the cardwire card."  # channel 0 untouched
    assert card.channels == {}


def test_transaction_around_a_sequence(card: Card) -> None:
    transport = card.transport
    assert isinstance(transport, PcscTransport)
    with transport.transaction():
        card.select(DF_APP1)
        card.select(EF_HELLO)
        assert card.read_binary(0, 5) == b"Hello"
