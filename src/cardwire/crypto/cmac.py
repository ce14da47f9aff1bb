"""AES-CMAC (NIST SP 800-38B, RFC 4493) with a reusable prepared key for hot paths."""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC

from cardwire.errors import UsageError

AES_KEY_LENGTHS = frozenset({16, 24, 32})


def _check_aes_key(key: bytes) -> None:
    if len(key) not in AES_KEY_LENGTHS:
        raise UsageError(f"AES key must be 16, 24 or 32 bytes, got {len(key)}")


class AesCmacKey:
    """A prepared AES-CMAC key: the subkeys are derived once, each MAC copies the prepared state.

    The repr never shows key bytes.
    """

    __slots__ = ("_prepared",)

    def __init__(self, key: bytes) -> None:
        _check_aes_key(key)
        # NIST SP 800-38B 6.1: subkey generation happens once here, in the prepared object.
        self._prepared = CMAC(algorithms.AES(key))

    def mac(self, data: bytes) -> bytes:
        """Full 16-byte CMAC tag of ``data`` (NIST SP 800-38B 6.2)."""
        ctx = self._prepared.copy()
        ctx.update(data)
        return ctx.finalize()

    def __repr__(self) -> str:
        return "AesCmacKey(<hidden>)"


def aes_cmac(key: bytes, data: bytes) -> bytes:
    """One-shot AES-CMAC (RFC 4493 section 2.4): the full 16-byte tag of ``data`` under ``key``."""
    _check_aes_key(key)
    ctx = CMAC(algorithms.AES(key))
    ctx.update(data)
    return ctx.finalize()
