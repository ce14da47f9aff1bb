"""Public-key recovery from a secp256k1 ECDSA signature (SEC 1 v2 4.1.6), for the Keycard
Identity Certificate: the certificate carries r ‖ s ‖ recovery id and the reader recovers the
CA key from it (PyPI keycard SDK ``parsing/certificate.py``).

Recovery id j (0..3): R has x = r + (j >> 1)·n and the y of parity j & 1; then
Q = r⁻¹ (s·R - e·G). The signer finds its j by recovering each candidate and comparing.
"""

from __future__ import annotations

import hmac

from cardwire.crypto.ec_arith import (
    Curve,
    Point,
    add,
    decode_point,
    encode_point,
    multiply,
    negate,
)
from cardwire.crypto.secp256k1 import CURVE_ORDER
from cardwire.errors import CryptogramError

# SEC 2 v2 2.4.1: secp256k1.
SECP256K1 = Curve(
    "secp256k1",
    p=0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F,
    a=0,
    b=7,
    gx=0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    gy=0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
    n=CURVE_ORDER,
)


def lift_x(x: int, odd: bool) -> Point | None:
    """The point with this x and y parity (p ≡ 3 mod 4: y = (x³ + 7)^((p+1)/4))."""
    p = SECP256K1.p
    if x >= p:
        return None
    y_squared = (pow(x, 3, p) + SECP256K1.b) % p
    y = pow(y_squared, (p + 1) // 4, p)
    if y * y % p != y_squared:
        return None
    return Point(x, y if (y & 1) == odd else p - y)


def decompress(compressed: bytes) -> bytes:
    """SEC 1 v2 2.3.4: 02/03 ‖ X to the uncompressed 04 ‖ X ‖ Y; :class:`CryptogramError` if
    it is not a point."""
    point = None
    if len(compressed) == 33 and compressed[0] in (2, 3):
        point = lift_x(int.from_bytes(compressed[1:], "big"), compressed[0] == 3)
    if point is None:
        raise CryptogramError("not a compressed secp256k1 point")
    return encode_point(SECP256K1, point)


def compressed(public_key: bytes) -> bytes:
    """Any SEC 1 encoding of a secp256k1 point to its 33-byte compressed form."""
    if len(public_key) == 33:
        decompress(public_key)  # checks it is a point
        return bytes(public_key)
    point = decode_point(SECP256K1, public_key)
    return bytes((2 | (point.y & 1),)) + point.x.to_bytes(32, "big")


def recover(digest: bytes, r: int, s: int, recovery_id: int) -> bytes:
    """The uncompressed public key for ``recovery_id``; :class:`CryptogramError` if none."""
    n = SECP256K1.n
    if not (0 < r < n and 0 < s < n and 0 <= recovery_id <= 3):
        raise CryptogramError("not a recoverable secp256k1 signature")
    point = lift_x(r + (recovery_id >> 1) * n, bool(recovery_id & 1))
    if point is None:
        raise CryptogramError("no public key for this recovery id")
    e = int.from_bytes(digest, "big") % n
    r_inverse = pow(r, -1, n)
    s_r = multiply(SECP256K1, s, point)
    e_g = negate(SECP256K1, multiply(SECP256K1, e, SECP256K1.generator))
    q = multiply(SECP256K1, r_inverse, add(SECP256K1, s_r, e_g))
    if q is None:
        raise CryptogramError("the recovered point is at infinity")
    return encode_point(SECP256K1, q)


def recovery_id(public_key: bytes, digest: bytes, r: int, s: int) -> int:
    """The j for which :func:`recover` gives ``public_key`` (uncompressed)."""
    for candidate in range(4):
        try:
            if hmac.compare_digest(recover(digest, r, s, candidate), public_key):
                return candidate
        except CryptogramError:
            continue
    raise CryptogramError("the signature was not made by this key")


__all__ = ["SECP256K1", "compressed", "decompress", "lift_x", "recover", "recovery_id"]
