"""The simulated Keycard applet's constants and its profile section: defaults (PIN, PUK, pairing
secret, version), instruction bytes and the parsing of its settings (Keycard docs,
keycard.tech/docs/apdu)."""

from __future__ import annotations

import functools
from typing import Any

from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sm.keycard import (
    DEFAULT_PAIRING_PASSWORD,
    KEYCARD_AID,
    SECRET_LENGTH,
    pairing_secret,
)

DEFAULT_VERSION = 0x0301  # applet 3.1: clients pick secure channel v1 below 4.0
DEFAULT_PIN = "123456"
DEFAULT_PUK = "123456789012"
DEFAULT_PAIRING_SLOTS = 5  # the Keycard applet's pairing slot count
PIN_LENGTH = 6  # Keycard docs, CHANGE PIN: a 6-digit PIN and a 12-digit PUK
PUK_LENGTH = 12
PIN_TRIES = 3
PUK_TRIES = 5
INSTANCE_UID_LENGTH = 16
# Keycard docs, APDU overview: instructions of the applet.
INS_GET_STATUS = 0xF2
INS_VERIFY_PIN = 0x20
INS_CHANGE_PIN = 0x21
INS_UNBLOCK_PIN = 0x22
INS_GENERATE_KEY = 0xD4
INS_SIGN = 0xC0
PIN_REFERENCE, PUK_REFERENCE = 1, 2
# Keycard docs, SELECT: the application info template's tags are the host decoder's
# (cardwire.sm.keycard.application_info); INTEGER holds the version (2 bytes), then the free
# pairing slots (1 byte).
# Capabilities: secure channel 01, key management 02, credentials management 04 (no NDEF 08).
CAPABILITIES = 0x01 | 0x02 | 0x04
# Keycard docs, GET STATUS: application status template, key-initialised boolean.
TAG_APPLICATION_STATUS = 0xA3
TAG_BOOLEAN = 0x01
GET_STATUS_APPLICATION, GET_STATUS_KEY_PATH = 0x00, 0x01
# Keycard docs, CHANGE PIN P1.
CHANGE_PIN, CHANGE_PUK, CHANGE_PAIRING_SECRET = 0x00, 0x01, 0x02
# Keycard docs, SIGN: signature template A0 with the public key (80) and a DER signature (30).
TAG_SIGNATURE_TEMPLATE = 0xA0
SIGN_CURRENT_KEY = 0x00
SIGN_ECDSA_SECP256K1 = 0x00
DIGEST_LENGTH = 32
PAIRING_MODES = (0x00, 0x01, 0x02)  # Keycard 3.x PAIR P2: any, ephemeral, persistent


@functools.cache
def default_pairing_secret() -> bytes:
    return pairing_secret(DEFAULT_PAIRING_PASSWORD)


def default_config() -> dict[str, Any]:
    """The Keycard applet's section in the default profile (defaults of docs/keycard.md)."""
    return {
        "aid": to_hex(KEYCARD_AID),
        "pin": DEFAULT_PIN,
        "puk": DEFAULT_PUK,
        "pairing_secret": to_hex(default_pairing_secret()),
        "pairing_slots": DEFAULT_PAIRING_SLOTS,
    }


def is_digits(value: bytes, length: int) -> bool:
    return len(value) == length and all(0x30 <= b <= 0x39 for b in value)


def hex_setting(section: dict[str, Any], key: str, length: int | None) -> bytes | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise UsageError(f"{key}: expected hex text")
    try:
        raw = parse_hex(value)
    except DecodeError as exc:
        raise UsageError(f"{key}: {exc}") from exc
    if length is not None and len(raw) != length:
        raise UsageError(f"{key}: expected {length} bytes, got {len(raw)}")
    return raw


def count_setting(section: dict[str, Any], key: str, maximum: int) -> int | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise UsageError(f"{key}: expected a number 0..{maximum}")
    return value


def pairings_from_config(value: object, slot_count: int) -> list[bytes | None]:
    if value is None:
        return [None] * slot_count
    if not isinstance(value, list) or len(value) != slot_count:
        raise UsageError(f"pairings: expected a list of {slot_count} entries (hex key or null)")
    slots: list[bytes | None] = []
    for i, entry in enumerate(value):
        if entry is None:
            slots.append(None)
            continue
        key = hex_setting({"k": entry}, "k", SECRET_LENGTH)
        if key is None:
            raise UsageError(f"pairings[{i}]: expected a 32-byte key in hex or null")
        slots.append(key)
    return slots
