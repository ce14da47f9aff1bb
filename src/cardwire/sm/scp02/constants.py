"""SCP02 constants: the "i" parameter, security levels, derivation constants and sizes.

Source: GlobalPlatform Card Specification v2.3.1 Annex E (SCP02): E.1.1 ("i" parameter, table
E-1), E.4.1 (session key derivation constants), E.5.1 / E.5.2 (INITIALIZE UPDATE, EXTERNAL
AUTHENTICATE). The bit names follow table E-1; which way b2 points was pinned by the published
osmocom pySim vectors (tests/sm/test_scp02.py), not by a name (pySim calls the same MAC
"not mac_on_unmodified", Petr Tobiska's asterix names the bit M_CMAC_MODIF).
"""

from __future__ import annotations

from enum import IntFlag

from cardwire.errors import UsageError

SCP02_ID = 0x02  # GP Card Spec E.5.1.6: "SCP identifier" byte of the key information
DES3_KEY_LENGTH = 16  # two-key 3DES (GP Card Spec E.1.3)
HOST_CHALLENGE_LENGTH = 8
CARD_CHALLENGE_LENGTH = 6
CRYPTOGRAM_LENGTH = 8
MAC_LENGTH = 8
SEQUENCE_COUNTER_LENGTH = 2  # GP Card Spec E.5.1.6 table E-15: 2 bytes
MAX_SEQUENCE_COUNTER = 0xFFFF
INITIALIZE_UPDATE_ANSWER_LENGTH = 28  # 10 + 2 + 2 + 6 + 8
DEFAULT_KVN = 0x20  # GPC_GUI_010 section 6: key versions 20..2F are for SCP02
ZERO_ICV = bytes(8)


class Option(IntFlag):
    """Bits of the SCP02 "i" parameter (GP Card Spec v2.3.1 E.1.1, table E-1)."""

    NONE = 0x00
    THREE_KEYS = 0x01  # b1: three Secure Channel keys (0: one base key)
    C_MAC_ON_UNMODIFIED = 0x02  # b2: C-MAC on the unmodified APDU (0: on the modified APDU)
    EXPLICIT_INITIATION = 0x04  # b3
    ICV_MAC_OVER_AID = 0x08  # b4: first ICV = MAC over the AID (0: zero)
    ICV_ENCRYPTION = 0x10  # b5: ICV encrypted for the C-MAC session
    R_MAC = 0x20  # b6: R-MAC support
    PSEUDO_RANDOM_CHALLENGE = 0x40  # b7: well-known pseudo-random card challenge


I_15 = Option(0x15)
I_55 = Option(0x55)
SUPPORTED_OPTIONS = frozenset({I_15, I_55})


def implementation_option(value: int) -> Option:
    """``value`` as a supported "i" parameter (15 or 55); UsageError for the others."""
    if not isinstance(value, int) or value not in SUPPORTED_OPTIONS:
        raise UsageError(f"SCP02 implementation option must be 15 or 55, got {value!r}")
    return Option(value)


class SecurityLevel(IntFlag):
    """EXTERNAL AUTHENTICATE P1 under SCP02 (GP Card Spec v2.3.1 E.5.2.1, table E-18)."""

    AUTHENTICATED = 0x00
    C_MAC = 0x01
    C_DECRYPTION = 0x02


# GP Card Spec E.5.2.1: without R-MAC (i = 15, 55) the levels are 00, 01 and 03.
VALID_LEVELS = frozenset({0x00, 0x01, 0x03})


def security_level(value: int) -> SecurityLevel:
    if not isinstance(value, int) or value not in VALID_LEVELS:
        raise UsageError(f"SCP02 security level must be 00, 01 or 03, got {value!r}")
    return SecurityLevel(value)


# GP Card Spec E.4.1: session key derivation constants.
CONSTANT_C_MAC = b"\x01\x01"
CONSTANT_R_MAC = b"\x01\x02"
CONSTANT_DEK = b"\x01\x81"
CONSTANT_ENC = b"\x01\x82"
