"""SCP03 constants: security levels, the "i" parameter, S8/S16 mode, derivation constants.

Sources: GlobalPlatform Card Specification v2.3 Amendment D (SCP03) v1.2, sections 4.1.5
(derivation constants), 5.1 ("i" parameter), 7.1.2.1 (EXTERNAL AUTHENTICATE P1).
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

from cardwire.errors import UsageError


class SecurityLevel(IntFlag):
    """EXTERNAL AUTHENTICATE P1 (GP Amendment D 7.1.2.1, GP Card Spec v2.3 table 10-1)."""

    AUTHENTICATED = 0x00  # no secure messaging after the handshake
    C_MAC = 0x01
    C_DECRYPTION = 0x02
    R_MAC = 0x10
    R_ENCRYPTION = 0x20


# GP Amendment D 7.1.2.1: the only meaningful combinations (C-DECRYPTION needs C-MAC, R-MAC
# needs C-MAC, R-ENCRYPTION needs C-DECRYPTION and R-MAC).
VALID_LEVELS = frozenset({0x00, 0x01, 0x03, 0x11, 0x13, 0x33})
FULL_SECURITY = SecurityLevel(0x33)


def security_level(value: int) -> SecurityLevel:
    """``value`` as a :class:`SecurityLevel`; UsageError for combinations GP does not define."""
    if not isinstance(value, int) or value not in VALID_LEVELS:
        valid = ", ".join(f"{level:02X}" for level in sorted(VALID_LEVELS))
        raise UsageError(f"SCP03 security level must be one of {valid}, got {value!r}")
    return SecurityLevel(value)


class Mode(IntEnum):
    """Challenge, cryptogram and MAC length in bytes (GP Amendment D 5.1 and 6.2.4)."""

    S8 = 8
    S16 = 16


class KeyParameter(IntFlag):
    """Bits of the SCP03 "i" parameter in the key information (GP Amendment D 5.1, table 5-1)."""

    NONE = 0x00
    S16 = 0x01  # b1: S16 mode (Amendment D v1.1.1 and later)
    PSEUDO_RANDOM_CHALLENGE = 0x10  # b5: card challenge derived from the sequence counter
    R_MAC_SUPPORTED = 0x20  # b6
    R_ENCRYPTION_SUPPORTED = 0x40  # b7


class Derivation(IntEnum):
    """Derivation constants (GP Amendment D 4.1.5, table 4-1)."""

    CARD_CRYPTOGRAM = 0x00
    HOST_CRYPTOGRAM = 0x01
    CARD_CHALLENGE = 0x02
    S_ENC = 0x04
    S_MAC = 0x06
    S_RMAC = 0x07


SCP03_ID = 0x03  # GP Amendment D 7.1.1.6: "SCP identifier" byte of the key information
INS_INITIALIZE_UPDATE = 0x50
INS_EXTERNAL_AUTHENTICATE = 0x82
