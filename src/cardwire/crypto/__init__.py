"""Cryptographic primitives for cardwire (the only package that imports ``cryptography``)."""

from __future__ import annotations

from cardwire.crypto.block import Aes, BlockCipher, TripleDes, expand_des_key
from cardwire.crypto.cmac import AesCmacKey, aes_cmac
from cardwire.crypto.des_parity import adjust_parity, has_odd_parity
from cardwire.crypto.kdf_icao import KdfCounter, KeyType, kdf
from cardwire.crypto.padding import pad, unpad
from cardwire.crypto.retail_mac import RetailMacKey, retail_mac

__all__ = [
    "Aes",
    "AesCmacKey",
    "BlockCipher",
    "KdfCounter",
    "KeyType",
    "RetailMacKey",
    "TripleDes",
    "adjust_parity",
    "aes_cmac",
    "expand_des_key",
    "has_odd_parity",
    "kdf",
    "pad",
    "retail_mac",
    "unpad",
]
