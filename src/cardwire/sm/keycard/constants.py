"""Keycard secure channel v1 constants: AID, instruction bytes, sizes, the pairing KDF parameters
and status words (Keycard docs, keycard.tech/docs/apdu; docs/keycard.md)."""

from __future__ import annotations

from cardwire.crypto.block import AES_BLOCK

# Keycard AIDs as the card's GP registry holds them (keycard-go identifiers.go,
# KeycardInstanceAID; Status Java SDK Identifiers.getKeycardInstanceAID): the package (executable
# load file), the applet (module) and the default instance = applet AID + instance index 01.
# A SELECT of the applet AID still reaches the instance (ISO 7816-4 11.2.2.2, partial DF name).
KEYCARD_PACKAGE_AID = bytes.fromhex("A0000008040001")
KEYCARD_APPLET_AID = bytes.fromhex("A000000804000101")
KEYCARD_INSTANCE_INDEX = 0x01
KEYCARD_AID = KEYCARD_APPLET_AID + bytes((KEYCARD_INSTANCE_INDEX,))
# Keycard docs, APDU overview: the applet's proprietary class and instructions.
CLA_KEYCARD = 0x80
INS_OPEN_SECURE_CHANNEL = 0x10
INS_MUTUALLY_AUTHENTICATE = 0x11
INS_PAIR = 0x12
INS_UNPAIR = 0x13
INS_SELECT = 0xA4  # ISO 7816-4 SELECT: deselects the applet and so ends the channel
PAIR_FIRST_STEP = 0x00  # Keycard docs, PAIR: P1
PAIR_FINAL_STEP = 0x01
SECRET_LENGTH = 32
CHALLENGE_LENGTH = 32
SALT_LENGTH = 32
IV_LENGTH = AES_BLOCK
MAC_LENGTH = AES_BLOCK
KEY_LENGTH = 32
# Keycard docs, PAIR: the pairing password becomes the shared secret with PBKDF2.
PAIRING_SALT = "Keycard Pairing Password Salt"
PAIRING_ITERATIONS = 50000
DEFAULT_PAIRING_PASSWORD = "KeycardDefaultPairing"  # noqa: S105 - the documented default
SW_SUCCESS = 0x9000
# Keycard docs, "Secure Channel": 6982 answered without MAC = channel aborted.
SW_CHANNEL_CLOSED = 0x6982


__all__ = [
    "CHALLENGE_LENGTH",
    "CLA_KEYCARD",
    "DEFAULT_PAIRING_PASSWORD",
    "INS_MUTUALLY_AUTHENTICATE",
    "INS_OPEN_SECURE_CHANNEL",
    "INS_PAIR",
    "INS_SELECT",
    "INS_UNPAIR",
    "IV_LENGTH",
    "KEYCARD_AID",
    "KEY_LENGTH",
    "MAC_LENGTH",
    "PAIRING_ITERATIONS",
    "PAIRING_SALT",
    "PAIR_FINAL_STEP",
    "PAIR_FIRST_STEP",
    "SALT_LENGTH",
    "SECRET_LENGTH",
    "SW_CHANNEL_CLOSED",
    "SW_SUCCESS",
]
