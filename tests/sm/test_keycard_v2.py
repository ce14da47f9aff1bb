"""Keycard Secure Channel V2 (cardwire.sm.keycard.v2) byte for byte against the PyPI keycard SDK
0.4.0's own implementation (``secure_channel/v2.py``, ``parsing/certificate.py``), which we did
not write, plus the failure rules (any failure closes the channel, 6982)."""

from __future__ import annotations

import hashlib
import os

import pytest
from keycard.apdu import APDUResponse
from keycard.parsing.certificate import IdentityCertificate as SdkCertificate
from keycard.secure_channel.v2 import SecureChannelV2
from keycard.secure_channel.v2 import transcript_digest as sdk_transcript

from cardwire.apdu import Command, Response
from cardwire.crypto.bip32 import compressed_public_key
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import SecureChannelError, SessionClosedError
from cardwire.sm.keycard.v2 import (
    IdentityCertificate,
    KeycardV2CardSession,
    KeycardV2Session,
    derive_keys,
    transcript_digest,
)

SALT = bytes(range(32))
SHARED_X = hashlib.sha256(b"shared").digest()


def test_keys_and_transcript_match_the_sdk() -> None:
    sdk = SecureChannelV2.from_handshake(SALT, SHARED_X)
    h2c, c2h = derive_keys(SALT, SHARED_X)
    host = KeycardV2Session(h2c, c2h)
    command = Command(0x80, 0x20, 0x00, 0x00, b"123456")
    assert host.protect(command).encode() == sdk.wrap(0x20, 0, 0, b"123456")
    assert transcript_digest(SALT, b"\x04" * 65, b"\x04" * 65) == sdk_transcript(
        SALT, b"\x04" * 65, b"\x04" * 65
    )


def test_the_card_session_talks_to_the_sdk() -> None:
    h2c, c2h = derive_keys(SALT, SHARED_X)
    sdk = SecureChannelV2.from_handshake(SALT, SHARED_X)
    card = KeycardV2CardSession(h2c, c2h)
    for round_ in range(3):  # the counter moves after each answer, on both sides
        wire = Command.decode(sdk.wrap(0xF2, round_, 0, b""))
        assert card.handles(wire)
        inner = card.unwrap(wire)
        assert (inner.cla, inner.ins, inner.p1, inner.data) == (0x80, 0xF2, round_, b"")
        answer = card.wrap(Response(b"status", 0x9000))
        assert answer.sw == 0x9000
        assert sdk.unwrap(APDUResponse(answer.data, 0x9000)) == b"status"


def test_host_and_card_sessions_round_trip_status_words() -> None:
    h2c, c2h = derive_keys(SALT, SHARED_X)
    host, card = KeycardV2Session(h2c, c2h), KeycardV2CardSession(h2c, c2h)
    wire = host.protect(Command(0x80, 0x20, 0, 0, b"000000"))
    assert wire.encode()[:5] == bytes((0x80, 0x18, 0, 0, len(wire.data)))  # no Le (SDK)
    assert len(wire.encode()) == 5 + len(wire.data)
    card.unwrap(wire)
    answer = host.unprotect(card.wrap(Response(b"", 0x63C2)))
    assert answer.sw == 0x63C2 and host.active  # an inner error keeps the channel


def test_a_tampered_command_closes_the_card_channel_with_6982() -> None:
    h2c, c2h = derive_keys(SALT, SHARED_X)
    host, card = KeycardV2Session(h2c, c2h), KeycardV2CardSession(h2c, c2h)
    wire = host.protect(Command(0x80, 0xF2, 0, 0))
    forged = Command(
        wire.cla, wire.ins, wire.p1, wire.p2, bytes([wire.data[0] ^ 1]) + wire.data[1:]
    )
    with pytest.raises(SecureChannelError) as caught:
        card.unwrap(forged)
    assert caught.value.card_sw == 0x6982 and not card.active
    with pytest.raises(SessionClosedError):
        host.unprotect(Response(b"", 0x6982))
    assert not host.active


def test_a_tampered_answer_closes_the_host_channel() -> None:
    h2c, c2h = derive_keys(SALT, SHARED_X)
    host, card = KeycardV2Session(h2c, c2h), KeycardV2CardSession(h2c, c2h)
    card.unwrap(host.protect(Command(0x80, 0xF2, 0, 0)))
    answer = card.wrap(Response(b"x", 0x9000))
    with pytest.raises(SecureChannelError):
        host.unprotect(Response(answer.data[:-1] + bytes([answer.data[-1] ^ 1]), 0x9000))
    assert not host.active


def test_identity_certificate_the_sdk_trusts() -> None:
    ca = Secp256k1PrivateKey.generate(os.urandom)
    identity = Secp256k1PrivateKey.generate(os.urandom)
    certificate = IdentityCertificate.issue(ca, identity)
    encoded = certificate.encode()
    assert len(encoded) == 98
    sdk = SdkCertificate.parse(encoded)
    assert sdk.ca_public_key == compressed_public_key(ca.scalar)  # recovered by the SDK
    sdk.check_trust([ca.public_key])
    digest = hashlib.sha256(b"transcript").digest()
    signature = identity.sign_digest(digest)
    sdk.verify(digest, signature)
    IdentityCertificate.parse(encoded).verify(digest, signature)
    assert IdentityCertificate.parse(encoded).ca_public_key() == ca.public_key
