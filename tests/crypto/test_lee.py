"""LEE key derivation as the Keycard applet does it (cardwire.crypto.lee). Known answers: the
applet's own test, keycard-tech/status-keycard ``src/test/java/im/status/keycard/
KeycardTest.java`` ``leeKeysTest`` at a61616a: the BIP-39 seed of "fan empower ... shuffle"
(empty passphrase) loaded with LOAD KEY P1 04, then at m/43'/60' the EXPORT KEY public key,
the EXPORT LEE NSK and VSK."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cardwire.crypto import lee
from cardwire.crypto.bip32 import HARDENED, ExtendedKey, derive_path, mnemonic_to_seed
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import UsageError

WORDS = "fan empower output between game genius forest bulk party small arm shuffle"
PATH = (HARDENED | 43, HARDENED | 60)
EXPECTED_PUBLIC = (
    "045bdbe46824409ae66c960f4a204ac66adc1646dcfa56a5b455629f99b95a6430"
    "12390c799fb8a1f5e9140dfe9f6088ab1ded90f496c9d8832df501e3c8e9c45f"
)
EXPECTED_NSK = "a44386392e2112c8c46a7f8378b4c3163011a76664a2b1d23e25a6f35ef90739"
EXPECTED_VSK = (
    "d06cc239011a56c8aecec0579b884227d637496a6e3e8f27d70e170f2ec3fa0d"
    "97dc323114bb420ef3061010446a9b4cf321ebc895ac8b7f261e3fbcaef79a67"
)


def test_the_applets_lee_vectors() -> None:
    signing, secret = lee.masters(mnemonic_to_seed(WORDS))
    keys = lee.export(secret, PATH)
    assert (keys.nsk.hex(), keys.vsk.hex()) == (EXPECTED_NSK, EXPECTED_VSK)
    public = Secp256k1PrivateKey(lee.signing_key(signing, PATH).private_key).public_key
    assert public.hex() == EXPECTED_PUBLIC


def test_the_signing_key_is_hardened_style_then_tweaked() -> None:
    """An independent recomputation with hashlib and ``cryptography``: a non-hardened index
    derives like its hardened twin's formula (00 ‖ k ‖ i), and the tweak is SHA-256 of the
    compressed public key; the master itself is not tweaked."""
    master = ExtendedKey(bytes(31) + b"\x07", bytes(range(32)))
    assert lee.signing_key(master, ()) == master
    digest = hmac.new(master.chain_code, bytes(32) + b"\x07" + (5).to_bytes(4, "big"), "sha512")
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    child = (int.from_bytes(digest.digest()[:32], "big") + 7) % n
    point = ec.derive_private_key(child, ec.SECP256K1()).public_key()
    tweak = hashlib.sha256(point.public_bytes(Encoding.X962, PublicFormat.CompressedPoint))
    expected = (child + int.from_bytes(tweak.digest(), "big")) % n
    derived = lee.signing_key(master, (5,))
    assert derived.private_key == expected.to_bytes(32, "big")
    assert derived.chain_code == digest.digest()[32:]
    assert derived != derive_path(master, (5,))  # not BIP-32's public-key formula


def test_seed_length_and_repr() -> None:
    with pytest.raises(UsageError, match="16 to 64"):
        lee.masters(bytes(15))
    signing, secret = lee.masters(bytes(16))
    assert "hidden" in repr(secret) and secret.ssk.hex() not in repr(secret)
    assert "hidden" in repr(lee.export(secret, ()))
    assert signing.private_key != secret.ssk  # two HMAC keys, two masters
