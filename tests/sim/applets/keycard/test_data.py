"""STORE DATA, GET DATA, FACTORY RESET and INIT of the simulated Keycard applet
(cardwire.sim.applets.keycard.data), host against card (Keycard docs, keycard.tech/docs/apdu)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.errors import StatusError
from cardwire.handshakes import keycard as keycard_io
from cardwire.sim.card import SimCard
from cardwire.sm.keycard import commands
from cardwire.transport.memory import MemoryTransport
from sim.applets.keycard.rig import DEFAULT_SECRET, PIN, SEED_1, open_channel, rng


@pytest.mark.parametrize("slot", ["public", "ndef", "cash"])
def test_store_then_get_data_in_each_slot(card: Card, slot: str) -> None:
    payload = bytes(range(127))  # Keycard docs: at most 127 bytes
    card.send(commands.store_data(slot, payload))
    assert card.send(commands.get_data(slot)).data == payload


def test_get_data_works_plain_without_a_channel(card: Card) -> None:
    card.send(commands.store_data("public", b"hello"))
    keycard_io.select_keycard(card)  # the channel ends
    assert card.send(commands.get_data("public")).data == b"hello"


def test_store_data_refusals(card: Card) -> None:
    assert card.send(commands.store_data("public", bytes(128)), check=False).sw == 0x6A80
    assert card.send(Command(0x80, 0xE2, 0x03, 0x00, b"x"), check=False).sw == 0x6A86
    open_channel(card, pin=None)
    assert card.send(commands.store_data("public", b"x"), check=False).sw == 0x6985


def test_factory_reset_then_init(card: Card) -> None:
    card.send(commands.load_seed(SEED_1))
    before = keycard_io.select_keycard(card)
    assert card.send(Command(0x80, 0xFD, 0x00, 0x00), check=False).sw == 0x6A86
    card.send(commands.factory_reset())  # plain, no PIN (Keycard docs)
    blank = keycard_io.select_keycard(card)
    assert not blank.initialized and blank.public_key == before.public_key
    # A pre-initialised card knows SELECT and INIT only.
    assert card.send(Command(0x80, 0x12, 0x00, 0x00, bytes(32)), check=False).sw == 0x6D00
    card.send(commands.init(blank.public_key, "654321", "210987654321", DEFAULT_SECRET, rng=rng(5)))
    after = keycard_io.select_keycard(card)
    assert after.initialized and after.instance_uid != before.instance_uid
    assert after.key_uid == b"" and after.free_slots == 5
    open_channel(card, pin=None)
    assert card.send(commands.verify_pin(PIN), check=False).sw == 0x63C2
    card.send(commands.verify_pin("654321"))
    assert commands.parse_status(card.send(commands.get_status()).data) == commands.Status(
        3, 5, False
    )


def test_init_with_retry_counts(card: Card) -> None:
    card.send(commands.factory_reset())
    blank = keycard_io.select_keycard(card)
    card.send(
        commands.init(
            blank.public_key,
            PIN,
            "123456789012",
            DEFAULT_SECRET,
            pin_tries=5,
            puk_tries=7,
            rng=rng(6),
        )
    )
    open_channel(card)
    assert commands.parse_status(card.send(commands.get_status()).data).pin_tries == 5


def test_init_is_refused_once_initialised_and_garbage_is_6a80(card: Card) -> None:
    info = keycard_io.select_keycard(card)
    again = commands.init(info.public_key, PIN, "123456789012", DEFAULT_SECRET, rng=rng(7))
    with pytest.raises(StatusError) as caught:
        card.send(again)
    assert caught.value.sw == 0x6D00  # Keycard docs, INIT: gone once initialised
    card.send(commands.factory_reset())
    assert card.send(Command(0x80, 0xFE, 0, 0, b"\x41" + bytes(40)), check=False).sw == 0x6A80


def test_init_survives_in_the_state_file(card: Card, state_path: Path) -> None:
    card.send(commands.factory_reset())
    blank = keycard_io.select_keycard(card)
    card.send(commands.init(blank.public_key, PIN, "123456789012", DEFAULT_SECRET, rng=rng(8)))
    again = Card(MemoryTransport(SimCard(state_path=state_path, rng=rng(9))))
    assert keycard_io.select_keycard(again).initialized
    open_channel(again)


def test_identify_card_answers_a_certificate_the_sdk_accepts(card: Card) -> None:
    from keycard.parsing.identity import parse as sdk_parse

    from cardwire.crypto.bip32 import compressed_public_key
    from cardwire.sim.applets.keycard.settings import SIM_TEST_CA_KEY

    keycard_io.select_keycard(card)  # IDENTIFY CARD travels plain
    challenge = bytes(range(32))
    answer = card.send(Command(0x80, 0x14, 0x00, 0x00, challenge)).data
    # The SDK's own parser verifies the signature and recovers the CA key.
    assert sdk_parse(challenge, answer) == compressed_public_key(SIM_TEST_CA_KEY)
    assert card.send(Command(0x80, 0x14, 0x00, 0x00, bytes(31)), check=False).sw == 0x6A80
