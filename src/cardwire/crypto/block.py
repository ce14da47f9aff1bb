"""AES and 3DES block-cipher helpers with prepared (cached) cipher objects.

3DES uses ``cryptography``'s decrepit TripleDES with a 24-byte key: two-key 3DES K1||K2 is
expanded to K1||K2||K1 and single DES K to K||K||K (keying options 2 and 3 of NIST SP 800-67
section 3.3), so no deprecation warning is raised for short keys.
"""

from __future__ import annotations

from typing import Protocol

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, algorithms, modes

from cardwire.errors import UsageError

AES_BLOCK = 16
DES_BLOCK = 8


def expand_des_key(key: bytes) -> bytes:
    """A 24-byte TripleDES key from a single (8), two-key (16) or three-key (24) DES key."""
    size = len(key)
    if size == 8:
        return key * 3
    if size == 16:
        return key + key[:8]
    if size == 24:
        return key
    raise UsageError(f"a DES key must be 8, 16 or 24 bytes, got {size}")


class BlockCipher(Protocol):
    """A prepared block cipher: ECB on single blocks and CBC with an explicit IV."""

    block_size: int

    def encrypt_block(self, block: bytes) -> bytes: ...

    def encrypt_cbc(self, iv: bytes, data: bytes) -> bytes: ...

    def decrypt_cbc(self, iv: bytes, data: bytes) -> bytes: ...


class _Prepared:
    """Shared machinery: the algorithm object is built once; ECB reuses one live context.

    ECB has no chaining state, so a single encryptor context serves every block for the
    lifetime of the key (no per-call context set-up on the hot path).
    """

    __slots__ = ("_algorithm", "_ecb", "block_size")

    def __init__(self, algorithm: CipherAlgorithm, block_size: int) -> None:
        self._algorithm = algorithm
        self.block_size = block_size
        # Single-block ECB is the raw block function (used for AES SM IVs and the last retail
        # MAC step), never to encrypt messages.
        self._ecb = Cipher(algorithm, modes.ECB()).encryptor()  # noqa: S305

    def _check(self, data: bytes) -> None:
        if len(data) % self.block_size:
            raise UsageError(
                f"data must be whole {self.block_size}-byte blocks, got {len(data)} bytes"
            )

    def encrypt_block(self, block: bytes) -> bytes:
        """ECB encryption of whole blocks."""
        self._check(block)
        return self._ecb.update(block)

    def encrypt_cbc(self, iv: bytes, data: bytes) -> bytes:
        self._check(data)
        ctx = Cipher(self._algorithm, modes.CBC(iv)).encryptor()
        return ctx.update(data) + ctx.finalize()

    def decrypt_cbc(self, iv: bytes, data: bytes) -> bytes:
        self._check(data)
        ctx = Cipher(self._algorithm, modes.CBC(iv)).decryptor()
        return ctx.update(data) + ctx.finalize()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<hidden>)"


class Aes(_Prepared):
    """AES with a 16, 24 or 32-byte key (FIPS 197)."""

    __slots__ = ()

    def __init__(self, key: bytes) -> None:
        if len(key) not in (16, 24, 32):
            raise UsageError(f"AES key must be 16, 24 or 32 bytes, got {len(key)}")
        super().__init__(algorithms.AES(key), AES_BLOCK)


class TripleDes(_Prepared):
    """TDEA (NIST SP 800-67) from an 8, 16 or 24-byte key, expanded to three keys."""

    __slots__ = ()

    def __init__(self, key: bytes) -> None:
        super().__init__(TripleDES(expand_des_key(key)), DES_BLOCK)
