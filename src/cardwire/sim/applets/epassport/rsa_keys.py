"""Deterministic RSA keys for the simulator's test PKI: the same seed gives the same key, so a
profile with ``key_type: rsa`` issues the same passport every time (as the EC keys do).

Primes come from a SHA-256 counter stream over the seed (top two bits and the low bit set, so
p·q has the full size), sieved by small primes and tested with Miller-Rabin (FIPS 186-5
B.3.1 rounds for 1024-bit primes). A TEST key: anyone with the seed has it.
"""

from __future__ import annotations

import hashlib
from functools import cache

from cryptography.hazmat.primitives.asymmetric import rsa

PUBLIC_EXPONENT = 65537
_SMALL_PRIMES = [p for p in range(3, 2000, 2) if all(p % d for d in range(3, int(p**0.5) + 1, 2))]
_ROUNDS = 5  # FIPS 186-4 table C.2: 5 rounds for 1024-bit primes of a 2048-bit key


class _Stream:
    def __init__(self, seed: str) -> None:
        self.seed, self.counter = seed.encode(), 0

    def take(self, size: int) -> int:
        out = b""
        while len(out) < size:
            self.counter += 1
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
        return int.from_bytes(out[:size], "big")


def _probably_prime(n: int, stream: _Stream) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return False
    d, shift = n - 1, 0
    while d % 2 == 0:
        d, shift = d // 2, shift + 1
    for _ in range(_ROUNDS):
        x = pow(2 + stream.take(len(hex(n)) // 2) % (n - 3), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(shift - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, stream: _Stream) -> int:
    while True:
        candidate = stream.take(bits // 8) | (3 << (bits - 2)) | 1
        if candidate % PUBLIC_EXPONENT != 1 and _probably_prime(candidate, stream):
            return candidate


@cache
def derive_rsa_key(seed: str, label: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """A ``bits``-bit RSA key from ``seed`` and ``label``, e = 65537."""
    stream = _Stream(f"cardwire test PKI|{seed}|{label}|rsa{bits}")
    p = _prime(bits // 2, stream)
    q = _prime(bits // 2, stream)
    while q == p:
        q = _prime(bits // 2, stream)
    n, phi = p * q, (p - 1) * (q - 1)
    d = pow(PUBLIC_EXPONENT, -1, phi)
    public = rsa.RSAPublicNumbers(PUBLIC_EXPONENT, n)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), rsa.rsa_crt_iqmp(p, q), public
    )
    return numbers.private_key()


__all__ = ["PUBLIC_EXPONENT", "derive_rsa_key"]
