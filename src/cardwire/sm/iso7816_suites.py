"""The cipher suites of ISO/IEC 7816-4 secure messaging as profiled by ICAO Doc 9303-11 9.8:
two-key 3DES with the retail MAC, and AES with AES-CMAC truncated to 8 bytes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum

from cardwire.crypto.block import Aes, TripleDes
from cardwire.crypto.cmac import AesCmacKey
from cardwire.crypto.retail_mac import RetailMacKey
from cardwire.errors import UsageError

MAC_LENGTH = 8  # ICAO Doc 9303-11 9.8.3: 8-byte MACs (AES-CMAC truncated)


class SuiteName(StrEnum):
    """The suites by name (ICAO Doc 9303-11 9.8.1): ``AES`` takes its key size from K_enc, the
    sized names insist on one. A StrEnum, so the plain strings (``"aes"``, ``"3des"``...) that
    configs and the CLI carry are accepted wherever a name is."""

    TDES = "3des"
    AES = "aes"
    AES128 = "aes128"
    AES192 = "aes192"
    AES256 = "aes256"


class SmSuite(ABC):
    """Encryption and MAC of one suite, with prepared keys. ``repr`` never shows keys."""

    name: str
    block_size: int
    ssc_width: int  # ICAO width of the SSC for this suite

    @abstractmethod
    def encrypt(self, counter: bytes, padded: bytes) -> bytes:
        """Encrypt padded data for the message numbered ``counter``."""

    @abstractmethod
    def decrypt(self, counter: bytes, cryptogram: bytes) -> bytes:
        """Decrypt a cryptogram of the message numbered ``counter`` (padding kept)."""

    @abstractmethod
    def mac(self, padded: bytes) -> bytes:
        """The 8-byte MAC of already padded input."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<keys hidden>)"


class TdesSuite(SmSuite):
    """Two-key 3DES: CBC with a zero IV and the ISO 9797-1 MAC algorithm 3 (ICAO 9303-11
    9.8.6.1 and 9.8.3.1), 8-byte SSC."""

    name = "3des"
    block_size = 8
    ssc_width = 8
    _ZERO_IV = bytes(8)

    def __init__(self, kenc: bytes, kmac: bytes) -> None:
        if len(kenc) != 16 or len(kmac) != 16:
            raise UsageError("3DES secure messaging needs 16-byte K_enc and K_mac")
        self._cipher = TripleDes(kenc)
        self._mac = RetailMacKey(kmac)

    def encrypt(self, counter: bytes, padded: bytes) -> bytes:
        return self._cipher.encrypt_cbc(self._ZERO_IV, padded)

    def decrypt(self, counter: bytes, cryptogram: bytes) -> bytes:
        return self._cipher.decrypt_cbc(self._ZERO_IV, cryptogram)

    def mac(self, padded: bytes) -> bytes:
        return self._mac.mac(padded)


class AesSuite(SmSuite):
    """AES-128/192/256: CBC with IV = E(KS_enc, SSC) and AES-CMAC truncated to 8 bytes
    (ICAO Doc 9303-11 9.8.6.2 and 9.8.3.2), 16-byte SSC."""

    block_size = 16
    ssc_width = 16

    def __init__(self, kenc: bytes, kmac: bytes) -> None:
        if len(kenc) not in (16, 24, 32) or len(kmac) != len(kenc):
            raise UsageError("AES secure messaging needs K_enc and K_mac of 16, 24 or 32 bytes")
        self.name = f"aes{len(kenc) * 8}"
        self._cipher = Aes(kenc)
        self._mac = AesCmacKey(kmac)

    def _iv(self, counter: bytes) -> bytes:
        # ICAO 9303-11 9.8.6.2: IV = E(KS_enc, SSC); shorter counters are left-padded.
        return self._cipher.encrypt_block(counter.rjust(16, b"\x00"))

    def encrypt(self, counter: bytes, padded: bytes) -> bytes:
        return self._cipher.encrypt_cbc(self._iv(counter), padded)

    def decrypt(self, counter: bytes, cryptogram: bytes) -> bytes:
        return self._cipher.decrypt_cbc(self._iv(counter), cryptogram)

    def mac(self, padded: bytes) -> bytes:
        return self._mac.mac(padded)[:MAC_LENGTH]


def make_suite(name: SuiteName | str, kenc: bytes, kmac: bytes) -> SmSuite:
    """A suite by :class:`SuiteName` or its string: ``3des``, or ``aes`` (key size from
    ``kenc``) or a sized ``aes128``/``aes192``/``aes256`` that must match ``kenc``."""
    try:
        suite_name = SuiteName(name)
    except ValueError:
        raise UsageError(f"unknown secure-messaging suite {name!r} (3des or aes)") from None
    if suite_name is SuiteName.TDES:
        return TdesSuite(kenc, kmac)
    suite = AesSuite(kenc, kmac)
    if suite_name not in (SuiteName.AES, suite.name):
        raise UsageError(f"suite {suite_name} does not match a {len(kenc)}-byte key")
    return suite


__all__ = ["MAC_LENGTH", "AesSuite", "SmSuite", "SuiteName", "TdesSuite", "make_suite"]
