"""Keycard Secure Channel V2 (applet 4.x), host and card sessions and the Identity Certificate.

Sources (the public APDU documentation covers applet 3.1 only; docs/keycard.md, "Secure Channel
V2", says which detail comes from where): the PyPI keycard SDK 0.4.0 ``secure_channel/v2.py``,
``commands/open_secure_channel.py`` and ``parsing/certificate.py`` (its wire format wins), and
keycard-go, which picks V2 from applet 4.0.

- OPEN SECURE CHANNEL (80 10 00 00): salt (32) ‖ host ephemeral key (65) in; card ephemeral
  key (65) ‖ DER signature by the card's Identity Key over SHA-256("sc_v2_ccm" ‖ salt ‖ host
  key ‖ card key) out. No pairing, no MUTUALLY AUTHENTICATE.
- Keys: HKDF-SHA256(ikm = ECDH x, salt, info "sc_v2_ccm", 32 bytes): host-to-card AES-128
  key first, card-to-host last.
- Every command: SECURED APDU 80 18 00 00 Lc (no Le) with AES-128-CCM(8-byte tag, 13-byte
  big-endian counter nonce, no AAD) over the whole inner APDU ``80 INS P1 P2 Lc data`` (at most
  247 bytes); the answer's plaintext is data ‖ SW, under the other key and the same nonce; the
  counter goes up after the answer. The outer SW is 9000, or 6982 when the channel failed and
  closed.
- Identity Certificate (98 bytes): compressed Identity Key (33) ‖ r (32) ‖ s (32) ‖ recovery id
  (1), the CA's signature over SHA-256(compressed Identity Key).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cardwire.apdu import Command, Response
from cardwire.crypto.bip32 import compressed_public_key
from cardwire.crypto.ecdsa_recovery import decompress, recover, recovery_id
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey, verify_digest
from cardwire.errors import (
    DecodeError,
    SecureChannelError,
    SessionClosedError,
    UsageError,
)
from cardwire.ins import Ins
from cardwire.sm.keycard.constants import (
    CLA_KEYCARD,
    INS_OPEN_SECURE_CHANNEL,
    INS_SELECT,
    SW_CHANNEL_CLOSED,
    SW_SUCCESS,
)

PROTOCOL_LABEL = b"sc_v2_ccm"
INS_SECURED_APDU = 0x18
NONCE_LENGTH = 13
TAG_LENGTH = 8
KEY_LENGTH = 16
MAX_INNER_APDU = 247  # SDK MAX_COMMAND_PLAINTEXT: 5 header bytes + 242 data bytes
SALT_LENGTH = 32
CERTIFICATE_LENGTH = 98
TAG_CERTIFICATE = 0x8A  # SDK parsing/application_info.py: SELECT on 4.x
TAG_STATUS = 0x8C
STATUS_INITIALIZED = 0x10  # SDK: status byte bit 4; low nibble = PIN tries left
STATUS_LEE_MODE = 0x20  # SDK application_info.py, KeycardApplet.java APP_STATUS_LEE_MODE
V2_VERSION = 0x0400  # keycard-go: secure channel V2 from applet 4.0


def transcript_digest(salt: bytes, host_key: bytes, card_key: bytes) -> bytes:
    return hashlib.sha256(PROTOCOL_LABEL + salt + host_key + card_key).digest()


def derive_keys(salt: bytes, shared_x: bytes) -> tuple[bytes, bytes]:
    """(host-to-card, card-to-host) AES-128 keys."""
    okm = HKDF(algorithm=hashes.SHA256(), length=2 * KEY_LENGTH, salt=salt, info=PROTOCOL_LABEL)
    material = okm.derive(shared_x)
    return material[:KEY_LENGTH], material[KEY_LENGTH:]


@dataclass(frozen=True)
class IdentityCertificate:
    identity_key: bytes  # compressed
    r: int
    s: int
    recovery: int

    @classmethod
    def parse(cls, data: bytes) -> IdentityCertificate:
        if len(data) != CERTIFICATE_LENGTH:
            raise DecodeError(f"an Identity Certificate is 98 bytes, got {len(data)}", 0)
        return cls(
            data[:33],
            int.from_bytes(data[33:65], "big"),
            int.from_bytes(data[65:97], "big"),
            data[97],
        )

    @classmethod
    def issue(cls, ca: Secp256k1PrivateKey, identity: Secp256k1PrivateKey) -> IdentityCertificate:
        """The CA signs SHA-256(compressed Identity Key), with the recovery id."""
        identity_key = compressed_public_key(identity.scalar)
        digest = hashlib.sha256(identity_key).digest()
        r, s = decode_dss_signature(ca.sign_digest(digest))
        return cls(identity_key, r, s, recovery_id(ca.public_key, digest, r, s))

    def encode(self) -> bytes:
        return (
            self.identity_key
            + self.r.to_bytes(32, "big")
            + self.s.to_bytes(32, "big")
            + bytes((self.recovery,))
        )

    def ca_public_key(self) -> bytes:
        """The CA key (uncompressed) recovered from the signature."""
        return recover(hashlib.sha256(self.identity_key).digest(), self.r, self.s, self.recovery)

    def verify(self, digest: bytes, signature: bytes) -> None:
        """A DER signature by the Identity Key; :class:`CryptogramError` if wrong."""
        verify_digest(decompress(self.identity_key), digest, signature)


def _nonce(counter: int) -> bytes:
    return counter.to_bytes(NONCE_LENGTH, "big")


class KeycardV2Session:
    """Host side of a V2 channel (a ``HostSecureSession``)."""

    MAX_DATA = MAX_INNER_APDU - 5

    def __init__(self, key_h2c: bytes, key_c2h: bytes) -> None:
        self.keys = (key_h2c, key_c2h)  # for `keycard open --show-keys` / trace decode
        self._h2c: AESCCM | None = AESCCM(key_h2c, tag_length=TAG_LENGTH)
        self._c2h = AESCCM(key_c2h, tag_length=TAG_LENGTH)
        self._counter = 0
        self._pending = False
        self._ending = False

    @property
    def active(self) -> bool:
        return self._h2c is not None

    @property
    def max_payload(self) -> int:
        return MAX_INNER_APDU - 5

    def protect(self, command: Command) -> Command:
        if self._h2c is None or self._pending:
            raise SessionClosedError("the Keycard V2 channel is closed")
        if command.ins == INS_SELECT and not command.cla & 0x80:
            # As in V1 (docs/keycard.md): a SELECT deselects the applet, which ends the
            # channel; it goes out plain and the session ends with its answer.
            self._ending = True
            return command
        if len(command.data) > self.max_payload:
            raise UsageError(f"V2 commands carry at most {self.max_payload} data bytes")
        inner = bytes((CLA_KEYCARD, command.ins, command.p1, command.p2, len(command.data)))
        payload = self._h2c.encrypt(_nonce(self._counter), inner + command.data, None)
        self._pending = True
        return Command(CLA_KEYCARD, INS_SECURED_APDU, 0, 0, payload)

    def unprotect(self, response: Response) -> Response:
        if self._ending:
            self.close()
            return response
        if self._h2c is None or not self._pending:
            raise SessionClosedError("no protected V2 command waits for this answer")
        self._pending = False
        if response.sw != SW_SUCCESS:
            self.close()
            raise SessionClosedError(f"the card closed the V2 channel ({response.sw:04X})")
        try:
            plain = self._c2h.decrypt(_nonce(self._counter), response.data, None)
        except InvalidTag:
            self.close()
            raise SecureChannelError("the V2 answer does not authenticate") from None
        self._counter += 1
        if len(plain) < 2:
            self.close()
            raise SecureChannelError("the V2 answer holds no status word")
        return Response(plain[:-2], int.from_bytes(plain[-2:], "big"))

    def close(self) -> None:
        self._h2c = None

    def __repr__(self) -> str:
        return f"KeycardV2Session(active={self.active}, <keys hidden>)"


class KeycardV2CardSession:
    """Card side of a V2 channel, for the simulated applet (a ``CardSession``)."""

    def __init__(self, key_h2c: bytes, key_c2h: bytes) -> None:
        self._h2c: AESCCM | None = AESCCM(key_h2c, tag_length=TAG_LENGTH)
        self._c2h = AESCCM(key_c2h, tag_length=TAG_LENGTH)
        self._counter = 0
        self.authenticated = True  # the handshake authenticated the card; no MUTUALLY AUTH

    @property
    def active(self) -> bool:
        return self._h2c is not None

    def handles(self, command: Command) -> bool:
        return self.active and command.cla == CLA_KEYCARD and command.ins == INS_SECURED_APDU

    def admits_plain(self, command: Command) -> bool:
        """OPEN SECURE CHANNEL (a new handshake replaces the channel) and the runtime's MANAGE
        CHANNEL / GET RESPONSE; any other plain command ends the channel (docs/keycard.md)."""
        if command.cla == CLA_KEYCARD:
            return command.ins == INS_OPEN_SECURE_CHANNEL
        return command.cla == 0x00 and command.ins in (Ins.MANAGE_CHANNEL, Ins.GET_RESPONSE)

    def unwrap(self, command: Command) -> Command:
        if self._h2c is None:
            raise SessionClosedError("no V2 channel", card_sw=SW_CHANNEL_CLOSED)
        try:
            inner = self._h2c.decrypt(_nonce(self._counter), command.data, None)
        except InvalidTag:
            self.close()
            raise SecureChannelError("bad V2 command", card_sw=SW_CHANNEL_CLOSED) from None
        if len(inner) < 5 or inner[0] != CLA_KEYCARD or inner[4] != len(inner) - 5:
            self.close()
            raise SecureChannelError("bad V2 inner APDU", card_sw=SW_CHANNEL_CLOSED)
        return Command(inner[0], inner[1], inner[2], inner[3], inner[5:])

    def wrap(self, response: Response) -> Response:
        plain = response.data + response.sw.to_bytes(2, "big")
        payload = self._c2h.encrypt(_nonce(self._counter), plain, None)
        self._counter += 1
        return Response(payload, SW_SUCCESS)

    def close(self) -> None:
        self._h2c = None


__all__ = [
    "CERTIFICATE_LENGTH",
    "INS_SECURED_APDU",
    "IdentityCertificate",
    "KeycardV2CardSession",
    "KeycardV2Session",
    "derive_keys",
    "transcript_digest",
]
