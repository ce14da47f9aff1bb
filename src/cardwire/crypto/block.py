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
# Up to this many blocks, CBC encryption chains on the live ECB context (measured with
# cryptography 50, benchmarks/: one CBC context costs about as much as four to eight block calls).
_CHAINED_BLOCKS = 4
# Up to this many bytes, CBC decryption is one ECB call plus one big-integer XOR (same
# measurement: the XOR overtakes a fresh CBC context at about 1.5 KiB).
_XOR_DECRYPT_BYTES = 1024


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

    __slots__ = ("_algorithm", "_ecb", "_ecb_inverse", "block_size")

    def __init__(self, algorithm: CipherAlgorithm, block_size: int) -> None:
        self._algorithm = algorithm
        self.block_size = block_size
        # Single-block ECB is the raw block function (used for AES SM IVs and the last retail
        # MAC step), never to encrypt messages.
        self._ecb = Cipher(algorithm, modes.ECB()).encryptor()  # noqa: S305
        # The inverse block function, for CBC decryption without a context per message.
        self._ecb_inverse = Cipher(algorithm, modes.ECB()).decryptor()  # noqa: S305

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

    def encrypt_cbc(self, iv: bytes, data: bytes) -> bytes:
        """CBC encryption (NIST SP 800-38A 6.2): C_j = CIPH(P_j XOR C_(j-1)), C_0 = IV.

        Short messages (the usual APDU) chain block by block on the session's live ECB
        context: setting up a CBC context (key schedule included) costs more than a few
        block calls. Longer ones get a fresh CBC context, since a context cannot change its IV.
        """
        n = self.block_size
        size = len(data)
        if size % n or len(iv) != n:
            raise self._size_error(data if size % n else iv)
        if size > _CHAINED_BLOCKS * n:
            ctx = Cipher(self._algorithm, modes.CBC(iv)).encryptor()
            return ctx.update(data) + ctx.finalize()
        update = self._ecb.update
        blocks = []
        block = iv
        for start in range(0, size, n):
            mixed = int.from_bytes(block, "big") ^ int.from_bytes(data[start : start + n], "big")
            block = update(mixed.to_bytes(n, "big"))
            blocks.append(block)
        return b"".join(blocks)

    def decrypt_cbc(self, iv: bytes, data: bytes) -> bytes:
        """CBC decryption as NIST SP 800-38A 6.2 writes it: P_j = CIPH^-1(C_j) XOR C_(j-1),
        with C_0 = IV. The block inversions do not chain, so for APDU-sized data the session's
        live ECB decryptor does them all at once and one XOR with IV || C_1 .. C_(n-1)
        finishes; past about 1 KiB the XOR costs more than a fresh CBC context."""
        size = len(data)
        if size % self.block_size or len(iv) != self.block_size:
            raise self._size_error(data if size % self.block_size else iv)
        if not size:
            return b""
        if size > _XOR_DECRYPT_BYTES:
            ctx = Cipher(self._algorithm, modes.CBC(iv)).decryptor()
            return ctx.update(data) + ctx.finalize()
        inverted = int.from_bytes(self._ecb_inverse.update(data), "big")
        previous = int.from_bytes(iv + data[: -self.block_size], "big")
        return (inverted ^ previous).to_bytes(size, "big")

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
