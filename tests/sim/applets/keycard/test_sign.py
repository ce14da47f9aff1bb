"""SIGN and SET PINLESS PATH of the simulated Keycard applet (cardwire.sim.applets.keycard.sign),
host against card: signatures verified by cardwire and by ``cryptography``, low S (BIP-62), the
signing keys checked against bip-0032.mediawiki "Test vector 1"."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.crypto.secp256k1 import CURVE_ORDER, Secp256k1PrivateKey, verify_digest
from cardwire.sm.keycard import commands
from sim.applets.keycard.rig import open_channel

DIGEST = hashlib.sha256(b"cardwire keycard").digest()
# bip-0032.mediawiki, Test vector 1: private keys of m and m/0H/1/2H.
M_PRIVATE = "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"
M_0H_1_2H = "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca"


def _public(private_hex: str) -> bytes:
    return Secp256k1PrivateKey(bytes.fromhex(private_hex)).public_key


def _check(public_key: bytes, signature: bytes) -> None:
    verify_digest(public_key, DIGEST, signature)  # cardwire
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), public_key)
    key.verify(signature, DIGEST, ec.ECDSA(Prehashed(hashes.SHA256())))  # cryptography
    _, s = decode_dss_signature(signature)
    assert s <= CURVE_ORDER // 2  # low S (BIP-62 / EIP-2)


def _sign(card: Card, command: Command) -> bytes:
    public_key, signature = commands.parse_signature(card.send(command).data)
    _check(public_key, signature)
    return public_key


def test_sign_with_the_current_key(seeded: Card) -> None:
    assert _sign(seeded, commands.sign(DIGEST)) == _public(M_PRIVATE)


def test_sign_with_a_derived_key_keeps_the_current_path(seeded: Card) -> None:
    assert _sign(seeded, commands.sign(DIGEST, "m/0'/1/2'")) == _public(M_0H_1_2H)
    assert seeded.send(commands.get_status(key_path=True)).data == b""


def test_sign_derive_and_make_current(seeded: Card) -> None:
    assert _sign(seeded, commands.sign(DIGEST, "m/0'/1/2'", make_current=True)) == _public(
        M_0H_1_2H
    )
    assert commands.parse_key_path(seeded.send(commands.get_status(True)).data) == "m/0'/1/2'"
    assert _sign(seeded, commands.sign(DIGEST)) == _public(M_0H_1_2H)


def test_pinless_signing_without_channel_or_pin(seeded: Card) -> None:
    seeded.send(commands.set_pinless_path("m/0'/1/2'"))
    seeded.secure(None)  # end the channel on the host ...
    seeded.send(Command(0x00, 0xA4, 0x04, 0x00, bytes.fromhex("A00000080400010101")))  # ... card
    assert _sign(seeded, commands.sign(DIGEST, pinless=True)) == _public(M_0H_1_2H)
    # Only the PIN-less option works plain: the others end nothing and answer 6982.
    assert seeded.send(commands.sign(DIGEST), check=False).sw == 0x6982


def test_pinless_without_a_path_is_6a88(seeded: Card) -> None:
    assert seeded.send(commands.sign(DIGEST, pinless=True), check=False).sw == 0x6A88
    seeded.send(commands.set_pinless_path("m/1"))
    seeded.send(commands.set_pinless_path(None))  # empty data: disabled again
    assert seeded.send(commands.sign(DIGEST, pinless=True), check=False).sw == 0x6A88


def test_sign_needs_the_pin(seeded: Card) -> None:
    open_channel(seeded, pin=None)
    assert seeded.send(commands.sign(DIGEST), check=False).sw == 0x6985


@pytest.mark.parametrize(
    ("command", "sw"),
    [
        (Command(0x80, 0xC0, 0x00, 0x00, DIGEST + bytes(4)), 0x6A80),  # a path with CURRENT
        (Command(0x80, 0xC0, 0x01, 0x00, DIGEST + bytes(3)), 0x6A80),  # a broken path
        (Command(0x80, 0xC0, 0x00, 0x03, DIGEST), 0x6A86),  # Schnorr: applet 4.x only
        (Command(0x80, 0xC1, 0x00, 0x00, bytes(5)), 0x6A80),  # SET PINLESS PATH, bad path
    ],
)
def test_sign_refusals(seeded: Card, command: Command, sw: int) -> None:
    assert seeded.send(command, check=False).sw == sw
