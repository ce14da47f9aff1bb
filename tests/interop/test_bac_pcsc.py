"""BAC over the real PC/SC stack: cardwire's host (Card over PcscTransport) runs Basic Access
Control against the simulated card's ePassport applet behind pcscd + vpcd, then reads the LDS
files under secure messaging, short and extended, on two logical channels at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.handshakes.bac import open_bac
from cardwire.sim.applets.epassport.issuance import ISSUED_EF_COM, dg2_photo
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID, Td3Mrz, dg1_content
from cardwire.transport.pcsc import PcscTransport

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

MRZ = "L898902C<,690806,940623"  # the default card's MRZ (ICAO 9303-11 Appendix D specimen)


def open_card(stack: PcscStack, *, extended: bool | None = None) -> Card:
    card = Card(PcscTransport(stack.reader), extended_length=extended)
    card.reset()  # a fresh card: no session left over from another test
    card.select(EPASSPORT_AID)
    return card


@pytest.fixture
def card(pcsc_stack: PcscStack) -> Iterator[Card]:
    with open_card(pcsc_stack) as session:
        yield session


def test_bac_then_files_under_secure_messaging(card: Card) -> None:
    card.select(bytes.fromhex("0101"))
    assert card.send(Command(0, 0xB0, 0, 0, ne=4), check=False).sw == 0x6982  # before BAC
    card.secure(open_bac(card, MRZ))
    card.select(bytes.fromhex("011E"))
    assert card.read_file() == ISSUED_EF_COM
    card.select(bytes.fromhex("0101"))
    assert card.read_file() == dg1_content(Td3Mrz())


def test_dg2_extended_length_through_pcscd(card: Card) -> None:
    card.secure(open_bac(card, MRZ))
    card.select(bytes.fromhex("0102"))
    assert card.read_file(chunk=65536) == dg2_photo()


def test_dg2_short_apdus_through_pcscd(pcsc_stack: PcscStack) -> None:
    with open_card(pcsc_stack, extended=False) as card:
        card.secure(open_bac(card, MRZ))
        card.select(bytes.fromhex("0102"))
        assert card.read_file(chunk=256) == dg2_photo()


def test_two_channels_with_their_own_sessions(card: Card) -> None:
    channel = card.open_channel()
    channel.select(EPASSPORT_AID)
    zero, one = open_bac(card, MRZ), open_bac(channel, MRZ)
    card.secure(zero)
    channel.secure(one)
    assert zero.ssc != one.ssc
    card.select(bytes.fromhex("011E"))
    channel.select(bytes.fromhex("0101"))
    for _ in range(2):
        assert card.read_binary(0, 4) == ISSUED_EF_COM[:4]
        assert channel.read_binary(0, 5) == dg1_content(Td3Mrz())[:5]
    channel.secure(None)
    channel.close()
    assert card.read_binary(4, 4) == ISSUED_EF_COM[4:8]
