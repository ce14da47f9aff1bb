"""The 4.x Keycard profile (cardwire.sim.applets.keycard.channel_v2): Secure Channel V2 host
against card, the Identity Certificate from the simulator test CA, INIT inside the channel."""

from __future__ import annotations

import pytest

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import CryptogramError, SessionClosedError
from cardwire.handshakes import keycard as keycard_io
from cardwire.sim.applets.keycard import keycard_4x_profile
from cardwire.sim.applets.keycard.settings import SIM_TEST_CA_KEY
from cardwire.sim.card import SimCard
from cardwire.sm.keycard import commands
from cardwire.sm.keycard.v2 import KeycardV2Session
from cardwire.transport.memory import MemoryTransport
from sim.applets.keycard.rig import PIN, SEED_1, rng

TEST_CA = Secp256k1PrivateKey(SIM_TEST_CA_KEY).public_key


@pytest.fixture
def card4() -> Card:
    return Card(MemoryTransport(SimCard(keycard_4x_profile(), rng=rng(3))))


def _open(card: Card) -> KeycardV2Session:
    info = keycard_io.select_keycard(card)
    assert info.secure_channel_v2 and len(info.certificate) == 98
    return keycard_io.open_keycard_v2(card, info, [TEST_CA], rng=rng(4))


def test_v2_channel_runs_the_applet_commands(card4: Card) -> None:
    session = _open(card4)
    card4.send(commands.verify_pin(PIN))
    card4.send(commands.load_seed(SEED_1))
    status = commands.parse_status(card4.send(commands.get_status()).data)
    assert (status.pin_tries, status.key_initialized) == (3, True)
    assert session.active


def test_v2_has_no_pairing(card4: Card) -> None:
    info = keycard_io.select_keycard(card4)
    assert info.free_slots is None and info.status is not None and info.status & 0x10
    assert card4.send(Command(0x80, 0x12, 0, 0, bytes(32)), check=False).sw == 0x6D00


def test_an_untrusted_ca_is_refused(card4: Card) -> None:
    info = keycard_io.select_keycard(card4)
    other = Secp256k1PrivateKey.generate(rng(9)).public_key
    with pytest.raises(CryptogramError, match="trusted"):
        keycard_io.open_keycard_v2(card4, info, [other])
    identity = info.certificate[:33]  # a trusted Identity Key is enough
    keycard_io.open_keycard_v2(card4, info, [], [identity], rng=rng(5))


def test_a_plain_command_ends_the_v2_channel(card4: Card) -> None:
    session = _open(card4)
    card4.secure(None)  # the host drops the channel; the card still has it
    assert card4.send(commands.get_status(), check=False).sw == 0x6982
    assert not session.active  # secure(None) closed the host side
    # The card's channel is gone: a SECURED APDU now finds none (6982, never 9000).
    assert card4.send(Command(0x80, 0x18, 0, 0, bytes(16)), check=False).sw == 0x6982


def test_a_forged_secured_apdu_gets_6982_and_the_channel_is_gone(card4: Card) -> None:
    session = _open(card4)
    wire = session.protect(commands.get_status())
    card4.secure(None)
    forged = Command(0x80, 0x18, 0, 0, bytes(len(wire.data)))
    assert card4.send(forged, check=False).sw == 0x6982
    assert card4.send(wire, check=False).sw == 0x6982  # the genuine one comes too late


def test_init_inside_the_v2_channel(card4: Card) -> None:
    _open(card4)
    card4.send(commands.verify_pin(PIN))
    card4.secure(None)
    keycard_io.select_keycard(card4)
    card4.send(commands.factory_reset())
    blank = keycard_io.select_keycard(card4)
    assert not blank.initialized
    keycard_io.open_keycard_v2(card4, blank, [TEST_CA], rng=rng(6))
    card4.send(Command(0x80, 0xFE, 0, 0, b"654321" + b"210987654321" + bytes((4, 6))))
    after = keycard_io.select_keycard(card4)
    assert after.initialized and after.instance_uid != blank.instance_uid
    keycard_io.open_keycard_v2(card4, after, [TEST_CA], rng=rng(7))
    card4.send(commands.verify_pin("654321"))
    assert commands.parse_status(card4.send(commands.get_status()).data).pin_tries == 4


def test_the_host_session_refuses_to_send_after_6982(card4: Card) -> None:
    session = _open(card4)
    card4.send(Command(0x00, 0xA4, 0x04, 0x00, bytes.fromhex("A00000080400010101")))
    assert not session.active
    with pytest.raises(SessionClosedError):
        session.protect(commands.get_status())


def test_ndef_in_pieces_and_segments_on_4x(card4: Card) -> None:
    # PyPI SDK store_data.py / get_data.py: P2 = offset / 4 on 3.2+ (write) and 4.0+ (read).
    _open(card4)
    card4.send(commands.verify_pin(PIN))
    ndef = (298).to_bytes(2, "big") + bytes(range(256)) + bytes(42)
    card4.send(Command(0x80, 0xE2, 0x01, 0x00, ndef[:220]))
    card4.send(Command(0x80, 0xE2, 0x01, 220 // 4, ndef[220:]))
    first = card4.send(Command(0x80, 0xCA, 0x01, 0x00)).data
    rest = card4.send(Command(0x80, 0xCA, 0x01, len(first) // 4)).data
    assert first + rest == ndef and len(first) == 240
    assert card4.send(Command(0x80, 0xE2, 0x01, 0x7F, b"x"), check=False).sw == 0x6A80
