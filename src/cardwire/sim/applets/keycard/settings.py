"""The simulated Keycard applet's constants and its profile section: defaults (PIN, PUK, pairing
secret, version), instruction bytes and the parsing of its settings (Keycard docs,
keycard.tech/docs/apdu)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from cardwire.sim.config_loader import check, export
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
INS_SET_PINLESS_PATH = 0xC1
INS_EXPORT_KEY = 0xC2
INS_LOAD_KEY = 0xD0
INS_DERIVE_KEY = 0xD1
INS_GENERATE_MNEMONIC = 0xD2
INS_REMOVE_KEY = 0xD3
INS_GET_DATA = 0xCA
INS_STORE_DATA = 0xE2
INS_FACTORY_RESET = 0xFD
INS_INIT = 0xFE
INS_IDENTIFY = 0x14
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
# Keycard docs, SIGN / EXPORT KEY P1 bits 0-5: which key.
DERIVE_CURRENT, DERIVE, DERIVE_AND_MAKE_CURRENT, DERIVE_PINLESS = 0x00, 0x01, 0x02, 0x03
DERIVE_OPTION_MASK, DERIVE_SOURCE_MASK = 0x3F, 0xC0
# Keycard docs, EXPORT KEY P2 and its key pair template A1 {80 public, 81 private, 82 chain}.
EXPORT_PRIVATE_AND_PUBLIC, EXPORT_PUBLIC_ONLY, EXPORT_EXTENDED_PUBLIC = 0x00, 0x01, 0x02
TAG_KEY_PAIR_TEMPLATE = 0xA1
TAG_PRIVATE_KEY, TAG_CHAIN_CODE = 0x81, 0x82
# Keycard docs, EXPORT KEY: a private key leaves the card only under the EIP-1581 path
# m/43'/60'/1581' (keys for encryption, not for wallets).
EIP1581_PREFIX = (0x8000002B, 0x8000003C, 0x8000062D)
# Keycard docs, LOAD KEY P1: key pair, extended key pair, BIP39 seed.
LOAD_KEY_ECC, LOAD_KEY_EXTENDED, LOAD_KEY_SEED = 0x01, 0x02, 0x03
LOAD_KEY_LEE_SEED = 0x04  # applet 4.x, KeycardApplet.java LOAD_KEY_P1_LEE
# Keycard docs, GENERATE MNEMONIC: P1 = checksum bits, 4..8 (12..24 words).
MNEMONIC_CHECKSUM_BITS = range(4, 9)
# Keycard docs, STORE DATA / GET DATA P1: public, NDEF, cash; at most 127 bytes each (3.1).
DATA_PUBLIC, DATA_NDEF, DATA_CASH = 0x00, 0x01, 0x02
MAX_DATA_LENGTH = 127
# Keycard docs, FACTORY RESET: P1 AA, P2 55 (no secure channel needed).
FACTORY_RESET_P1, FACTORY_RESET_P2 = 0xAA, 0x55
# PyPI keycard SDK init.py (and the applet): PIN and PUK tries INIT may set.
INIT_PIN_TRIES, INIT_PUK_TRIES = range(2, 11), range(3, 13)
PAIRING_MODES = (0x00, 0x01, 0x02)  # Keycard 3.x PAIR P2: any, ephemeral, persistent


# cardwire's simulator test CA for Identity Certificates (applet 4.x): a published, insecure
# key, like Keycard's own test CA; hosts trust it only when told to (`--test-ca`).
SIM_TEST_CA_KEY = bytes.fromhex("3ba5b1c0ffee5eed0000000000000000000000000000000000000000ca5eca5e")
V2_VERSION = 0x0400  # keycard-go / PyPI SDK: Secure Channel V2 from applet 4.0


@functools.cache
def default_pairing_secret() -> bytes:
    return pairing_secret(DEFAULT_PAIRING_PASSWORD)


@dataclass(frozen=True, kw_only=True)
class KeycardConfig:
    """The Keycard applet's profile section, configuration and saved state together (Keycard
    docs: a 6-digit PIN, a 12-digit PUK, a 32-byte pairing secret, secp256k1 keys)."""

    aid: bytes = KEYCARD_AID
    version: int = field(default=DEFAULT_VERSION, metadata={"hex_bytes": 2})
    pin: str = field(default=DEFAULT_PIN, repr=False)
    pin_tries_left: int | None = field(default=None, metadata={"range": (0, 10)})
    puk: str = field(default=DEFAULT_PUK, repr=False)
    puk_tries_left: int | None = field(default=None, metadata={"range": (0, 12)})
    pairing_secret: bytes | None = field(
        default=None, repr=False, metadata={"length": SECRET_LENGTH}
    )
    # Read only when there is no pairing_secret: the secret is derived from it (Keycard docs).
    pairing_password: str | None = field(default=None, repr=False, metadata={"omit_default": True})
    pairing_slots: int = field(default=DEFAULT_PAIRING_SLOTS, metadata={"range": (1, 255)})
    pairings: tuple[bytes | None, ...] | None = field(
        default=None, repr=False, metadata={"length": SECRET_LENGTH}
    )
    secure_channel_key: bytes | None = field(default=None, repr=False, metadata={"length": 32})
    instance_uid: bytes | None = field(default=None, metadata={"length": INSTANCE_UID_LENGTH})
    key: bytes | None = field(default=None, repr=False, metadata={"length": 32})
    # The master key's chain code (empty for a plain key pair: no derivation), the current key
    # path and the PIN-less path (Keycard path bytes), the data slots, the INIT state.
    chain_code: bytes = field(default=b"", repr=False)
    key_path: bytes = field(default=b"")
    pinless_path: bytes | None = field(default=None)
    public_data: bytes = field(default=b"")
    ndef_data: bytes = field(default=b"")
    cash_data: bytes = field(default=b"")
    initialized: bool = field(default=True)
    # Applet 4.x (Secure Channel V2): the card's Identity Key and the CA that certifies it
    # (default: cardwire's simulator test CA, docs/keycard.md). Made on first use if absent.
    identity_key: bytes | None = field(default=None, repr=False, metadata={"length": 32})
    ca_key: bytes | None = field(default=None, repr=False, metadata={"length": 32})
    pin_tries: int = field(default=PIN_TRIES, metadata={"range": (2, 10)})
    puk_tries: int = field(default=PUK_TRIES, metadata={"range": (3, 12)})
    # Applet 4.x LEE mode (LOAD KEY P1 04): the LEE master's ssk and chain code.
    lee_ssk: bytes | None = field(
        default=None, repr=False, metadata={"length": 32, "omit_default": True}
    )
    lee_chain_code: bytes = field(default=b"", repr=False, metadata={"omit_default": True})

    def __post_init__(self) -> None:
        check(is_digits(self.pin.encode(), PIN_LENGTH), "pin", "expected 6 digits (CHANGE PIN)")
        check(is_digits(self.puk.encode(), PUK_LENGTH), "puk", "expected 12 digits (CHANGE PIN)")
        check(
            self.pairings is None or len(self.pairings) == self.pairing_slots,
            "pairings",
            f"expected a list of {self.pairing_slots} entries (hex key or null)",
        )

    def secret(self) -> bytes:
        """The pairing secret: as given, else derived from the pairing password."""
        if self.pairing_secret is not None:
            return self.pairing_secret
        return pairing_secret(self.pairing_password or DEFAULT_PAIRING_PASSWORD)

    def slots(self) -> list[bytes | None]:
        return list(self.pairings or (None,) * self.pairing_slots)


# The keys the default profile writes (the rest keep their defaults until the card changes them).
_DEFAULT_PROFILE_KEYS = ("aid", "pin", "puk", "pairing_secret", "pairing_slots")


def default_config() -> dict[str, Any]:
    """The Keycard applet's section in the default profile (defaults of docs/keycard.md)."""
    section = export(KeycardConfig(pairing_secret=default_pairing_secret()))
    return {key: section[key] for key in _DEFAULT_PROFILE_KEYS}


def is_digits(value: bytes, length: int) -> bool:
    return len(value) == length and all(0x30 <= b <= 0x39 for b in value)
