"""The Keycard secure-channel codec both sides share (Keycard docs, "Secure Channel"):
session keys, CBC-MAC over the padded header, AES-CBC with the last MAC as IV."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cardwire.apdu import MAX_SHORT_NC
from cardwire.crypto.block import AES_BLOCK, Aes
from cardwire.crypto.padding import pad, unpad
from cardwire.errors import (
    DecodeError,
    MacError,
    SecureChannelError,
    UsageError,
)
from cardwire.sm.keycard.constants import IV_LENGTH, KEY_LENGTH, MAC_LENGTH, SW_CHANNEL_CLOSED

_COMMAND_MAC_PAD = bytes(11)  # Keycard docs, "Secure Channel": CLA INS P1 P2 Lc || 11 zero bytes
_RESPONSE_MAC_PAD = bytes(15)  # Keycard docs, "Secure Channel": Lr || 15 zero bytes
_ZERO_IV = bytes(AES_BLOCK)


def max_plain_payload(block: int = AES_BLOCK, mac: int = MAC_LENGTH) -> int:
    """The largest plain command data one short APDU carries: MAC + ciphertext fit Lc <= 255,
    and padding adds at least one byte (Keycard docs, "Secure Channel": 240 - 16 - 1 = 223)."""
    ciphertext = (MAX_SHORT_NC - mac) // block * block
    return ciphertext - 1


MAX_PAYLOAD = max_plain_payload()


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """The two AES-256 session keys of a channel. ``repr`` never shows them."""

    enc: bytes
    mac: bytes

    def __post_init__(self) -> None:
        for name in ("enc", "mac"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != KEY_LENGTH:
                raise UsageError(f"the Keycard {name} key is {KEY_LENGTH} bytes")

    def __repr__(self) -> str:
        return "SessionKeys(<hidden>)"


def derive_session_keys(shared_secret: bytes, pairing_key: bytes, salt: bytes) -> SessionKeys:
    """Keycard docs, OPEN SECURE CHANNEL: SHA-512(ECDH secret || pairing key || salt), split
    into the encryption key (first 32 bytes) and the MAC key (last 32)."""
    digest = hashlib.sha512(shared_secret + pairing_key + salt).digest()
    return SessionKeys(digest[:KEY_LENGTH], digest[KEY_LENGTH:])


def _cbc_mac(cipher: Aes, data: bytes) -> bytes:
    # Keycard docs: AES CBC-MAC with a zero IV over block-aligned input; the MAC is the last block.
    return cipher.encrypt_cbc(_ZERO_IV, data)[-MAC_LENGTH:]


def _length_byte(ciphertext: bytes) -> int:
    # Keycard docs: Lc / Lr count MAC + ciphertext, taken mod 256 (a full answer is 256 bytes).
    return (MAC_LENGTH + len(ciphertext)) & 0xFF


MAX_RECEIVED = 65536
"""The most messages one codec accepts in a session. It remembers every MAC it received, to
refuse replays for certain; past this many (a few MB of memory) the session ends and the
client opens a new secure channel. Keycard sessions are short: a limit, not a window, keeps the
guarantee that no replay is ever accepted."""


class KeycardCodec:
    """The v1 channel codec shared by host and card: keys and the running IV (the last MAC).

    The MACs do not cover the IV, so a replayed message passes its MAC check and only its first
    plaintext block comes out garbled (CBC with a stale IV). The codec therefore also refuses
    any MAC it already received in the session: replays and reordered messages fail for
    certain, not only when the garbled block breaks the padding (docs/keycard.md, "Replays").
    Honest peers never repeat a MAC (a 2^-128 event), so this stays compatible with every
    Keycard client and card. A session that reaches :data:`MAX_RECEIVED` messages ends.
    """

    __slots__ = ("_enc", "_mac", "_seen", "iv")

    def __init__(self, keys: SessionKeys, iv: bytes) -> None:
        if len(iv) != IV_LENGTH:
            raise UsageError(f"the Keycard IV is {IV_LENGTH} bytes, got {len(iv)}")
        self._enc = Aes(keys.enc)
        self._mac = Aes(keys.mac)
        self._seen: set[bytes] = set()  # every MAC received in this session
        self.iv = bytes(iv)

    def _fresh(self, mac: bytes) -> None:
        if mac in self._seen:
            raise MacError(
                "replayed message: this MAC was already received in the session",
                card_sw=SW_CHANNEL_CLOSED,
            )
        if len(self._seen) >= MAX_RECEIVED:
            raise SecureChannelError(
                f"the session reached {MAX_RECEIVED} messages: open a new secure channel",
                card_sw=SW_CHANNEL_CLOSED,
            )
        self._seen.add(mac)

    def command_mac(self, header: bytes, ciphertext: bytes) -> bytes:
        return _cbc_mac(
            self._mac, header + bytes((_length_byte(ciphertext),)) + _COMMAND_MAC_PAD + ciphertext
        )

    def response_mac(self, ciphertext: bytes) -> bytes:
        return _cbc_mac(
            self._mac, bytes((_length_byte(ciphertext),)) + _RESPONSE_MAC_PAD + ciphertext
        )

    def seal_command(self, header: bytes, plain: bytes) -> bytes:
        """MAC || ciphertext of a command data field; the MAC becomes the IV."""
        ciphertext = self._enc.encrypt_cbc(self.iv, pad(plain, AES_BLOCK))
        mac = self.command_mac(header, ciphertext)
        self.iv = mac
        return mac + ciphertext

    def open_command(self, header: bytes, data: bytes) -> bytes:
        """Verify and decrypt a protected command data field; the MAC becomes the IV."""
        mac, ciphertext = self._split(data)
        if not hmac.compare_digest(mac, self.command_mac(header, ciphertext)):
            raise MacError("command MAC does not verify", card_sw=SW_CHANNEL_CLOSED)
        self._fresh(mac)
        plain = self._decrypt(ciphertext)
        self.iv = mac
        return plain

    def seal_response(self, plain: bytes) -> bytes:
        """MAC || ciphertext of a response (plain = data || SW); the MAC becomes the IV."""
        ciphertext = self._enc.encrypt_cbc(self.iv, pad(plain, AES_BLOCK))
        mac = self.response_mac(ciphertext)
        self.iv = mac
        return mac + ciphertext

    def open_response(self, data: bytes) -> bytes:
        """Verify and decrypt a protected response data field (data || SW)."""
        mac, ciphertext = self._split(data)
        if not hmac.compare_digest(mac, self.response_mac(ciphertext)):
            raise MacError("response MAC does not verify")
        self._fresh(mac)
        plain = self._decrypt(ciphertext)
        self.iv = mac
        return plain

    @staticmethod
    def _split(data: bytes) -> tuple[bytes, bytes]:
        ciphertext = data[MAC_LENGTH:]
        if not ciphertext or len(ciphertext) % AES_BLOCK:
            raise SecureChannelError(
                f"protected data must be a 16-byte MAC and whole 16-byte blocks, got {len(data)}"
                " bytes",
                card_sw=SW_CHANNEL_CLOSED,
            )
        return data[:MAC_LENGTH], ciphertext

    def _decrypt(self, ciphertext: bytes) -> bytes:
        try:
            return unpad(self._enc.decrypt_cbc(self.iv, ciphertext), AES_BLOCK)
        except DecodeError as exc:
            raise SecureChannelError(f"bad padding: {exc}", card_sw=SW_CHANNEL_CLOSED) from exc

    def __repr__(self) -> str:
        return "KeycardCodec(<hidden>)"


__all__ = [
    "MAX_PAYLOAD",
    "KeycardCodec",
    "SessionKeys",
    "derive_session_keys",
    "max_plain_payload",
]
