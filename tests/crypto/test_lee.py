"""LEE key derivation as the Keycard applet does it (cardwire.crypto.lee), against the applet's
own known answers (tests/vectors/keycard_lee.json names them)."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cardwire.crypto import lee
from cardwire.crypto.bip32 import ExtendedKey, derive_path, mnemonic_to_seed, parse_path
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import UsageError

# tests/vectors/keycard_lee.json names its source: the applet's own leeKeysTest.
LEE = json.loads((Path(__file__).parents[1] / "vectors" / "keycard_lee.json").read_text())
WORDS, EXPECTED_PUBLIC, EXPECTED_NSK, EXPECTED_VSK = (
    LEE[key] for key in ("mnemonic", "public_key", "nsk", "vsk")
)
PATH = parse_path(LEE["path"])[1]


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
    assert repr(secret) == "LeeSecret()" and repr(lee.export(secret, ())) == "LeeKeys()"
    assert signing.private_key != secret.ssk  # two HMAC keys, two masters
