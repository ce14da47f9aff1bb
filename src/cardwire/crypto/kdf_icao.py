"""The ICAO key derivation function (ICAO Doc 9303-11, section 9.7.1).

KDF(K, c) = first bytes of H(K || c) with c a 32-bit big-endian counter: 1 for the encryption
key, 2 for the MAC key, 3 for the PACE password key. H is SHA-1 for 3DES and AES-128 and
SHA-256 for AES-192 and AES-256. 3DES keys are the first 16 bytes, parity adjusted (9.7.1.1).
"""

from __future__ import annotations

import hashlib
from enum import IntEnum, StrEnum

from cardwire.crypto.des_parity import adjust_parity


class KdfCounter(IntEnum):
    """ICAO Doc 9303-11 9.7.1: the counter c."""

    ENC = 1
    MAC = 2
    PASSWORD = 3


class KeyType(StrEnum):
    """The cipher a derived key is for (ICAO Doc 9303-11 9.7.1.1 and 9.7.1.2)."""

    TDES = "3des"
    AES128 = "aes128"
    AES192 = "aes192"
    AES256 = "aes256"


_DERIVATION = {
    KeyType.TDES: ("sha1", 16),
    KeyType.AES128: ("sha1", 16),
    KeyType.AES192: ("sha256", 24),
    KeyType.AES256: ("sha256", 32),
}


def kdf(shared_secret: bytes, counter: int, key_type: KeyType = KeyType.TDES) -> bytes:
    """Derive a key from ``shared_secret`` (K_seed for BAC) and ``counter``."""
    hash_name, size = _DERIVATION[KeyType(key_type)]
    digest = hashlib.new(hash_name, shared_secret + counter.to_bytes(4, "big")).digest()
    key = digest[:size]
    if key_type == KeyType.TDES:
        return adjust_parity(key)  # 9.7.1.1: DES keys are parity adjusted
    return key
