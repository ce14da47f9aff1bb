"""The ICAO chip structure of the default card (issue 17 defect 2) and the SELECT rule of
cardwire.sm.selection (defect 3), driven by cardwire's host in the order npa-tool and JMRTD use:
after reset READ BINARY with SFI 1C, SELECT 011C by identifier, PACE at the MF level, SELECT of
the eMRTD (or eID) application under secure messaging, reads under secure messaging."""

from __future__ import annotations

import pytest

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.handshakes.bac import MrzInformation, open_bac
from cardwire.handshakes.pace import open_pace, select_application
from cardwire.sim.applets.eid import DEFAULT_PIN, DEFAULT_PUK, EID_AID
from cardwire.sim.applets.epassport.config import DEFAULT_CAN
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.card import SimCard
from cardwire.sm.card_access import parse_card_access
from cardwire.tlv import parse
from cardwire.transport.memory import MemoryTransport

h = bytes.fromhex
SPECIMEN = MrzInformation("L898902C<", "690806", "940623")
EF_COM, DG1 = h("011E"), h("0101")


@pytest.fixture
def card() -> Card:
    return Card(MemoryTransport(SimCard()))


def test_card_access_by_sfi_straight_after_reset() -> None:
    # npa-tool: 00 B0 9C 00 00 before any SELECT (ICAO 9303-11 4.2).
    sim = SimCard()
    answer = sim.process(h("00B09C0000"))
    assert answer[-2:] in (h("9000"), h("6282"))
    assert parse_card_access(answer[:-2]).pace


def test_master_file_selects(card: Card) -> None:
    assert card.send(Command.decode(h("00A4000C023F00"))).sw == 0x9000  # SELECT MF by identifier
    assert card.send(Command.decode(h("00A4000C"))).sw == 0x9000  # P1 00, empty data: the MF
    card.send(Command.decode(h("00A4020C02011C")))  # JMRTD: EF.CardAccess by file identifier
    assert parse_card_access(card.read_file()).pace


def test_ef_dir_lists_the_applications(card: Card) -> None:
    card.send(Command.decode(h("00A4000C022F00")))
    templates = parse(card.read_file())  # ISO 7816-4 8.2.1.1: templates 61
    assert {t.tag for t in templates} == {0x61}
    aids = {next(c.value for c in t.children if c.tag == 0x4F) for t in templates}
    assert {EPASSPORT_AID, EID_AID} <= aids
    assert all(any(c.tag == 0x50 for c in t.children) for t in templates)


def test_ef_atr_info_in_the_mf(card: Card) -> None:
    card.send(Command.decode(h("00A4000C022F01")))
    tags = {t.tag for t in parse(card.read_file())}
    assert {0x47, 0x7F66} <= tags


@pytest.mark.parametrize("kind", ["can", "mrz"])
def test_pace_at_mf_then_emrtd_under_sm(card: Card, kind: str) -> None:
    password = DEFAULT_CAN if kind == "can" else SPECIMEN
    card.read_file(sfi=0x1C)
    session = open_pace(card, password, kind=kind)
    card.secure(session)
    select_application(card, EPASSPORT_AID)  # protected, answered protected (defect 3)
    assert session.active
    card.send(Command.decode(h("00A4020C02") + EF_COM))
    assert card.read_binary(0, 2)[:1] == h("60")
    card.send(Command.decode(h("00A4020C02") + DG1))
    assert card.read_binary(0, 1) == h("61")


def test_protected_select_is_answered_protected_on_the_wire() -> None:
    # npa-tool / JMRTD sendSelectApplet(true): 0C A4 04 0C .. 87 .. 8E .. must get SM objects.
    sim = SimCard()
    session = open_pace(Card(MemoryTransport(sim)), DEFAULT_CAN, kind="can")
    wire = session.protect(Command(0x00, 0xA4, 0x04, 0x0C, EPASSPORT_AID))
    answer = Response.decode(sim.process(wire.encode()))
    assert answer.data[:1] in (h("99"), h("8E"))  # SM data objects, not a plain 9000
    assert session.unprotect(answer).sw == 0x9000
    assert session.active


def test_eid_pace_with_pin_at_mf_then_eid_under_sm(card: Card) -> None:
    card.secure(open_pace(card, DEFAULT_PIN, kind="pin"))
    select_application(card, EID_AID)
    card.send(Command.decode(h("00A4020C020101")))
    assert card.read_binary(0, 1) == h("61")
    # The eID's PIN management sees the MF-level PACE: RESET RETRY COUNTER with a new PIN.
    assert card.send(Command.decode(h("002C020306") + b"111111")).sw == 0x9000


def test_eid_puk_at_mf_unblocks_pin(card: Card) -> None:
    card.secure(open_pace(card, DEFAULT_PUK, kind="puk"))
    select_application(card, EID_AID)
    assert card.send(Command.decode(h("002C0303"))).sw == 0x9000


def test_bac_reselect_of_same_application_keeps_session(card: Card) -> None:
    select_application(card, EPASSPORT_AID)
    card.secure(open_bac(card, SPECIMEN))
    select_application(card, EPASSPORT_AID)
    card.send(Command.decode(h("00A4020C02") + DG1))
    assert card.read_binary(0, 1) == h("61")
