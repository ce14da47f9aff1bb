"""The one way to open a secure session (``cardwire.handshakes``): every ``open_*`` installs the
session on the card or channel it ran on, returns it, and the session is refused elsewhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cardwire import commands
from cardwire.card import Card, CardCommands
from cardwire.commands import SelectReturn
from cardwire.errors import UsageError
from cardwire.handshakes import keycard as keycard_io
from cardwire.handshakes.bac import open_bac
from cardwire.handshakes.counter import open_counter
from cardwire.handshakes.pace import open_pace, select_application
from cardwire.handshakes.scp03 import open_scp03
from cardwire.sim import open_card
from cardwire.sim.applets.epassport.config import DEFAULT_CAN
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sm import keycard
from cardwire.sm.base import HostSecureSession
from cardwire.sm.scp03 import StaticKeys

SPECIMEN = "L898902C<,690806,940623"  # the default ePassport's MRZ (ICAO 9303-11 D.2)
DEMO_1 = bytes.fromhex("F0636172647769726501")
KENC = bytes.fromhex("00112233445566778899AABBCCDDEEFF")  # docs/simulator.md defaults
KMAC = bytes.fromhex("8899AABBCCDDEEFF0011223344556677")


def bac(target: CardCommands) -> HostSecureSession:
    target.select(EPASSPORT_AID)
    return open_bac(target, SPECIMEN)


def pace(target: CardCommands) -> HostSecureSession:
    select_application(target, EPASSPORT_AID)
    return open_pace(target, DEFAULT_CAN)


def scp03(target: CardCommands) -> HostSecureSession:
    target.select(DEFAULT_AID)
    return open_scp03(target, StaticKeys.default())


def counter(target: CardCommands) -> HostSecureSession:
    target.send(commands.select_by_aid(DEMO_1, fci=SelectReturn.NONE))
    return open_counter(target, suite="aes", kenc=KENC, kmac=KMAC)


def keycard_channel(target: CardCommands) -> HostSecureSession:
    info = keycard_io.select_keycard(target)
    pairing = keycard_io.pair(target, keycard.pairing_secret(keycard.DEFAULT_PAIRING_PASSWORD))
    assert info.public_key is not None
    return keycard_io.open_keycard(target, pairing, info.public_key)


HANDSHAKES: dict[str, Callable[[CardCommands], HostSecureSession]] = {
    "bac": bac,
    "pace": pace,
    "scp03": scp03,
    "counter": counter,
    "keycard": keycard_channel,
}


# The simulated Keycard applet answers on the basic channel only (its CLA 80 carries no channel).
PLACES = [(name, False) for name in HANDSHAKES] + [(n, True) for n in HANDSHAKES if n != "keycard"]


@pytest.mark.parametrize(("name", "on_channel"), PLACES)
def test_open_installs_on_the_channel_it_ran_on(name: str, on_channel: bool) -> None:
    card = open_card()
    other: CardCommands = card.open_channel()
    target: CardCommands = card
    if on_channel:
        target, other = other, card
    session = HANDSHAKES[name](target)
    assert target.session is session and session.active
    assert other.session is None
    target.secure(session)  # installing the installed session again changes nothing
    assert target.session is session and session.active


@pytest.mark.parametrize("name", HANDSHAKES)
def test_a_session_is_refused_on_another_channel(name: str) -> None:
    card = open_card()
    channel = card.open_channel()
    session = HANDSHAKES[name](card)
    with pytest.raises(UsageError, match="belongs to logical channel 0"):
        channel.secure(session)
    assert channel.session is None and card.session is session and session.active


def test_a_session_built_without_a_handshake_binds_on_first_install() -> None:
    card = open_card()
    channel = card.open_channel()
    scp03(card)
    session = card.session
    assert session is not None
    card.secure(None, close_previous=False)
    with pytest.raises(UsageError, match="channel 0"):
        channel.secure(session)
    assert isinstance(card, Card)
