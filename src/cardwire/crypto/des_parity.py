"""DES key parity: every key byte has an odd number of one bits (FIPS 46-3, section 3)."""

from __future__ import annotations

import hmac


def _odd_parity(byte: int) -> int:
    # The low bit is the parity bit: set it so the byte has an odd number of ones.
    high = byte & 0xFE
    return high | (1 - high.bit_count() % 2)


_TABLE = bytes(_odd_parity(b) for b in range(256))


def adjust_parity(key: bytes) -> bytes:
    """The key with each byte's least significant bit set for odd parity."""
    return key.translate(_TABLE)


def has_odd_parity(key: bytes) -> bool:
    """Whether every byte of ``key`` already has odd parity."""
    return hmac.compare_digest(key.translate(_TABLE), key)  # key bytes: constant time
