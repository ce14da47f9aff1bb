"""SCP03's numbers and the class byte: security levels, S8/S16 mode, the "i" parameter, the
derivation constants, sizes, status words, and the CLA under secure messaging.

Sources: GlobalPlatform Card Specification v2.3 Amendment D (SCP03) v1.2, sections 4.1.5
(derivation constants), 5.1 ("i" parameter), 6.2.4 (class byte), 7.1.1.6 (key information),
7.1.2.1 (EXTERNAL AUTHENTICATE P1); GP Card Spec v2.3 11.1.4 (CLA). The class-byte functions are
pure functions of one byte, cached: they run for every protected APDU (SCP02 uses them too).
"""

from __future__ import annotations

from enum import IntEnum, IntFlag
from functools import lru_cache

from cardwire.apdu import Command
from cardwire.cla import ClassKind, SmIndication, parse_cla, with_secure_messaging
from cardwire.crypto.block import AES_BLOCK
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


AES_KEY_LENGTHS = (16, 24, 32)
DEFAULT_KEY = bytes(range(0x40, 0x50))  # the well-known GP test key 404142...4F
DEFAULT_KVN = 0x30
DIVERSIFICATION_DATA_LENGTH = 10  # GP Amendment D 7.1.1.6 table 7-3
KEY_INFORMATION_LENGTH = 3
SEQUENCE_COUNTER_LENGTH = 3
MAX_SEQUENCE_COUNTER = 0xFFFFFF
ZERO_BLOCK = bytes(AES_BLOCK)


# Status words the card answers for SCP03 failures (GP Card Spec v2.3 11.8 / 11.11 tables).
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_AUTHENTICATION_FAILED = 0x6300
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_WRONG_LENGTH = 0x6700
SW_WRONG_P1P2 = 0x6A86
SW_KEY_NOT_FOUND = 0x6A88

# Commands the card OS itself serves without secure messaging during a session: SELECT ends the
# session (GP Card Spec 10.2.3: a new selection terminates it), MANAGE CHANNEL and GET RESPONSE
# are channel plumbing (ISO 7816-4 5.3.3, 7.1.3), and INITIALIZE UPDATE starts a new session.
PLAIN_ISO_INS = frozenset({0xA4, 0x70, 0xC0})
# SCP11 (GP Amendment F 7.5, 7.6) starts its sessions with PERFORM SECURITY OPERATION (2A, a
# chained certificate when long), INTERNAL AUTHENTICATE (88) and MUTUAL AUTHENTICATE (82, P2
# an SCP11 KID 11/13/15): like INITIALIZE UPDATE they go plain and end the session open.
_SCP11_OPENERS = frozenset({0x2A, 0x88})
_SCP11_KIDS = frozenset({0x11, 0x13, 0x15})


def starts_session(command: Command) -> bool:
    """Whether ``command`` opens a new GP secure channel session (GP Card Spec v2.3 10.2.3: the
    session open ends): INITIALIZE UPDATE, or the first commands of an SCP11 handshake."""
    if not parse_cla(command.cla).gp:
        return False
    if command.ins == INS_EXTERNAL_AUTHENTICATE:
        return command.p2 in _SCP11_KIDS
    return command.ins == INS_INITIALIZE_UPDATE or command.ins in _SCP11_OPENERS


def _first_range(kind: ClassKind) -> bool:
    return kind in (ClassKind.FIRST_INTERINDUSTRY, ClassKind.GP_FIRST)


@lru_cache(maxsize=256)
def secure_cla(cla: int) -> int:
    """CLA with the secure-messaging indication set; the logical channel is kept."""
    kind = parse_cla(cla).kind
    if kind is ClassKind.FIRST_INTERINDUSTRY:
        # GP Amendment D 6.2.4: "bit 4 set to 0 and bit 3 set to 1" (GP proprietary SM).
        return (cla & ~0x0C) | 0x04
    if kind in (ClassKind.GP_FIRST, ClassKind.GP_FURTHER, ClassKind.FURTHER_INTERINDUSTRY):
        return with_secure_messaging(cla, True)
    raise UsageError(f"CLA {cla:02X} ({kind}) cannot carry SCP03 secure messaging")


@lru_cache(maxsize=256)
def cla_in_mac(wire_cla: int) -> int:
    """GP Amendment D 6.2.4: for the C-MAC only, the logical channel number is set to zero and
    the SM indication set (first ranges: b4=0 b3=1; further ranges: b6=1)."""
    kind = parse_cla(wire_cla).kind
    return (wire_cla & 0xF0) | (0x04 if _first_range(kind) else 0x20)


@lru_cache(maxsize=256)
def plain_cla(wire_cla: int) -> int:
    kind = parse_cla(wire_cla).kind
    if kind is ClassKind.FIRST_INTERINDUSTRY:
        return wire_cla & ~0x0C
    return with_secure_messaging(wire_cla, False)


@lru_cache(maxsize=256)
def carries_gp_sm(cla: int) -> bool:
    """True when CLA indicates GlobalPlatform secure messaging."""
    info = parse_cla(cla)
    if info.kind in (ClassKind.FIRST_INTERINDUSTRY, ClassKind.GP_FIRST, ClassKind.GP_FURTHER):
        return info.sm is SmIndication.PROPRIETARY
    if info.kind is ClassKind.FURTHER_INTERINDUSTRY:
        return info.sm is SmIndication.HEADER_NOT_AUTHENTICATED
    return False


def encoded_lc(nc: int, extended: bool) -> bytes:
    # ISO 7816-4 5.1: the Lc field as it travels (short: 1 byte; extended: 00 || 2 bytes).
    return b"\x00" + nc.to_bytes(2, "big") if extended else nc.to_bytes(1, "big")


__all__ = [
    "AES_KEY_LENGTHS",
    "DEFAULT_KEY",
    "DEFAULT_KVN",
    "DIVERSIFICATION_DATA_LENGTH",
    "FULL_SECURITY",
    "INS_EXTERNAL_AUTHENTICATE",
    "INS_INITIALIZE_UPDATE",
    "KEY_INFORMATION_LENGTH",
    "MAX_SEQUENCE_COUNTER",
    "PLAIN_ISO_INS",
    "SCP03_ID",
    "SEQUENCE_COUNTER_LENGTH",
    "SW_AUTHENTICATION_FAILED",
    "SW_CONDITIONS_NOT_SATISFIED",
    "SW_KEY_NOT_FOUND",
    "SW_SECURITY_NOT_SATISFIED",
    "SW_WRONG_LENGTH",
    "SW_WRONG_P1P2",
    "VALID_LEVELS",
    "ZERO_BLOCK",
    "Derivation",
    "KeyParameter",
    "Mode",
    "SecurityLevel",
    "carries_gp_sm",
    "cla_in_mac",
    "encoded_lc",
    "plain_cla",
    "secure_cla",
    "security_level",
    "starts_session",
]
