"""Key diversification templates for SCP03 static keys: per-card keys from a master key and the
card's 10-byte key diversification data (the first field of the INITIALIZE UPDATE answer, GP
Amendment D 7.1.1.6 table 7-3).

GlobalPlatform defines no diversification scheme of its own; the named templates are those that
public host tools implement for AES (SCP03) keys:

- ``kdf3``: GlobalPlatformPro (``library/src/main/java/pro/javacard/gp/keys/PlaintextKeys.java``,
  template ``"$_ 0x00 0x00 0x00 $k 0x00 $0 .. $9"``, run through ``GPCrypto.scp03_kdf``): the
  NIST SP 800-108 counter-mode KDF with AES-CMAC, an 8-bit counter *before* the fixed data
  (nothing precedes it), fixed data = 00 00 00 || key type || 00 || diversification data, and
  output length = the master key length. Key types: 01 ENC, 02 MAC, 03 DEK (the same project's
  ``SCP03_KDF_CONSTANTS`` 0000000100 / 0000000200 / 0000000300). There is no L field.
- ``none``: the keys are used as given.

The EMV CPS and VISA2 templates of the same projects build a 3DES-ECB input block; they apply to
SCP01/SCP02 3DES keys only (GlobalPlatformPro refuses them for SCP03, whose templates must hold
the ``$_`` counter marker), so they are not offered here.
"""

from __future__ import annotations

from enum import IntEnum

from cardwire.crypto.kdf_sp800108 import kdf_counter_cmac
from cardwire.errors import UsageError
from cardwire.sm.scp03.constants import DIVERSIFICATION_DATA_LENGTH

NO_DIVERSIFICATION = "none"
KDF3 = "kdf3"
SCHEMES = (NO_DIVERSIFICATION, KDF3)


class KeyPurpose(IntEnum):
    """The key type byte of the KDF3 fixed data (GlobalPlatformPro ``GPCardKeys.KeyPurpose``)."""

    ENC = 0x01
    MAC = 0x02
    DEK = 0x03


def scheme_name(name: str) -> str:
    """``name`` normalised to one of :data:`SCHEMES` (any case); UsageError otherwise."""
    normalised = name.strip().lower() if isinstance(name, str) else ""
    if normalised not in SCHEMES:
        raise UsageError(f"unknown key diversification {name!r}: use one of {', '.join(SCHEMES)}")
    return normalised


def _kdf3(master: bytes, purpose: KeyPurpose, diversification_data: bytes) -> bytes:
    # GlobalPlatformPro "kdf3": counter || 00 00 00 || key type || 00 || KDD, L = key length.
    fixed = b"".join((bytes(3), bytes((purpose,)), b"\x00", diversification_data))
    return kdf_counter_cmac(master, b"", fixed, len(master))


def diversify_key(
    master: bytes, purpose: KeyPurpose, diversification_data: bytes, scheme: str = KDF3
) -> bytes:
    """The card key for ``purpose`` derived from ``master`` with the named ``scheme``."""
    name = scheme_name(scheme)
    if len(diversification_data) != DIVERSIFICATION_DATA_LENGTH:
        raise UsageError(
            f"key diversification data is {DIVERSIFICATION_DATA_LENGTH} bytes, "
            f"got {len(diversification_data)}"
        )
    if name == NO_DIVERSIFICATION:
        return master
    return _kdf3(master, purpose, diversification_data)


__all__ = [
    "KDF3",
    "NO_DIVERSIFICATION",
    "SCHEMES",
    "KeyPurpose",
    "diversify_key",
    "scheme_name",
]
