"""Key diversification of 3DES (SCP02) keys from a master key, with the templates in common use
as GlobalPlatformPro names them.

GlobalPlatform defines no scheme: a card personalised from a master key (an issuer's KMC) holds
card keys derived from it and from the card's 10-byte key diversification data, the first field
of the INITIALIZE UPDATE answer (GP Card Spec v2.3.1 E.5.1.6 table E-15). Each template builds
one 16-byte block per key, and the card key is that block 3DES-ECB encrypted under the master
key. GlobalPlatformPro (``library/src/main/java/pro/javacard/gp/keys/PlaintextKeys.java``,
``kdf_templates``; ``$n`` = byte n of the diversification data, ``$k`` = the key type 01 ENC,
02 MAC, 03 DEK):

- ``emv`` (the EMV CPS v1.1 derivation of the card keys from the KMC, as GlobalPlatformPro
  implements it: the last six bytes of the data): ``$4..$9 F0 $k $4..$9 0F $k``;
- ``visa2``: ``$0 $1 $4 $5 $6 $7 F0 $k $0 $1 $4 $5 $6 $7 0F $k``;
- ``none``: the keys are used as given.

Pinned by GlobalPlatformPro's known answers (``TestPlaintextKeys.java``:
``testDiversification_EMV_SCP02``, ``testDiversification_VISA2_SCP02``). GlobalPlatformPro's
third 3DES template (``visa``, bytes 0-3 and 8-9) has no published vector and is not offered.
"""

from __future__ import annotations

from cardwire.crypto.block import TripleDes
from cardwire.errors import UsageError
from cardwire.sm.scp03 import KeyPurpose, check_diversification_data

NO_DIVERSIFICATION = "none"
EMV = "emv"
VISA2 = "visa2"
DIVERSIFICATION_SCHEMES = (NO_DIVERSIFICATION, EMV, VISA2)

# The bytes of the diversification data each template takes (GlobalPlatformPro's templates).
_TEMPLATE_BYTES = {EMV: (4, 5, 6, 7, 8, 9), VISA2: (0, 1, 4, 5, 6, 7)}


def scheme_name(name: str) -> str:
    """``name`` normalised to one of :data:`DIVERSIFICATION_SCHEMES` (any case); UsageError
    for any other name."""
    normalised = name.strip().lower() if isinstance(name, str) else ""
    if normalised not in DIVERSIFICATION_SCHEMES:
        raise UsageError(
            f"unknown SCP02 key diversification {name!r}: use one of "
            f"{', '.join(DIVERSIFICATION_SCHEMES)}"
        )
    return normalised


def diversification_block(scheme: str, purpose: KeyPurpose, diversification_data: bytes) -> bytes:
    """The 16-byte block the template builds: six bytes of the data, F0, the key type, the same
    six bytes, 0F, the key type."""
    picked = bytes(diversification_data[i] for i in _TEMPLATE_BYTES[scheme])
    return picked + bytes((0xF0, purpose)) + picked + bytes((0x0F, purpose))


def diversify_key(
    master: bytes, purpose: KeyPurpose, diversification_data: bytes, scheme: str
) -> bytes:
    """The card key for ``purpose`` derived from ``master`` with the named ``scheme``."""
    name = scheme_name(scheme)
    check_diversification_data(diversification_data)
    if name == NO_DIVERSIFICATION:
        return master
    # GlobalPlatformPro PlaintextKeys.diversify: GPCrypto.des3_ecb(block, master), two blocks.
    return TripleDes(master).encrypt_block(
        diversification_block(name, purpose, diversification_data)
    )


__all__ = [
    "DIVERSIFICATION_SCHEMES",
    "EMV",
    "NO_DIVERSIFICATION",
    "VISA2",
    "diversification_block",
    "diversify_key",
    "scheme_name",
]
