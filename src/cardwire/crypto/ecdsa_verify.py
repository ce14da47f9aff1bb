"""ECDSA signature verification on cardwire's own curves (:mod:`cardwire.crypto.ec_arith`).

``cryptography`` verifies ECDSA only for keys it can load, and it refuses EC keys with explicit
domain parameters on brainpool curves (what ICAO Doc 9303-12 4.1.6.3 asks certificates and
DG14/DG15 keys to carry). This module verifies a signature given the curve and the public point,
whatever encoding the key came in.

The algorithm is SEC 1 v2 4.1.4 (the same as ANSI X9.62 7.4.1 and BSI TR-03111 4.2.1.2):

1. r and s in [1, n-1];
2. e = the leftmost bit-length-of-n bits of the hash (SEC 1 v2 4.1.3 step 5);
3. u1 = e * s^-1 mod n, u2 = r * s^-1 mod n, R = u1 * G + u2 * Q;
4. valid when R is not the point at infinity and x(R) mod n = r.

Verification handles only public values, so the arithmetic's timing does not matter here.
"""

from __future__ import annotations

import hashlib

from cardwire.crypto.ec_arith import Curve, Point, add, is_on_curve, multiply
from cardwire.errors import DecodeError


def hash_to_integer(curve: Curve, digest: bytes) -> int:
    """SEC 1 v2 4.1.3 step 5: the leftmost ceil(log2 n) bits of the digest as an integer."""
    e = int.from_bytes(digest, "big")
    excess = len(digest) * 8 - curve.n.bit_length()
    return e >> excess if excess > 0 else e


def verify_digest(curve: Curve, public: Point, digest: bytes, r: int, s: int) -> bool:
    """Whether (r, s) is an ECDSA signature of ``digest`` by ``public`` (SEC 1 v2 4.1.4)."""
    n = curve.n
    if not (0 < r < n and 0 < s < n):  # 4.1.4 step 1
        return False
    if not is_on_curve(curve, public):  # 3.2.2.1: the key must be a point of the curve
        return False
    w = pow(s, -1, n)
    u1 = hash_to_integer(curve, digest) * w % n
    u2 = r * w % n
    point = add(curve, multiply(curve, u1, curve.generator), multiply(curve, u2, public))
    return point is not None and point.x % n == r  # 4.1.4 steps 5-8


def verify(curve: Curve, public: Point, message: bytes, r: int, s: int, hash_name: str) -> bool:
    """Whether (r, s) signs ``message`` hashed with ``hash_name`` (a hashlib name)."""
    return verify_digest(curve, public, hashlib.new(hash_name, message).digest(), r, s)


def decode_der_signature(signature: bytes) -> tuple[int, int]:
    """(r, s) from Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 5480 / SEC 1 v2
    C.8), DER only: a BER or malformed encoding raises :class:`DecodeError` (signature
    malleability)."""

    def length(data: bytes, at: int) -> tuple[int, int]:
        if at >= len(data):
            raise DecodeError("truncated ECDSA signature", at)
        first = data[at]
        if first < 0x80:
            return first, at + 1
        if first != 0x81 or at + 1 >= len(data) or data[at + 1] < 0x80:  # X.690 10.1
            raise DecodeError("the ECDSA signature is not DER", at)
        return data[at + 1], at + 2

    def integer(data: bytes, at: int) -> tuple[int, int]:
        if at >= len(data) or data[at] != 0x02:
            raise DecodeError("the ECDSA signature is not two INTEGERs", at)
        size, start = length(data, at + 1)
        value = data[start : start + size]
        if len(value) != size or not value:
            raise DecodeError("truncated ECDSA signature", start)
        if value[0] & 0x80 or (size > 1 and value[0] == 0 and not value[1] & 0x80):
            raise DecodeError("the ECDSA signature's INTEGER is negative or not minimal", start)
        return int.from_bytes(value, "big"), start + size

    if not signature or signature[0] != 0x30:
        raise DecodeError("the ECDSA signature is not a SEQUENCE", 0)
    size, start = length(signature, 1)
    if start + size != len(signature):
        raise DecodeError("the ECDSA signature's length is wrong", 1)
    r, at = integer(signature, start)
    s, at = integer(signature, at)
    if at != len(signature):
        raise DecodeError("trailing bytes in the ECDSA signature", at)
    return r, s


__all__ = ["decode_der_signature", "hash_to_integer", "verify", "verify_digest"]
