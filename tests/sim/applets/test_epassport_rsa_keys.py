"""Deterministic RSA keys of the test PKI: same seed, same key; a working 2048-bit key."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from cardwire.sim.applets.epassport.rsa_keys import PUBLIC_EXPONENT, derive_rsa_key


def test_same_seed_same_key_and_it_signs() -> None:
    key = derive_rsa_key("seed", "DS")
    again = derive_rsa_key.__wrapped__("seed", "DS")  # not the cached object
    assert again.private_numbers() == key.private_numbers()
    assert key.key_size == 2048
    assert key.public_key().public_numbers().e == PUBLIC_EXPONENT
    signature = key.sign(b"data", padding.PKCS1v15(), hashes.SHA256())
    key.public_key().verify(signature, b"data", padding.PKCS1v15(), hashes.SHA256())
    other = derive_rsa_key("seed", "AA")
    assert other.public_key().public_numbers().n != key.public_key().public_numbers().n
