"""The crypto floor: the ``cryptography`` calls a protocol needs, each in its cheapest plain form.

- single-block encryptions (IVs from counters, ICVs) on one reused ECB context;
- a new CBC context per message (a context cannot change its IV);
- CMAC as ``copy()`` of a prepared object;
- the retail MAC (ISO/IEC 9797-1 MAC algorithm 3) as its DES calls: DES-CBC under Ka over all
  blocks, then the last output decrypted under Kb and encrypted under Ka, on reused ECB contexts.

No parsing, padding, TLV or validation: the inputs are prepared byte strings of the sizes the
protocol produces, so a floor round costs only what the crypto library must do.
"""

from __future__ import annotations

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC


def padded_size(size: int, block: int) -> int:
    """Length after ISO/IEC 9797-1 padding method 2 (always at least one byte added)."""
    return (size // block + 1) * block


def tlv_size(value_size: int) -> int:
    """Bytes of a one-byte-tag BER-TLV object holding ``value_size`` bytes (ISO 7816-4 6.3)."""
    if value_size < 0x80:
        return 2 + value_size
    if value_size < 0x100:
        return 3 + value_size
    return 4 + value_size


class FloorCipher:
    """A block cipher with one live ECB context and a prepared algorithm for CBC."""

    def __init__(self, algorithm: CipherAlgorithm, block: int) -> None:
        self.block = block
        self._algorithm = algorithm
        self._ecb = Cipher(algorithm, modes.ECB()).encryptor()  # noqa: S305 - single blocks
        self._ecb_decrypt = Cipher(algorithm, modes.ECB()).decryptor()  # noqa: S305

    def ecb(self, block: bytes) -> bytes:
        return self._ecb.update(block)

    def ecb_decrypt(self, block: bytes) -> bytes:
        return self._ecb_decrypt.update(block)

    def cbc_encrypt(self, iv: bytes, data: bytes) -> bytes:
        ctx = Cipher(self._algorithm, modes.CBC(iv)).encryptor()
        return ctx.update(data) + ctx.finalize()

    def cbc_decrypt(self, iv: bytes, data: bytes) -> bytes:
        ctx = Cipher(self._algorithm, modes.CBC(iv)).decryptor()
        return ctx.update(data) + ctx.finalize()


def aes(key: bytes) -> FloorCipher:
    return FloorCipher(algorithms.AES(key), 16)


def tdes(key: bytes) -> FloorCipher:
    """TDEA with a 24-byte key; an 8-byte DES key K becomes K||K||K (single DES)."""
    if len(key) == 8:
        key = key * 3
    elif len(key) == 16:
        key = key + key[:8]
    return FloorCipher(TripleDES(key), 8)


class FloorCmac:
    """AES-CMAC as ``copy()`` of a prepared object."""

    def __init__(self, key: bytes) -> None:
        self._prepared = CMAC(algorithms.AES(key))

    def mac(self, data: bytes) -> bytes:
        ctx = self._prepared.copy()
        ctx.update(data)
        return ctx.finalize()


class FloorRetailMac:
    """ISO/IEC 9797-1 MAC algorithm 3 with DES, as three DES operations."""

    _ZERO_IV = bytes(8)

    def __init__(self, key: bytes) -> None:
        self._a = tdes(key[:8])
        self._b = tdes(key[8:16])

    def mac(self, padded: bytes) -> bytes:
        last = self._a.cbc_encrypt(self._ZERO_IV, padded)[-8:]
        return self._a.ecb(self._b.ecb_decrypt(last))
