"""ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC") with DES, as ICAO Doc 9303-11 9.8.3 uses it.

With a two-key K = Ka||Kb: CBC-MAC with single DES under Ka over every block, then the last
output is decrypted with Kb and encrypted again with Ka (ISO/IEC 9797-1:2011 7.4, final
iteration 3). That equals DES-CBC under Ka over all blocks but the last, followed by one
3DES (Ka, Kb, Ka) encryption of the last block XOR the chaining value.
"""

from __future__ import annotations

from cardwire.crypto.block import DES_BLOCK, TripleDes
from cardwire.errors import UsageError

_ZERO_IV = bytes(DES_BLOCK)


class RetailMacKey:
    """A prepared retail-MAC key (16 bytes: Ka||Kb). The input must already be padded."""

    __slots__ = ("_des_a", "_tdes")

    def __init__(self, key: bytes) -> None:
        if len(key) != 16:
            raise UsageError(f"a retail MAC key must be 16 bytes, got {len(key)}")
        self._des_a = TripleDes(key[:8])
        self._tdes = TripleDes(key)

    def mac(self, padded: bytes) -> bytes:
        """The 8-byte MAC of ``padded`` (whole 8-byte blocks, ISO 9797-1 padding done)."""
        size = len(padded)
        if size == 0 or size % DES_BLOCK:
            raise UsageError(f"retail MAC input must be whole 8-byte blocks, got {size} bytes")
        last = padded[-DES_BLOCK:]
        if size > DES_BLOCK:
            chain = self._des_a.encrypt_cbc(_ZERO_IV, padded[:-DES_BLOCK])[-DES_BLOCK:]
            last = (int.from_bytes(chain, "big") ^ int.from_bytes(last, "big")).to_bytes(
                DES_BLOCK, "big"
            )
        return self._tdes.encrypt_block(last)

    def __repr__(self) -> str:
        return "RetailMacKey(<hidden>)"


def retail_mac(key: bytes, padded: bytes) -> bytes:
    """One-shot ISO/IEC 9797-1 MAC algorithm 3 with DES over already padded input."""
    return RetailMacKey(key).mac(padded)
