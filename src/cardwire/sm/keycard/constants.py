"""Keycard secure channel v1 constants: AID, instruction bytes, sizes, the pairing KDF parameters
and status words (Keycard docs, keycard.tech/docs/apdu; docs/keycard.md)."""

from __future__ import annotations

from cardwire.crypto.block import AES_BLOCK

# Keycard docs, SELECT: the instance AID (package A0000008040001, instance 01).
KEYCARD_AID = bytes.fromhex("A000000804000101")
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
