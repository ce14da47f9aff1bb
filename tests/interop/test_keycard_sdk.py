"""The PyPI ``keycard`` SDK 0.4.0 (an independent client we did not write) drives the simulated
Keycard applet through a real pcscd with the vpcd reader: select, pair, open the secure channel
(with MUTUALLY AUTHENTICATE), verify the PIN, read the status, generate a key and sign. cardwire
then checks the signature. A second test runs cardwire's own host side over the same reader.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from cardwire.crypto.secp256k1 import verify_digest
from cardwire.handshakes import keycard as keycard_io
from cardwire.sm import keycard

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

PIN = "123456"  # the simulated card's defaults (docs/keycard.md)
PAIRING_PASSWORD = "KeycardDefaultPairing"


@pytest.fixture
def sdk_card(pcsc_stack: PcscStack) -> Iterator[Any]:
    sdk = pytest.importorskip("keycard.keycard")
    sdk_transport = pytest.importorskip("keycard.transport")
    transport = sdk_transport.Transport()
    transport.connect(pcsc_stack.reader_index)
    yield sdk.KeyCard(transport)
    transport.disconnect()


def test_sdk_pairs_opens_the_channel_verifies_signs(sdk_card: Any) -> None:
    info = sdk_card.select()
    assert (info.version_major, info.version_minor) == (3, 1)  # secure channel v1
    assert info.is_initialized and len(info.ecc_public_key) == 65
    pairing = sdk_card.pair(PAIRING_PASSWORD)
    try:
        sdk_card.open_secure_channel()  # OPEN SECURE CHANNEL + MUTUALLY AUTHENTICATE
        assert sdk_card.verify_pin(PIN) is True
        status = sdk_card.status
        assert (status["pin_retry_count"], status["puk_retry_count"]) == (3, 5)
        key_uid = sdk_card.generate_key()
        assert len(key_uid) == 32
        digest = hashlib.sha256(b"signed by the simulated Keycard").digest()
        result = sdk_card.sign(digest)
        # cardwire checks the card's signature with the public key the card returned.
        assert hashlib.sha256(result.public_key).digest() == key_uid
        verify_digest(result.public_key, digest, result.signature_der)
        assert sdk_card.status["initialized"] is True
    finally:
        sdk_card.select()
        sdk_card.pairing = pairing
        sdk_card.open_secure_channel()
        sdk_card.verify_pin(PIN)
        sdk_card.unpair(pairing.slot)


def test_sdk_sees_wrong_pins_counted(sdk_card: Any) -> None:
    sdk_card.select()
    pairing = sdk_card.pair(PAIRING_PASSWORD)
    sdk_card.open_secure_channel()
    assert sdk_card.verify_pin("000000") is False
    assert sdk_card.status["pin_retry_count"] == 2
    assert sdk_card.verify_pin(PIN) is True
    assert sdk_card.status["pin_retry_count"] == 3
    sdk_card.unpair(pairing.slot)


def test_cardwire_host_side_over_pcsc(pcsc_stack: PcscStack) -> None:
    from cardwire.apdu import Command
    from cardwire.card import Card
    from cardwire.transport.pcsc import PcscTransport

    with Card(PcscTransport(pcsc_stack.reader)) as card:
        info = keycard_io.select_keycard(card)
        secret = keycard.pairing_secret(PAIRING_PASSWORD)
        pairing = keycard_io.pair(card, secret)
        keycard_io.open_keycard(card, pairing, info.public_key)
        card.send(Command(0x80, 0x20, 0, 0, PIN.encode("ascii")))
        status = card.send(Command(0x80, 0xF2, 0, 0)).data
        assert status[:2] == b"\xa3\x09"  # Keycard docs, GET STATUS template
        keycard_io.unpair(card, pairing.index)
