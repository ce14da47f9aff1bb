"""PACE over the real PC/SC stack: cardwire's host (Card over PcscTransport) runs PACE with the
CAN against the simulated card's ePassport applet behind pcscd + vpcd, with the GENERAL
AUTHENTICATE steps (CLA 10) going through pcscd untouched, then reads DG1 under the new secure
messaging; and PACE with the PIN on the eID applet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.handshakes.pace import open_pace, select_application
from cardwire.sim.applets.eid import DEFAULT_PIN, EID_AID
from cardwire.sim.applets.epassport.config import DEFAULT_CAN
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID, Td3Mrz, dg1_content
from cardwire.transport.pcsc import PcscTransport

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop


@pytest.fixture
def card(pcsc_stack: PcscStack) -> Iterator[Card]:
    with Card(PcscTransport(pcsc_stack.reader)) as session:
        session.reset()  # a fresh card: no session left over from another test
        yield session


def test_pace_with_the_can_then_dg1(card: Card) -> None:
    select_application(card, EPASSPORT_AID)
    card.select(bytes.fromhex("0101"))
    assert card.send(Command(0, 0xB0, 0, 0, ne=4), check=False).sw == 0x6982  # before PACE
    card.secure(open_pace(card, DEFAULT_CAN))
    card.select(bytes.fromhex("0101"))
    assert card.read_file() == dg1_content(Td3Mrz())


def test_pace_with_the_pin_on_the_eid_application(card: Card) -> None:
    select_application(card, EID_AID)
    card.secure(open_pace(card, DEFAULT_PIN, kind="pin"))
    card.select(bytes.fromhex("0104"))
    assert card.read_file() == bytes.fromhex("64070C054552494B41")  # DG4: UTF8String "ERIKA"


# -- the ICAO chip structure, in the order npa-tool and JMRTD use (issue 17 defects 2 and 3) ----


@pytest.mark.parametrize("kind", ["can", "mrz"])
def test_icao_inspection_order_from_reset(card: Card, kind: str) -> None:
    from cardwire.handshakes.bac import MrzInformation
    from cardwire.sm.card_access import parse_card_access

    # npa-tool: READ BINARY with SFI 1C straight after reset (ICAO 9303-11 4.2).
    by_sfi = card.send(Command(0x00, 0xB0, 0x9C, 0x00, ne=256), check=False)
    assert by_sfi.sw in (0x9000, 0x6282) and parse_card_access(by_sfi.data).pace
    # JMRTD: SELECT 011C by file identifier, in the MF.
    card.send(Command(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011C")))
    assert card.read_file() == by_sfi.data
    password = DEFAULT_CAN if kind == "can" else MrzInformation("L898902C<", "690806", "940623")
    session = open_pace(card, password, kind=kind)  # PACE at the MF level
    card.secure(session)
    select_application(card, EPASSPORT_AID)  # under SM, answered under SM
    assert session.active
    card.select(bytes.fromhex("011E"))
    assert card.read_file()[:1] == bytes.fromhex("60")  # EF.COM
    card.select(bytes.fromhex("0101"))
    assert card.read_file() == dg1_content(Td3Mrz())


def test_eid_pin_at_the_mf_then_the_eid_application(card: Card) -> None:
    session = open_pace(card, DEFAULT_PIN, kind="pin")  # PACE with the PIN at MF level
    card.secure(session)
    select_application(card, EID_AID)  # under SM, answered under SM
    assert session.active
    card.select(bytes.fromhex("0104"))
    assert card.read_file() == bytes.fromhex("64070C054552494B41")
