"""open_scp03 over a Card and a Channel on the simulated card (GP Amendment D 7.1)."""

from __future__ import annotations

import pytest

from cardwire import gp
from cardwire.card import Card
from cardwire.errors import CryptogramError, StatusError, UsageError
from cardwire.handshakes.scp03 import open_scp03
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sim.card import SimCard
from cardwire.sm.scp03 import Mode, StaticKeys
from cardwire.trace.recorder import TraceRecorder
from cardwire.transport.memory import MemoryTransport

CHALLENGE = bytes.fromhex("0011223344556677")


def traced_card() -> Card:
    card = Card(MemoryTransport(SimCard()), trace=True)
    card.select(DEFAULT_AID)
    return card


def test_handshake_commands_and_the_injected_challenge() -> None:
    card = traced_card()
    assert isinstance(card.trace, TraceRecorder)
    session = open_scp03(card, StaticKeys.default(), level=0x13, host_challenge=CHALLENGE)
    init, auth = (exchange.command for exchange in card.trace.trace().exchanges[-2:])
    # GP Amendment D 7.1.1: 80 50 kvn 00 08 challenge 00; 7.1.2: 84 82 level 00 10 ...
    assert init == bytes.fromhex("8050300008") + CHALLENGE + b"\x00"
    assert auth[:5] == bytes.fromhex("8482130010")
    assert session.active and session.level == 0x13 and session.mode is Mode.S8


def test_session_on_a_logical_channel_uses_its_class_byte() -> None:
    card = Card(MemoryTransport(SimCard()), trace=True)
    channel = card.open_channel()
    channel.select(DEFAULT_AID)
    session = open_scp03(channel, StaticKeys.default(), s16=True)
    channel.secure(session)
    assert card.trace is not None
    init, auth = (exchange.command for exchange in card.trace.trace().exchanges[-2:])
    # GP Card Spec v2.3 11.1.4: CLA 80-83 carry channels 0-3; 84-87 with secure messaging.
    assert (init[0], auth[0]) == (0x80 | channel.number, 0x84 | channel.number)
    assert gp.parse_key_information(channel.send(gp.get_data(0xE0)).data)


def test_wrong_keys_raise_cryptogram_error() -> None:
    wrong = StaticKeys(bytes(16), bytes(16), bytes(16), 0x30)
    with pytest.raises(CryptogramError, match="probably wrong"):
        open_scp03(traced_card(), wrong)


def test_unknown_key_version_is_the_cards_refusal() -> None:
    with pytest.raises(StatusError) as refused:
        open_scp03(traced_card(), StaticKeys.default(0x55))
    assert refused.value.sw == 0x6A88


def test_challenge_length_must_match_the_mode() -> None:
    with pytest.raises(UsageError):
        open_scp03(traced_card(), StaticKeys.default(), s16=True, host_challenge=CHALLENGE)


def test_an_installed_session_is_replaced() -> None:
    card = traced_card()
    first = open_scp03(card, StaticKeys.default())
    card.secure(first)
    second = open_scp03(card, StaticKeys.default(), level=0x01)
    assert not first.active and second.active
