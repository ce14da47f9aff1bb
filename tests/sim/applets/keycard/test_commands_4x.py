"""The applet 4.x-only commands of the simulated Keycard (cardwire.sim.applets.keycard.
commands_4x) over Secure Channel V2: GET CHALLENGE, ECDH, EXPORT BIP85 (bip-0085 test case 1),
SIGN from the master with ECDSA or BIP-340 Schnorr with a tweak (verified with
cardwire.crypto.bip340, itself checked against bip-0340's vectors)."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.crypto import bip340
from cardwire.crypto.bip32 import HARDENED, derive_path, encode_path, master_key, parse_path
from cardwire.crypto.secp256k1 import CURVE_ORDER, Secp256k1PrivateKey
from cardwire.handshakes import keycard as keycard_io
from cardwire.sim.applets.keycard import keycard_4x_profile
from cardwire.sim.applets.keycard.settings import SIM_TEST_CA_KEY
from cardwire.sim.card import SimCard
from cardwire.sm.keycard import commands
from cardwire.tlv import parse_one
from cardwire.transport.memory import MemoryTransport
from sim.applets.keycard.rig import PIN, SEED_1, rng

TEST_CA = Secp256k1PrivateKey(SIM_TEST_CA_KEY).public_key
DIGEST = hashlib.sha256(b"4.x").digest()
# bip-0085.mediawiki, test case 1: the master key, the path, the derived key and the entropy.
BIP85_XPRV = (
    "xprv9s21ZrQH143K2LBWUUQRFXhucrQqBpKdRRxNVq2zBqsx8HVqFk2uYo8kmbaLLHRdqtQpUm98uKfu3vca1Lqd"
    "GhUtyoFnCNkfmXRyPXLjbKb"
)
BIP85_ENTROPY = (
    "efecfbccffea313214232d29e71563d941229afb4338c21f9517c41aaa0d16f0"
    "0b83d2a09ef747e7a64e8e2bd5a14869e693da66ce94ac2da570ab7ee48618f7"
)
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _xprv(text: str) -> tuple[bytes, bytes]:
    """(chain code, private key) of a BIP-32 extended private key (Base58Check, 78 bytes)."""
    value = 0
    for char in text:
        value = value * 58 + _B58.index(char)
    raw = value.to_bytes(82, "big")
    assert hashlib.sha256(hashlib.sha256(raw[:78]).digest()).digest()[:4] == raw[78:]
    return raw[13:45], raw[46:78]


@pytest.fixture
def card4() -> Card:
    card = Card(MemoryTransport(SimCard(keycard_4x_profile(), rng=rng(3))))
    info = keycard_io.select_keycard(card)
    keycard_io.open_keycard_v2(card, info, [TEST_CA], rng=rng(4))
    card.send(commands.verify_pin(PIN))
    card.send(commands.load_seed(SEED_1))
    return card


def _sign(card: Card, p1: int, p2: int, data: bytes) -> tuple[bytes, bytes]:
    template = parse_one(card.send(Command(0x80, 0xC0, p1, p2, data)).data)
    public, signature = template.children
    return public.value, signature.value


def test_get_challenge_inside_the_channel_only(card4: Card) -> None:
    assert len(card4.send(Command(0x80, 0x84, 48, 0x00)).data) == 48
    assert card4.send(Command(0x80, 0x84, 0, 0x00), check=False).sw == 0x6A86
    card4.secure(None)
    keycard_io.select_keycard(card4)
    assert card4.send(Command(0x80, 0x84, 16, 0x00), check=False).sw == 0x6982


def test_ecdh_with_a_key_under_eip1581(card4: Card) -> None:
    peer = ec.generate_private_key(ec.SECP256K1())
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    peer_public = peer.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    _, path = parse_path("m/43'/60'/1581'/0'/0")
    shared = card4.send(Command(0x80, 0xC5, 0x01, 0x00, peer_public + encode_path(path))).data
    mine = derive_path(master_key(SEED_1), path).private_key
    assert shared == Secp256k1PrivateKey(mine).shared_secret(peer_public)
    _, wallet = parse_path("m/44'/60'/0'/0/0")  # not an ECDH path: refused
    refused = Command(0x80, 0xC5, 0x01, 0x00, peer_public + encode_path(wallet))
    assert card4.send(refused, check=False).sw == 0x6A80


def test_export_bip85_test_case_1(card4: Card) -> None:
    chain_code, private_key = _xprv(BIP85_XPRV)
    card4.send(commands.load_key_pair(private_key, chain_code))
    path = encode_path((HARDENED | 83696968, HARDENED, HARDENED))
    assert card4.send(Command(0x80, 0xC4, 64, 0x00, path)).data.hex() == BIP85_ENTROPY
    assert card4.send(Command(0x80, 0xC4, 16, 0x00, path)).data.hex() == BIP85_ENTROPY[:32]
    not_hardened = encode_path((HARDENED | 83696968, 0))
    assert card4.send(Command(0x80, 0xC4, 16, 0x00, not_hardened), check=False).sw == 0x6A80


@pytest.mark.parametrize("tweak", [bytes(32), hashlib.sha256(b"taproot").digest()])
def test_schnorr_sign_with_a_tweak(card4: Card, tweak: bytes) -> None:
    path = (HARDENED | 86, HARDENED, HARDENED, 0, 0)
    public, signature = _sign(card4, 0x01, 0x03, DIGEST + tweak + encode_path(path))
    key = derive_path(master_key(SEED_1), path).private_key
    assert public == Secp256k1PrivateKey(key).public_key  # the untweaked key
    tweaked = (int.from_bytes(key, "big") + int.from_bytes(tweak, "big")) % CURVE_ORDER
    bip340.verify(bip340.x_only(tweaked), DIGEST, signature)


def test_4x_signs_from_the_master_only(card4: Card) -> None:
    public, _ = _sign(card4, 0x01, 0x00, DIGEST)  # DERIVE with an empty path: the master
    assert public == Secp256k1PrivateKey(master_key(SEED_1).private_key).public_key
    for p1 in (0x00, 0x02, 0x81):  # current key, derive-and-make-current, from the current
        assert card4.send(Command(0x80, 0xC0, p1, 0x00, DIGEST), check=False).sw == 0x6A86
