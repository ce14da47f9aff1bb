"""SCP03 sizes and the status words a card answers for SCP03 failures."""

from __future__ import annotations

from cardwire.crypto.block import AES_BLOCK

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
