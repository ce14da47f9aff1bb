"""BIP-340 Schnorr signatures on secp256k1 (bip-0340.mediawiki, "Default Signing" and
"Verification"), for the Keycard applet 4.x SIGN with P2 03 (PyPI keycard SDK ``sign.py``: the
card adds a 32-byte tweak to the private key first and answers R.x ‖ s)."""

from __future__ import annotations

import hashlib

from cardwire.crypto.ec_arith import Point, add, multiply, negate
from cardwire.crypto.ecdsa_recovery import SECP256K1, lift_x
from cardwire.errors import CryptogramError, UsageError

N = SECP256K1.n
G = SECP256K1.generator


def tagged_hash(tag: str, data: bytes) -> bytes:
    """BIP-340: SHA-256(SHA-256(tag) ‖ SHA-256(tag) ‖ data)."""
    tag_digest = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(tag_digest + tag_digest + data).digest()


def _point(scalar: int) -> Point:
    point = multiply(SECP256K1, scalar, G)
    assert point is not None  # 0 < scalar < n
    return point


def x_only(private_key: int) -> bytes:
    """bytes(P): the x coordinate of d·G."""
    return _point(private_key).x.to_bytes(32, "big")


def sign(private_key: int, message: bytes, aux: bytes) -> bytes:
    """BIP-340 "Default Signing": 64 bytes R.x ‖ s."""
    if not 0 < private_key < N or len(aux) != 32:
        raise UsageError("BIP-340 signing needs a key in [1, n-1] and 32 auxiliary bytes")
    public = _point(private_key)
    d = private_key if public.y % 2 == 0 else N - private_key
    masked = (d ^ int.from_bytes(tagged_hash("BIP0340/aux", aux), "big")).to_bytes(32, "big")
    p_x = public.x.to_bytes(32, "big")
    k0 = int.from_bytes(tagged_hash("BIP0340/nonce", masked + p_x + message), "big") % N
    if k0 == 0:
        raise UsageError("BIP-340: the nonce is zero (negligible), sign again")
    r = _point(k0)
    k = k0 if r.y % 2 == 0 else N - k0
    r_x = r.x.to_bytes(32, "big")
    e = int.from_bytes(tagged_hash("BIP0340/challenge", r_x + p_x + message), "big") % N
    return r_x + ((k + e * d) % N).to_bytes(32, "big")


def verify(public_x: bytes, message: bytes, signature: bytes) -> None:
    """BIP-340 "Verification"; :class:`CryptogramError` when it fails."""
    point = lift_x(int.from_bytes(public_x, "big"), False)
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if point is None or len(signature) != 64 or r >= SECP256K1.p or s >= N:
        raise CryptogramError("not a BIP-340 signature or key")
    e = int.from_bytes(tagged_hash("BIP0340/challenge", signature[:32] + public_x + message), "big")
    big_r = add(
        SECP256K1, multiply(SECP256K1, s, G), negate(SECP256K1, multiply(SECP256K1, e % N, point))
    )
    if big_r is None or big_r.y % 2 or big_r.x != r:
        raise CryptogramError("the BIP-340 signature does not verify")


__all__ = ["sign", "tagged_hash", "verify", "x_only"]
