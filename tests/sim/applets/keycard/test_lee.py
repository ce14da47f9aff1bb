"""LOAD KEY P1 04 and EXPORT LEE on the simulated 4.x Keycard (cardwire.sim.applets.keycard.lee)
through cardwire's host side. Known answers: keycard-tech/status-keycard ``KeycardTest.java``
``leeKeysTest`` at a61616a (tests/vectors/keycard_lee.json); the signature is checked with
``cryptography``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.crypto.bip32 import mnemonic_to_seed
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.handshakes import keycard as keycard_io
from cardwire.sim.applets.keycard import keycard_4x_profile
from cardwire.sim.applets.keycard.settings import SIM_TEST_CA_KEY
from cardwire.sim.card import SimCard
from cardwire.sm.keycard import commands
from cardwire.transport.memory import MemoryTransport
from sim.applets.keycard.rig import PIN, SEED_1, rng

TEST_CA = Secp256k1PrivateKey(SIM_TEST_CA_KEY).public_key
# tests/vectors/keycard_lee.json names its source: the applet's own leeKeysTest.
LEE = json.loads((Path(__file__).parents[3] / "vectors" / "keycard_lee.json").read_text())
WORDS, EXPECTED_PUBLIC, EXPECTED_NSK, EXPECTED_VSK = (
    LEE[key] for key in ("mnemonic", "public_key", "nsk", "vsk")
)
SEED = mnemonic_to_seed(WORDS)


def _open(card: Card) -> None:
    info = keycard_io.select_keycard(card)
    keycard_io.open_keycard_v2(card, info, [TEST_CA], rng=rng(4))
    card.send(commands.verify_pin(PIN))


@pytest.fixture
def card4() -> Card:
    card = Card(MemoryTransport(SimCard(keycard_4x_profile(), rng=rng(3))))
    _open(card)
    return card


def test_lee_seed_then_export_lee_and_export_key(card4: Card) -> None:
    key_uid = card4.send(commands.load_lee_seed(SEED)).data
    exported = card4.send(commands.export_lee("m/43'/60'")).data
    keys = commands.parse_lee_keys(exported)
    assert (keys.nsk.hex(), keys.vsk.hex()) == (EXPECTED_NSK, EXPECTED_VSK)
    assert exported[:2] == bytes((0xA1, 2 + 32 + 2 + 64)) and exported[2] == 0x83
    public = commands.parse_exported_key(card4.send(commands.export_key("m/43'/60'")).data)
    assert public.public_key.hex() == EXPECTED_PUBLIC
    # The key UID is SHA-256 of the (untweaked) signing master's public key.
    master = commands.parse_exported_key(card4.send(commands.export_key("m")).data)
    assert key_uid == hashlib.sha256(master.public_key).digest()
    # SIGN at the path signs with the tweaked key (the one EXPORT KEY gives).
    digest = hashlib.sha256(b"LEE").digest()
    signed = card4.send(commands.sign(digest, "m/43'/60'")).data
    signer, signature = commands.parse_signature(signed)
    assert signer.hex() == EXPECTED_PUBLIC
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), signer)
    point.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))


def test_select_shows_lee_mode_until_another_key_is_loaded(card4: Card) -> None:
    card4.send(commands.load_lee_seed(SEED))
    card4.secure(None)
    assert keycard_io.select_keycard(card4).lee_mode
    _open(card4)
    card4.send(commands.load_seed(SEED_1))  # LOAD KEY P1 03 leaves LEE mode
    assert card4.send(commands.export_lee(), check=False).sw == 0x6985
    card4.secure(None)
    assert not keycard_io.select_keycard(card4).lee_mode


def test_export_lee_preconditions_and_refusals(card4: Card) -> None:
    assert card4.send(commands.export_lee(), check=False).sw == 0x6985  # not in LEE mode
    card4.send(commands.load_lee_seed(SEED))
    bad_path = Command(0x80, 0xC3, 0, 0, bytes(5))
    assert card4.send(bad_path, check=False).sw == 0x6A80
    assert card4.send(Command(0x80, 0xD0, 0x04, 0, bytes(15)), check=False).sw == 0x6A80
    master = commands.parse_lee_keys(card4.send(commands.export_lee()).data)  # path m
    assert master != commands.parse_lee_keys(card4.send(commands.export_lee("m/0")).data)


def test_lee_state_is_saved(tmp_path: Path) -> None:
    state = tmp_path / "card.yaml"
    card = Card(MemoryTransport(SimCard(keycard_4x_profile(), state_path=state, rng=rng(3))))
    _open(card)
    card.send(commands.load_lee_seed(SEED))
    again = Card(MemoryTransport(SimCard(state_path=state, rng=rng(5))))
    _open(again)
    keys = commands.parse_lee_keys(again.send(commands.export_lee("m/43'/60'")).data)
    assert keys.nsk.hex() == EXPECTED_NSK


def test_the_3_1_card_has_no_lee(seeded: Card) -> None:
    assert seeded.send(Command(0x80, 0xD0, 0x04, 0, SEED), check=False).sw == 0x6A86
    assert seeded.send(commands.export_lee(), check=False).sw == 0x6D00


def test_host_refusals() -> None:
    from cardwire.errors import DecodeError, UsageError

    with pytest.raises(UsageError, match="starts at m"):
        commands.export_lee("./1")
    with pytest.raises(UsageError, match="16 to 64"):
        commands.load_lee_seed(bytes(8))
    with pytest.raises(DecodeError, match="EXPORT LEE"):
        commands.parse_lee_keys(bytes.fromhex("A1228420") + bytes(32))
