"""An SCP03 session over the real PC/SC stack: cardwire's host (Card over PcscTransport) against
the simulated card's Security Domain behind pcscd + vpcd (fixture in conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from cardwire import gp
from cardwire.card import Card
from cardwire.handshakes.scp03 import open_scp03
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sm.scp03 import StaticKeys
from cardwire.transport.pcsc import PcscTransport

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

ECHO_AID = bytes.fromhex("F0636172647769726503")


@pytest.fixture
def card(pcsc_stack: PcscStack) -> Iterator[Card]:
    with Card(PcscTransport(pcsc_stack.reader)) as session:
        session.reset()
        yield session


@pytest.mark.parametrize(("level", "s16"), [(0x33, False), (0x13, True), (0x01, False)])
def test_scp03_session_lists_applets(card: Card, level: int, s16: bool) -> None:
    card.select(DEFAULT_AID)
    card.secure(open_scp03(card, StaticKeys.default(), level=level, s16=s16))
    entries = gp.read_status(
        lambda command: card.send(command, check=False), gp.StatusScope.APPLICATIONS
    )
    assert ECHO_AID in {entry.aid for entry in entries}
    infos = gp.parse_key_information(card.send(gp.get_data(0xE0)).data)
    assert (0x30, 16) in {(info.kvn, info.length) for info in infos}


def test_scp03_on_a_logical_channel_and_a_reset_ends_it(card: Card) -> None:
    channel = card.open_channel()
    channel.select(DEFAULT_AID)
    session = open_scp03(channel, StaticKeys.default())
    channel.secure(session)
    assert gp.parse_key_information(channel.send(gp.get_data(0xE0)).data)
    card.reset()
    assert not session.active
