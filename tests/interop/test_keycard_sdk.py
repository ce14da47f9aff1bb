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


# bip-0032.mediawiki, Test vector 1: the seed, and the compressed public key of m/0H/1/2H.
SEED_1 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
VECTOR_1_M_0H_1_2H = "0357bfe1e341d01c69fe5654309956cbea516822fba8a601743a012a7896ee8dc2"


def _compressed(public_key: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), public_key)
    return key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint).hex()


def _verified(result: Any, digest: bytes) -> bytes:
    """cardwire and ``cryptography`` both check the signature; the S value is low."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature

    from cardwire.crypto.secp256k1 import CURVE_ORDER

    verify_digest(result.public_key, digest, result.signature_der)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), result.public_key)
    key.verify(result.signature_der, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    assert decode_dss_signature(result.signature_der)[1] <= CURVE_ORDER // 2
    return bytes(result.public_key)


def test_sdk_runs_every_applet_31_command(sdk_card: Any) -> None:
    """Every command the SDK has for applet 3.1, against the simulated card (issue 20)."""
    constants = pytest.importorskip("keycard.constants")
    digest = hashlib.sha256(b"the whole Keycard").digest()
    sdk_card.select()
    # IDENTIFY CARD (plain): the SDK verifies the signature and recovers the simulator test CA.
    from cardwire.crypto.bip32 import compressed_public_key
    from cardwire.sim.applets.keycard.settings import SIM_TEST_CA_KEY

    assert sdk_card.ident() == compressed_public_key(SIM_TEST_CA_KEY)
    pairing = sdk_card.pair(PAIRING_PASSWORD)
    try:
        sdk_card.open_secure_channel()
        assert sdk_card.verify_pin(PIN) is True
        # LOAD KEY (BIP-39 seed), then the vector's keys through EXPORT KEY, DERIVE KEY, SIGN.
        key_uid = sdk_card.load_key(constants.LoadKeyType.BIP39_SEED, bip39_seed=SEED_1)
        assert len(key_uid) == 32
        exported = sdk_card.export_key(
            constants.DerivationOption.DERIVE, public_only=True, keypath="m/0'/1/2'"
        )
        assert _compressed(exported.public_key) == VECTOR_1_M_0H_1_2H
        sdk_card.derive_key("m/0'/1")
        assert sdk_card.get_key_path == [0x80000000, 1]  # a property in the SDK
        sdk_card.derive_key("./2'")
        assert _compressed(sdk_card.export_current_key(public_only=True).public_key) == (
            VECTOR_1_M_0H_1_2H
        )
        assert _compressed(_verified(sdk_card.sign(digest), digest)) == VECTOR_1_M_0H_1_2H
        derived = sdk_card.sign_with_path(digest, "m/0'/1/2'", make_current=False)
        assert _compressed(_verified(derived, digest)) == VECTOR_1_M_0H_1_2H
        private = sdk_card.export_key(
            constants.DerivationOption.DERIVE, public_only=False, keypath="m/43'/60'/1581'/0'/0"
        )
        assert private.private_key is not None and len(private.private_key) == 32
        sdk_card.set_pinless_path("m/0'/1/2'")
        assert _compressed(_verified(sdk_card.sign_pinless(digest), digest)) == (VECTOR_1_M_0H_1_2H)
        # Keys made and dropped on the card; a mnemonic from its generator.
        assert len(sdk_card.generate_mnemonic(checksum_size=8)) == 24
        assert len(sdk_card.generate_key()) == 32
        sdk_card.remove_key()
        assert sdk_card.status["initialized"] is False
        # Data slots.
        for slot in constants.StorageSlot:
            sdk_card.store_data(b"slot %d" % slot, slot)
            assert sdk_card.get_data(slot) == b"slot %d" % slot
        # Credentials: change and change back; block and unblock the PIN.
        sdk_card.change_pin("654321")
        sdk_card.change_pin(PIN)
        sdk_card.change_puk("123456789012")
        sdk_card.change_pairing_secret(PAIRING_PASSWORD)
        for _ in range(2):
            assert sdk_card.verify_pin("000000") is False
        with pytest.raises(RuntimeError, match="blocked"):  # the SDK's reading of 63C0
            sdk_card.verify_pin("000000")
        sdk_card.unblock_pin("123456789012", PIN)
        assert sdk_card.verify_pin(PIN) is True
    finally:
        sdk_card.select()
        sdk_card.pairing = pairing
        sdk_card.open_secure_channel()
        sdk_card.verify_pin(PIN)
        sdk_card.unpair(pairing.slot)


def test_sdk_factory_resets_and_inits(sdk_card: Any) -> None:
    before = sdk_card.select()
    sdk_card.factory_reset()
    blank = sdk_card.select()
    assert not blank.is_initialized
    sdk_card.init(PIN, "123456789012", PAIRING_PASSWORD)  # the defaults again
    after = sdk_card.select()
    assert after.is_initialized and after.instance_uid != before.instance_uid
    pairing = sdk_card.pair(PAIRING_PASSWORD)
    sdk_card.open_secure_channel()
    assert sdk_card.verify_pin(PIN) is True
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
