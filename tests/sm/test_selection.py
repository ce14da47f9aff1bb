"""The SELECT rule of cardwire.sm.selection (issue 17 defect 3), host and simulated card
together: which SELECT by AID keeps which session (docs/secure-messaging.md)."""

from __future__ import annotations

import pytest

from cardwire import commands
from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.errors import SecureChannelError, SessionClosedError
from cardwire.handshakes.bac import MrzInformation, open_bac
from cardwire.handshakes.pace import open_pace, select_application
from cardwire.handshakes.scp03 import open_scp03
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.card import SimCard
from cardwire.sm.scp03 import StaticKeys
from cardwire.sm.selection import SessionScope, card_keeps_session, is_application_select
from cardwire.transport.memory import MemoryTransport

SD = bytes.fromhex("A000000151000000")
FILE_SYSTEM = bytes.fromhex("F0636172647769726500")
SPECIMEN = MrzInformation("L898902C<", "690806", "940623")


@pytest.mark.parametrize(
    ("scope", "same", "chip", "kept"),
    [
        (SessionScope.CHIP, False, True, True),  # PACE: an ICAO application
        (SessionScope.CHIP, False, False, False),  # PACE: an application outside ICAO's
        (SessionScope.APPLICATION, True, True, True),  # BAC: the same application again
        (SessionScope.APPLICATION, False, True, False),  # BAC: another application
        (SessionScope.SELECTION, True, True, False),  # SCP03 / Keycard: any SELECT by AID
    ],
)
def test_card_rule_table(scope: SessionScope, same: bool, chip: bool, kept: bool) -> None:
    keeps = card_keeps_session(scope, secured=True, same_application=same, takes_chip_session=chip)
    assert keeps is kept
    assert not card_keeps_session(
        scope, secured=False, same_application=same, takes_chip_session=chip
    )


def test_only_select_by_df_name_counts() -> None:
    assert is_application_select(Command(0x00, 0xA4, 0x04, 0x0C, SD))
    assert not is_application_select(Command(0x00, 0xA4, 0x00, 0x0C, b"\x3f\x00"))
    assert not is_application_select(Command(0x80, 0xA4, 0x04, 0x00, SD))


@pytest.mark.parametrize("target", [FILE_SYSTEM, SD])
def test_scp03_select_goes_plain_and_ends_the_session_with_a_clear_message(target: bytes) -> None:
    # GP Card Spec v2.3 10.2.3: deselecting the Security Domain ends the session; a re-SELECT of
    # the Security Domain itself deselects it too (cardwire's decision, docs/secure-messaging.md).
    sim = SimCard()
    card = Card(MemoryTransport(sim))
    card.send(commands.select_by_aid(SD))
    card.secure(open_scp03(card, StaticKeys.default(), level=0x33))
    answer = card.send(commands.select_by_aid(target, fci=commands.SelectReturn.NONE))
    assert answer.sw == 0x9000  # answered, never "R-MAC does not verify"
    with pytest.raises(SessionClosedError, match="SELECT by AID ended the secure channel"):
        card.send(commands.get_challenge(8))
    card.secure(None)  # the caller's explicit choice: plain again
    assert card.send(commands.select_by_aid(FILE_SYSTEM)).sw == 0x9000


def test_pace_session_survives_selecting_the_emrtd() -> None:
    card = Card(MemoryTransport(SimCard()))
    session = open_pace(card, "123456", kind="can")
    card.secure(session)
    select_application(card, EPASSPORT_AID)
    assert session.active


def test_bac_select_of_another_application_is_refused_by_the_host() -> None:
    # The card ends BAC when another application is selected and answers plain: the host never
    # accepts a plain answer to a protected command (a stripping attacker produces one).
    card = Card(MemoryTransport(SimCard()))
    select_application(card, EPASSPORT_AID)
    session = open_bac(card, SPECIMEN)
    card.secure(session)
    select_application(card, EPASSPORT_AID)  # the same application: kept, answered under SM
    assert session.active
    with pytest.raises(SecureChannelError):
        select_application(card, FILE_SYSTEM)
    assert not session.active
