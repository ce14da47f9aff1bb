"""Host-side builders and parsers for the Keycard applet 3.1 commands (Keycard docs,
keycard.tech/docs/apdu, one page per command). Sans-IO: each builder returns a
:class:`Command` to send through the secure channel (or plain where the docs allow it), each
parser reads the answer's data.

Paths are text (``m/44'/60'/0'/0/0``, ``../0``, ``./1``): cardwire.crypto.bip32.parse_path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cardwire.apdu import MAX_SHORT_NE, Command
from cardwire.crypto.bip32 import decode_path, encode_path, format_path, parse_path
from cardwire.crypto.block import AES_BLOCK, Aes
from cardwire.crypto.lee import NSK_LENGTH, VSK_LENGTH, LeeKeys
from cardwire.crypto.padding import pad
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import DecodeError, UsageError
from cardwire.sm.base import Rng
from cardwire.sm.keycard.constants import CLA_KEYCARD, SECRET_LENGTH
from cardwire.tlv import parse_one, tlv

# Keycard docs, APDU overview: instruction bytes.
INS_VERIFY_PIN, INS_CHANGE_PIN, INS_UNBLOCK_PIN = 0x20, 0x21, 0x22
INS_GET_STATUS, INS_GENERATE_KEY, INS_REMOVE_KEY = 0xF2, 0xD4, 0xD3
INS_LOAD_KEY, INS_DERIVE_KEY, INS_GENERATE_MNEMONIC = 0xD0, 0xD1, 0xD2
INS_SIGN, INS_SET_PINLESS_PATH, INS_EXPORT_KEY = 0xC0, 0xC1, 0xC2
INS_GET_DATA, INS_STORE_DATA = 0xCA, 0xE2
INS_FACTORY_RESET, INS_INIT, INS_IDENTIFY = 0xFD, 0xFE, 0x14
# Keycard docs, CHANGE PIN P1.
CHANGE_PIN, CHANGE_PUK, CHANGE_PAIRING_SECRET = 0x00, 0x01, 0x02
# Keycard docs, SIGN / EXPORT KEY P1 (low bits).
DERIVE_CURRENT, DERIVE, DERIVE_AND_MAKE_CURRENT, DERIVE_PINLESS = 0x00, 0x01, 0x02, 0x03
# Keycard docs, EXPORT KEY P2.
EXPORT_PRIVATE, EXPORT_PUBLIC, EXPORT_EXTENDED_PUBLIC = 0x00, 0x01, 0x02
# Keycard docs, LOAD KEY P1.
LOAD_KEY_ECC, LOAD_KEY_EXTENDED, LOAD_KEY_SEED = 0x01, 0x02, 0x03
# Applet 4.x (KeycardApplet.java at a61616a; PyPI SDK load_key.py, export_lee.py): a LEE seed
# and EXPORT LEE, answered A1 { 83 NSK, 84 VSK }.
LOAD_KEY_LEE_SEED, INS_EXPORT_LEE, TAG_LEE_NSK, TAG_LEE_VSK = 0x04, 0xC3, 0x83, 0x84
# Keycard docs, STORE DATA / GET DATA P1.
DATA_SLOTS = {"public": 0x00, "ndef": 0x01, "cash": 0x02}
TAG_KEY_PAIR, TAG_PUBLIC, TAG_PRIVATE, TAG_CHAIN = 0xA1, 0x80, 0x81, 0x82
TAG_SIGNATURE_TEMPLATE, TAG_STATUS = 0xA0, 0xA3


def _command(ins: int, p1: int = 0, p2: int = 0, data: bytes = b"") -> Command:
    return Command(CLA_KEYCARD, ins, p1, p2, data, MAX_SHORT_NE)


def _digits(value: str, length: int, what: str) -> bytes:
    if len(value) != length or not value.isdigit():
        raise UsageError(f"a Keycard {what} is {length} digits")
    return value.encode("ascii")


def verify_pin(pin: str) -> Command:
    return _command(INS_VERIFY_PIN, data=pin.encode("ascii"))


def change_pin(pin: str) -> Command:
    return _command(INS_CHANGE_PIN, CHANGE_PIN, data=_digits(pin, 6, "PIN"))


def change_puk(puk: str) -> Command:
    return _command(INS_CHANGE_PIN, CHANGE_PUK, data=_digits(puk, 12, "PUK"))


def change_pairing_secret(secret: bytes) -> Command:
    if len(secret) != SECRET_LENGTH:
        raise UsageError(f"a pairing secret is {SECRET_LENGTH} bytes")
    return _command(INS_CHANGE_PIN, CHANGE_PAIRING_SECRET, data=secret)


def unblock_pin(puk: str, new_pin: str) -> Command:
    return _command(INS_UNBLOCK_PIN, data=_digits(puk, 12, "PUK") + _digits(new_pin, 6, "PIN"))


def get_status(key_path: bool = False) -> Command:
    return _command(INS_GET_STATUS, 0x01 if key_path else 0x00)


@dataclass(frozen=True)
class Status:
    """GET STATUS P1 00: PIN and PUK tries left, whether a key is loaded."""

    pin_tries: int
    puk_tries: int
    key_initialized: bool


def parse_status(data: bytes) -> Status:
    node = parse_one(data)
    values = [child.value for child in node.children]
    if node.tag != TAG_STATUS or len(values) < 3 or not all(len(v) == 1 for v in values[:3]):
        raise DecodeError("GET STATUS: expected A3 { 02 PIN tries, 02 PUK tries, 01 key }", 0)
    return Status(values[0][0], values[1][0], any(values[2]))


def parse_key_path(data: bytes) -> str:
    return format_path(decode_path(data))


def _path(text: str) -> tuple[int, bytes]:
    source, components = parse_path(text)
    return source, encode_path(components)


def derive_key(path: str) -> Command:
    source, data = _path(path)
    return _command(INS_DERIVE_KEY, source, data=data)


def generate_key() -> Command:
    return _command(INS_GENERATE_KEY)


def remove_key() -> Command:
    return _command(INS_REMOVE_KEY)


def generate_mnemonic(words: int = 12) -> Command:
    """BIP-39: 12..24 words in steps of 3; P1 is the checksum size in bits (words / 3)."""
    if words not in range(12, 25, 3):
        raise UsageError("a mnemonic has 12, 15, 18, 21 or 24 words")
    return _command(INS_GENERATE_MNEMONIC, words // 3)


def parse_mnemonic(data: bytes) -> list[int]:
    if len(data) % 2:
        raise DecodeError("GENERATE MNEMONIC: the answer is 2 bytes per word", len(data))
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def load_seed(seed: bytes) -> Command:
    return _command(INS_LOAD_KEY, LOAD_KEY_SEED, data=seed)


def load_lee_seed(seed: bytes) -> Command:
    """LOAD KEY P1 04 (applet 4.x): the card enters LEE mode (docs/keycard.md, "LEE")."""
    if not 16 <= len(seed) <= 64:
        raise UsageError(f"a LEE seed is 16 to 64 bytes, got {len(seed)}")
    return _command(INS_LOAD_KEY, LOAD_KEY_LEE_SEED, data=seed)


def export_lee(path: str = "m") -> Command:
    """EXPORT LEE (applet 4.x): the LEE keys at ``path``, which starts at the master."""
    source, data = _path(path)
    if source != 0x00:
        raise UsageError("LEE keys derive from the master key: the path starts at m")
    return _command(INS_EXPORT_LEE, data=data)


def parse_lee_keys(data: bytes) -> LeeKeys:
    """EXPORT LEE answer A1 { 83 NSK (32 bytes), 84 VSK (64 bytes) }."""
    node = parse_one(data)
    fields = {child.tag: child.value for child in node.children} if node.tag == TAG_KEY_PAIR else {}
    nsk, vsk = fields.get(TAG_LEE_NSK, b""), fields.get(TAG_LEE_VSK, b"")
    if len(nsk) != NSK_LENGTH or len(vsk) != VSK_LENGTH:
        raise DecodeError("EXPORT LEE: expected A1 { 83 NSK (32 bytes), 84 VSK (64 bytes) }", 0)
    return LeeKeys(nsk, vsk)


def load_key_pair(private_key: bytes, chain_code: bytes | None = None) -> Command:
    """LOAD KEY P1 01 (key pair) or 02 (with a chain code): A1 { 80 public, 81 private [82] }."""
    public = Secp256k1PrivateKey(private_key).public_key
    body = tlv(TAG_PUBLIC, public) + tlv(TAG_PRIVATE, private_key)
    if chain_code is not None:
        body += tlv(TAG_CHAIN, chain_code)
    p1 = LOAD_KEY_ECC if chain_code is None else LOAD_KEY_EXTENDED
    return _command(INS_LOAD_KEY, p1, data=tlv(TAG_KEY_PAIR, body))


def sign(
    digest: bytes, path: str | None = None, *, make_current: bool = False, pinless: bool = False
) -> Command:
    if len(digest) != 32:
        raise UsageError(f"SIGN takes a 32-byte hash, got {len(digest)} bytes")
    if pinless:
        return _command(INS_SIGN, DERIVE_PINLESS, data=digest)
    if path is None:
        return _command(INS_SIGN, DERIVE_CURRENT, data=digest)
    source, data = _path(path)
    option = DERIVE_AND_MAKE_CURRENT if make_current else DERIVE
    return _command(INS_SIGN, option | source, data=digest + data)


def parse_signature(data: bytes) -> tuple[bytes, bytes]:
    """SIGN answer A0 { 80 public key, 30 DER signature } -> (public key, DER signature)."""
    node = parse_one(data)
    children = node.children
    if node.tag != TAG_SIGNATURE_TEMPLATE or [c.tag for c in children] != [TAG_PUBLIC, 0x30]:
        raise DecodeError("SIGN: expected A0 { 80 public key, 30 signature }", 0)
    return children[0].value, children[1].encode()


def set_pinless_path(path: str | None) -> Command:
    if not path:
        return _command(INS_SET_PINLESS_PATH)
    source, data = _path(path)
    if source != 0x00:
        raise UsageError("a PIN-less path starts at the master key: m/...")
    return _command(INS_SET_PINLESS_PATH, data=data)


def export_key(
    path: str | None = None,
    *,
    private: bool = False,
    chain_code: bool = False,
    make_current: bool = False,
) -> Command:
    p2 = EXPORT_PRIVATE if private else EXPORT_EXTENDED_PUBLIC if chain_code else EXPORT_PUBLIC
    if path is None:
        return _command(INS_EXPORT_KEY, DERIVE_CURRENT, p2)
    source, data = _path(path)
    option = DERIVE_AND_MAKE_CURRENT if make_current else DERIVE
    return _command(INS_EXPORT_KEY, option | source, p2, data)


@dataclass(frozen=True)
class ExportedKey:
    public_key: bytes
    private_key: bytes | None = None
    chain_code: bytes | None = None

    def __repr__(self) -> str:
        return f"ExportedKey(public_key={self.public_key.hex()}, private_key=<hidden>)"


def parse_exported_key(data: bytes) -> ExportedKey:
    node = parse_one(data)
    if node.tag != TAG_KEY_PAIR:
        raise DecodeError("EXPORT KEY: expected the key pair template A1", 0)
    fields = {child.tag: child.value for child in node.children}
    return ExportedKey(fields.get(TAG_PUBLIC, b""), fields.get(TAG_PRIVATE), fields.get(TAG_CHAIN))


def store_data(slot: str, data: bytes) -> Command:
    return _command(INS_STORE_DATA, _slot(slot), data=data)


def get_data(slot: str) -> Command:
    return _command(INS_GET_DATA, _slot(slot))


def _slot(slot: str) -> int:
    if slot not in DATA_SLOTS:
        raise UsageError(f"a Keycard data slot is one of {', '.join(DATA_SLOTS)}")
    return DATA_SLOTS[slot]


def factory_reset() -> Command:
    return _command(INS_FACTORY_RESET, 0xAA, 0x55)  # Keycard docs, FACTORY RESET: P1 AA P2 55


def init(
    card_public_key: bytes,
    pin: str,
    puk: str,
    secret: bytes,
    *,
    pin_tries: int | None = None,
    puk_tries: int | None = None,
    rng: Rng = os.urandom,
) -> Command:
    """Keycard docs, INIT (plain, pre-initialised card): length ‖ ephemeral public key ‖ IV ‖
    AES-CBC(ECDH x, IV, pad(PIN ‖ PUK ‖ secret [‖ PIN tries ‖ PUK tries]))."""
    if len(secret) != SECRET_LENGTH:
        raise UsageError(f"a pairing secret is {SECRET_LENGTH} bytes")
    plain = _digits(pin, 6, "PIN") + _digits(puk, 12, "PUK") + secret
    if pin_tries is not None or puk_tries is not None:
        plain += bytes((pin_tries or 3, puk_tries or 5))
    ephemeral = Secp256k1PrivateKey.generate(rng)
    shared = ephemeral.shared_secret(card_public_key)
    iv = rng(AES_BLOCK)
    ciphertext = Aes(shared).encrypt_cbc(iv, pad(plain, AES_BLOCK))
    public = ephemeral.public_key
    return _command(INS_INIT, data=bytes((len(public),)) + public + iv + ciphertext)
