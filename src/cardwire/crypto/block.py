"""AES and 3DES block-cipher helpers with prepared (cached) cipher objects.

3DES uses ``cryptography``'s decrepit TripleDES with a 24-byte key: two-key 3DES K1||K2 is
expanded to K1||K2||K1 and single DES K to K||K||K (keying options 2 and 3 of NIST SP 800-67
section 3.3), so no deprecation warning is raised for short keys.
"""

from __future__ import annotations

from typing import Protocol

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import (
    Cipher,
    CipherAlgorithm,
    CipherContext,
    algorithms,
    modes,
)

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


def _xor3(a: bytes, b: bytes, c: bytes) -> bytes:
    size = len(a)
    mixed = int.from_bytes(a, "big") ^ int.from_bytes(b, "big") ^ int.from_bytes(c, "big")
    return mixed.to_bytes(size, "big")


class _Prepared:
    """Shared machinery: the algorithm object is built once, and three cipher contexts live as
    long as the key (no context set-up, key schedule included, on the per-message path).

    - ECB has no chaining state: one encryptor serves every single block.
    - CBC (NIST SP 800-38A 6.2): C_j = CIPH(P_j XOR C_(j-1)), C_0 = IV, and P_j =
      CIPH^-1(C_j) XOR C_(j-1). A live CBC context keeps as its only state the last
      ciphertext block it handled, and uses it where a new message needs its IV. So each
      message goes through the one live encryptor (decryptor):
      - encryption: the first plaintext block is XORed with IV and the context's last block
        before it goes in, so the context computes CIPH(P_1 XOR IV);
      - decryption: the context is given IV || ciphertext, so IV is C_0 of the message; the
        first output block (IV decrypted against the context's last block) is dropped.
      The result is exactly CBC with the message's own IV.

    Not thread-safe (the contexts have state): one object per session, as the SM codecs hold.
    """

    __slots__ = (
        "_algorithm",
        "_cbc_decryptor",
        "_cbc_encryptor",
        "_ecb",
        "_ecb_decryptor",
        "_encryptor_last",
        "block_size",
    )

    def __init__(self, algorithm: CipherAlgorithm, block_size: int) -> None:
        self._algorithm = algorithm
        self.block_size = block_size
        # Single-block ECB is the raw block function (used for AES SM IVs and the last retail
        # MAC step), never to encrypt messages.
        self._ecb = Cipher(algorithm, modes.ECB()).encryptor()  # noqa: S305
        self._ecb_decryptor: CipherContext | None = None  # made on first use (key transport only)
        start = bytes(block_size)
        self._cbc_encryptor = Cipher(algorithm, modes.CBC(start)).encryptor()
        self._cbc_decryptor = Cipher(algorithm, modes.CBC(start)).decryptor()
        self._encryptor_last = start  # the chaining block the encryptor holds now

    def _size_error(self, data: bytes) -> UsageError:
        return UsageError(
            f"data must be whole {self.block_size}-byte blocks, got {len(data)} bytes"
        )

    # The size checks are inlined: these methods run several times per secure-messaging APDU.
    def encrypt_block(self, block: bytes) -> bytes:
        """ECB encryption of whole blocks."""
        if len(block) % self.block_size:
            raise self._size_error(block)
        return self._ecb.update(block)

    def decrypt_block(self, block: bytes) -> bytes:
        """ECB decryption of whole blocks (GP key transport: PUT KEY under SCP02)."""
        if len(block) % self.block_size:
            raise self._size_error(block)
        if self._ecb_decryptor is None:
            self._ecb_decryptor = Cipher(self._algorithm, modes.ECB()).decryptor()  # noqa: S305
        return self._ecb_decryptor.update(block)

    def encrypt_cbc(self, iv: bytes, data: bytes) -> bytes:
        """CBC encryption of whole blocks with ``iv`` (NIST SP 800-38A 6.2)."""
        n = self.block_size
        if len(data) % n or len(iv) != n:
            raise self._size_error(data if len(data) % n else iv)
        if not data:
            return b""
        # The context computes CIPH(X XOR last); X = P_1 XOR IV XOR last gives C_1.
        first = _xor3(data[:n], iv, self._encryptor_last)
        out = self._cbc_encryptor.update(first + data[n:])
        self._encryptor_last = out[-n:]
        return out

    def decrypt_cbc(self, iv: bytes, data: bytes) -> bytes:
        """CBC decryption of whole blocks with ``iv`` (NIST SP 800-38A 6.2)."""
        n = self.block_size
        if len(data) % n or len(iv) != n:
            raise self._size_error(data if len(data) % n else iv)
        if not data:
            return b""
        # IV goes in as C_0: every output block after the first is P_j = CIPH^-1(C_j) XOR
        # C_(j-1) of this message.
        return self._cbc_decryptor.update(iv + data)[n:]

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
