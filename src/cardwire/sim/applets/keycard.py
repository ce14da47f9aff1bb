"""A Keycard-compatible applet (version 3.x, secure channel v1) for the simulated card.

Sources: Keycard docs (keycard.tech/docs/apdu: SELECT, PAIR, UNPAIR, OPEN SECURE CHANNEL,
MUTUALLY AUTHENTICATE, GET STATUS, VERIFY PIN, CHANGE PIN, UNBLOCK PIN, GENERATE KEY, SIGN),
shared/seeds/001 and shared/protocols.md. The channel codec is cardwire.sm.keycard's, the same
object the host uses.

Implemented: SELECT answers the application info template; PAIR (P2 pairing modes 0, 1, 2;
6A84 when every slot is taken; 6985 while a channel is open); OPEN SECURE CHANNEL; MUTUALLY
AUTHENTICATE; UNPAIR; GET STATUS (application status, empty key path); VERIFY PIN, CHANGE PIN
(PIN, PUK, pairing secret), UNBLOCK PIN with retry counters made durable before the comparison;
GENERATE KEY and SIGN (ECDSA secp256k1 over a 32-byte digest with the current key). Not
implemented (6D00): INIT, LOAD KEY, DERIVE KEY, EXPORT KEY, GENERATE MNEMONIC, REMOVE KEY, SET
NDEF, STORE/GET DATA, FACTORY RESET.

The card's secure-channel key and instance UID are created with the card's random generator at
the first SELECT when the profile gives none, and are then kept in the state file.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from cardwire.apdu import Command, Response
from cardwire.crypto.ecdh_secp256k1 import Secp256k1PrivateKey
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sim.applet import Applet, CardStatus, ChannelContext
from cardwire.sim.pin import ReferenceData, tries_left_sw
from cardwire.sm.keycard import (
    CHALLENGE_LENGTH,
    CLA_KEYCARD,
    DEFAULT_PAIRING_PASSWORD,
    INS_MUTUALLY_AUTHENTICATE,
    INS_OPEN_SECURE_CHANNEL,
    INS_PAIR,
    INS_UNPAIR,
    IV_LENGTH,
    KEYCARD_AID,
    PAIR_FINAL_STEP,
    PAIR_FIRST_STEP,
    SALT_LENGTH,
    SECRET_LENGTH,
    KeycardCardSession,
    derive_session_keys,
    pairing_secret,
)
from cardwire.sw import SW
from cardwire.tlv import tlv

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

# Keycard docs, SELECT: application info template and its tags.
TAG_APPLICATION_INFO = 0xA4
TAG_INSTANCE_UID = 0x8F
TAG_PUBLIC_KEY = 0x80
TAG_INTEGER = 0x02  # version (2 bytes), then free pairing slots (1 byte)
TAG_KEY_UID = 0x8E
TAG_CAPABILITIES = 0x8D
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
def _default_pairing_secret() -> bytes:
    return pairing_secret(DEFAULT_PAIRING_PASSWORD)


def default_config() -> dict[str, Any]:
    """The Keycard applet's section in the default profile (defaults of docs/keycard.md)."""
    return {
        "aid": to_hex(KEYCARD_AID),
        "pin": DEFAULT_PIN,
        "puk": DEFAULT_PUK,
        "pairing_secret": to_hex(_default_pairing_secret()),
        "pairing_slots": DEFAULT_PAIRING_SLOTS,
    }


@dataclass(eq=False)
class _ChannelState:
    """Per logical channel: the PIN verified in this channel's session, a PAIR in progress."""

    pin_verified: bool = False
    pair_challenge: bytes | None = None  # the card challenge of PAIR step 1
    extras: dict[str, Any] = field(default_factory=dict)


def _digits(value: bytes, length: int) -> bool:
    return len(value) == length and all(0x30 <= b <= 0x39 for b in value)


class KeycardApplet(Applet):
    """The Keycard applet (see the module docstring). Not multiselectable, like the original."""

    multiselectable = False
    answers_without_le = True  # Java Card over T=1: case 3 commands get their answer

    def __init__(
        self,
        aid: bytes,
        *,
        pin: bytes,
        puk: bytes,
        secret: bytes,
        slots: list[bytes | None],
        version: int = DEFAULT_VERSION,
        channel_key: bytes | None = None,
        instance_uid: bytes | None = None,
        key: bytes | None = None,
        pin_tries_left: int | None = None,
        puk_tries_left: int | None = None,
    ) -> None:
        self.aid = aid
        self.version = version
        self.pin = ReferenceData(PIN_REFERENCE, pin, max_tries=PIN_TRIES, tries_left=pin_tries_left)
        self.puk = ReferenceData(PUK_REFERENCE, puk, max_tries=PUK_TRIES, tries_left=puk_tries_left)
        self.secret = secret
        self.slots = slots
        self.channel_key = None if channel_key is None else Secp256k1PrivateKey(channel_key)
        self.instance_uid = instance_uid
        self.key = None if key is None else Secp256k1PrivateKey(key)

    # --- configuration and state -----------------------------------------------------------

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> Self:
        known = {
            "type", "aid", "pin", "puk", "pin_tries_left", "puk_tries_left", "pairing_secret",
            "pairing_password", "pairing_slots", "pairings", "version", "secure_channel_key",
            "instance_uid", "key",
        }  # fmt: skip
        unknown = sorted(set(section) - known)
        if unknown:
            raise UsageError(f"{unknown[0]}: unknown key for a keycard applet")
        aid = _hex(section, "aid", None)
        if aid is None:
            raise UsageError("aid: expected hex text")
        pin = str(section.get("pin", DEFAULT_PIN)).encode("ascii")
        puk = str(section.get("puk", DEFAULT_PUK)).encode("ascii")
        if not _digits(pin, PIN_LENGTH) or not _digits(puk, PUK_LENGTH):
            raise UsageError("pin must be 6 digits and puk 12 digits (Keycard docs, CHANGE PIN)")
        secret = _hex(section, "pairing_secret", None)
        if secret is None:
            password = section.get("pairing_password", DEFAULT_PAIRING_PASSWORD)
            if not isinstance(password, str):
                raise UsageError("pairing_password: expected text")
            secret = pairing_secret(password)
        if len(secret) != SECRET_LENGTH:
            raise UsageError("pairing_secret: expected 32 bytes in hex")
        slot_count = section.get("pairing_slots", DEFAULT_PAIRING_SLOTS)
        if not isinstance(slot_count, int) or not 1 <= slot_count <= 255:
            raise UsageError("pairing_slots: expected a number 1..255")
        slots = _pairings(section.get("pairings"), slot_count)
        version = section.get("version", DEFAULT_VERSION)
        if isinstance(version, str):
            version = int.from_bytes(parse_hex(version), "big")
        if not isinstance(version, int) or not 0 <= version <= 0xFFFF:
            raise UsageError("version: expected two bytes, e.g. 0301")
        return cls(
            aid,
            pin=pin,
            puk=puk,
            secret=secret,
            slots=slots,
            version=version,
            channel_key=_hex(section, "secure_channel_key", 32),
            instance_uid=_hex(section, "instance_uid", INSTANCE_UID_LENGTH),
            key=_hex(section, "key", 32),
            pin_tries_left=_count(section, "pin_tries_left", PIN_TRIES),
            puk_tries_left=_count(section, "puk_tries_left", PUK_TRIES),
        )

    def export_state(self) -> dict[str, Any]:
        return {
            "version": f"{self.version:04X}",
            "pin": self.pin.value.decode("ascii"),
            "pin_tries_left": self.pin.tries_left,
            "puk": self.puk.value.decode("ascii"),
            "puk_tries_left": self.puk.tries_left,
            "pairing_secret": to_hex(self.secret),
            "pairing_slots": len(self.slots),
            "pairings": [None if key is None else to_hex(key) for key in self.slots],
            "secure_channel_key": None
            if self.channel_key is None
            else to_hex(self.channel_key.scalar),
            "instance_uid": None if self.instance_uid is None else to_hex(self.instance_uid),
            "key": None if self.key is None else to_hex(self.key.scalar),
        }

    # --- selection -------------------------------------------------------------------------

    def new_channel_state(self) -> _ChannelState:
        return _ChannelState()

    def _identity(self, ctx: ChannelContext) -> Secp256k1PrivateKey:
        """The secure-channel key, created on first use with the card's random generator."""
        if self.channel_key is None or self.instance_uid is None:
            if self.channel_key is None:
                self.channel_key = Secp256k1PrivateKey.generate(ctx.card.random)
            if self.instance_uid is None:
                self.instance_uid = ctx.card.random(INSTANCE_UID_LENGTH)
            ctx.card.commit()
        return self.channel_key

    def application_info(self, ctx: ChannelContext) -> bytes:
        """Keycard docs, SELECT: A4 { 8F instance UID, 80 public key, 02 version, 02 free
        pairing slots, 8E key UID (empty without a key), 8D capabilities }."""
        public_key = self._identity(ctx).public_key
        assert self.instance_uid is not None
        free = sum(1 for slot in self.slots if slot is None)
        body = (
            tlv(TAG_INSTANCE_UID, self.instance_uid)
            + tlv(TAG_PUBLIC_KEY, public_key)
            + tlv(TAG_INTEGER, self.version.to_bytes(2, "big"))
            + tlv(TAG_INTEGER, bytes((free,)))
            + tlv(TAG_KEY_UID, self.key_uid)
            + tlv(TAG_CAPABILITIES, bytes((CAPABILITIES,)))
        )
        return tlv(TAG_APPLICATION_INFO, body)

    @property
    def key_uid(self) -> bytes:
        """Keycard docs, SELECT: SHA-256 of the public key, or empty without a key."""
        return b"" if self.key is None else hashlib.sha256(self.key.public_key).digest()

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        return Response(self.application_info(ctx))

    def deselect(self, ctx: ChannelContext) -> None:
        ctx.state = _ChannelState()

    # --- dispatch --------------------------------------------------------------------------

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        if command.cla != CLA_KEYCARD:
            raise CardStatus(SW.CLA_NOT_SUPPORTED)
        handler = self._handlers.get(command.ins)
        if handler is None:
            raise CardStatus(SW.INS_NOT_SUPPORTED)
        state = ctx.state if isinstance(ctx.state, _ChannelState) else _ChannelState()
        ctx.state = state
        if command.ins != INS_PAIR:
            state.pair_challenge = None  # Keycard docs, PAIR: the two steps follow each other
        return handler(self, ctx, state, command)

    # --- secure channel --------------------------------------------------------------------

    def _session(self, ctx: ChannelContext) -> KeycardCardSession | None:
        session = ctx.secure_session
        return session if isinstance(session, KeycardCardSession) and session.active else None

    def _require_channel(self, ctx: ChannelContext, state: _ChannelState) -> None:
        """The command must have come through an authenticated channel; otherwise the channel
        is aborted and 6982 answered plain (Keycard docs, "Secure Channel")."""
        session = self._session(ctx)
        if ctx.secured and session is not None and session.authenticated:
            return
        ctx.end_secure_session()
        state.pin_verified = False
        raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)

    def _require_pin(self, ctx: ChannelContext, state: _ChannelState) -> None:
        self._require_channel(ctx, state)
        if not state.pin_verified:  # Keycard docs: unmet preconditions answer 6985
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)

    def _pair(self, ctx: ChannelContext, state: _ChannelState, command: Command) -> Response:
        if self._session(ctx) is not None:  # Keycard docs, PAIR: 6985 if a channel is open
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        if command.p1 == PAIR_FIRST_STEP:
            if command.p2 not in PAIRING_MODES:
                raise CardStatus(SW.INCORRECT_P1_P2)
            if len(command.data) != CHALLENGE_LENGTH:
                raise CardStatus(SW.INCORRECT_DATA)
            card_challenge = ctx.card.random(CHALLENGE_LENGTH)
            state.pair_challenge = card_challenge
            cryptogram = hashlib.sha256(self.secret + command.data).digest()
            return Response(cryptogram + card_challenge)
        challenge, state.pair_challenge = state.pair_challenge, None
        if command.p1 != PAIR_FINAL_STEP or challenge is None:
            raise CardStatus(SW.INCORRECT_P1_P2)  # Keycard docs: 6A86, also without step 1
        if len(command.data) != CHALLENGE_LENGTH:
            raise CardStatus(SW.INCORRECT_DATA)
        expected = hashlib.sha256(self.secret + challenge).digest()
        if not hmac.compare_digest(command.data, expected):
            raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
        free = next((i for i, slot in enumerate(self.slots) if slot is None), None)
        if free is None:
            raise CardStatus(SW.NOT_ENOUGH_MEMORY)  # 6A84: every pairing slot is taken
        salt = ctx.card.random(SALT_LENGTH)
        self.slots[free] = hashlib.sha256(self.secret + salt).digest()
        ctx.card.commit()
        return Response(bytes((free,)) + salt)

    def _open_secure_channel(
        self, ctx: ChannelContext, state: _ChannelState, command: Command
    ) -> Response:
        # Keycard docs, OPEN SECURE CHANNEL: a new channel replaces any open one.
        ctx.end_secure_session()
        state.pin_verified = False
        if command.p1 >= len(self.slots) or self.slots[command.p1] is None:
            raise CardStatus(SW.INCORRECT_P1_P2)
        pairing_key = self.slots[command.p1]
        assert pairing_key is not None
        try:
            shared = self._identity(ctx).shared_secret(command.data)
        except DecodeError:
            raise CardStatus(SW.INCORRECT_DATA) from None
        salt = ctx.card.random(SALT_LENGTH)
        iv = ctx.card.random(IV_LENGTH)
        keys = derive_session_keys(shared, pairing_key, salt)
        ctx.secure_session = KeycardCardSession(keys, iv)
        return Response(salt + iv)

    def _mutually_authenticate(
        self, ctx: ChannelContext, state: _ChannelState, command: Command
    ) -> Response:
        session = self._session(ctx)
        if not ctx.secured or session is None or session.authenticated:
            # Keycard docs, MUTUALLY AUTHENTICATE: 6985 without a fresh channel.
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        if len(command.data) != CHALLENGE_LENGTH:
            ctx.end_secure_session()
            raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
        session.authenticated = True
        return Response(ctx.card.random(CHALLENGE_LENGTH))

    def _unpair(self, ctx: ChannelContext, state: _ChannelState, command: Command) -> Response:
        self._require_pin(ctx, state)
        if command.p1 >= len(self.slots):  # Keycard docs, UNPAIR: 6A86 for an invalid index
            raise CardStatus(SW.INCORRECT_P1_P2)
        self.slots[command.p1] = None
        ctx.card.commit()
        return Response()

    # --- status and credentials ------------------------------------------------------------

    def _get_status(self, ctx: ChannelContext, state: _ChannelState, command: Command) -> Response:
        self._require_channel(ctx, state)
        if command.p1 == GET_STATUS_KEY_PATH:
            return Response()  # no derivation: the current key is the master key, path "m"
        if command.p1 != GET_STATUS_APPLICATION:
            raise CardStatus(SW.INCORRECT_P1_P2)
        body = (
            tlv(TAG_INTEGER, bytes((self.pin.tries_left,)))
            + tlv(TAG_INTEGER, bytes((self.puk.tries_left,)))
            + tlv(TAG_BOOLEAN, b"\xff" if self.key is not None else b"\x00")
        )
        return Response(tlv(TAG_APPLICATION_STATUS, body))

    def _verify_pin(self, ctx: ChannelContext, state: _ChannelState, command: Command) -> Response:
        self._require_channel(ctx, state)
        state.pin_verified = False
        self._check(self.pin, command.data, ctx)
        state.pin_verified = True
        return Response()

    @staticmethod
    def _check(reference: ReferenceData, candidate: bytes, ctx: ChannelContext) -> None:
        # Keycard docs, VERIFY PIN: 63CX with X tries left; a blocked PIN answers 63C0. The
        # counter is decremented and committed before the comparison (sim.pin rules).
        try:
            reference.check(candidate, ctx.card.commit)
        except CardStatus as status:
            if status.sw == SW.AUTHENTICATION_METHOD_BLOCKED:
                raise CardStatus(tries_left_sw(0)) from None
            raise

    def _change_pin(self, ctx: ChannelContext, state: _ChannelState, command: Command) -> Response:
        self._require_pin(ctx, state)
        data = command.data
        if command.p1 == CHANGE_PIN:
            if not _digits(data, PIN_LENGTH):
                raise CardStatus(SW.INCORRECT_DATA)
            self.pin.set_value(data)
            self.pin.reset_counter()
        elif command.p1 == CHANGE_PUK:
            if not _digits(data, PUK_LENGTH):
                raise CardStatus(SW.INCORRECT_DATA)
            self.puk.set_value(data)
            self.puk.reset_counter()
        elif command.p1 == CHANGE_PAIRING_SECRET:
            if len(data) != SECRET_LENGTH:
                raise CardStatus(SW.INCORRECT_DATA)
            self.secret = data
        else:
            raise CardStatus(SW.INCORRECT_P1_P2)
        ctx.card.commit()
        return Response()

    def _unblock_pin(self, ctx: ChannelContext, state: _ChannelState, command: Command) -> Response:
        self._require_channel(ctx, state)
        if not self.pin.blocked:  # Keycard docs, UNBLOCK PIN: 6985 if the PIN is not blocked
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        data = command.data
        if len(data) != PUK_LENGTH + PIN_LENGTH or not _digits(data[PUK_LENGTH:], PIN_LENGTH):
            raise CardStatus(SW.INCORRECT_DATA)
        self._check(self.puk, data[:PUK_LENGTH], ctx)
        self.pin.set_value(data[PUK_LENGTH:])
        self.pin.reset_counter()
        ctx.card.commit()
        state.pin_verified = True
        return Response()

    # --- keys ------------------------------------------------------------------------------

    def _generate_key(
        self, ctx: ChannelContext, state: _ChannelState, command: Command
    ) -> Response:
        self._require_pin(ctx, state)
        self.key = Secp256k1PrivateKey.generate(ctx.card.random)
        ctx.card.commit()
        return Response(self.key_uid)  # Keycard docs, GENERATE KEY: answers the key UID

    def _sign(self, ctx: ChannelContext, state: _ChannelState, command: Command) -> Response:
        self._require_pin(ctx, state)
        if command.p1 != SIGN_CURRENT_KEY or command.p2 != SIGN_ECDSA_SECP256K1:
            raise CardStatus(SW.INCORRECT_P1_P2)  # no key derivation, ECDSA only
        if len(command.data) != DIGEST_LENGTH:
            raise CardStatus(SW.INCORRECT_DATA)
        if self.key is None:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        signature = self.key.sign_digest(command.data)  # DER: 30 len r s
        return Response(
            tlv(TAG_SIGNATURE_TEMPLATE, tlv(TAG_PUBLIC_KEY, self.key.public_key) + signature)
        )

    _handlers: ClassVar[dict[int, Callable[..., Response]]] = {
        INS_PAIR: _pair,
        INS_OPEN_SECURE_CHANNEL: _open_secure_channel,
        INS_MUTUALLY_AUTHENTICATE: _mutually_authenticate,
        INS_UNPAIR: _unpair,
        INS_GET_STATUS: _get_status,
        INS_VERIFY_PIN: _verify_pin,
        INS_CHANGE_PIN: _change_pin,
        INS_UNBLOCK_PIN: _unblock_pin,
        INS_GENERATE_KEY: _generate_key,
        INS_SIGN: _sign,
    }


def _hex(section: dict[str, Any], key: str, length: int | None) -> bytes | None:
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


def _count(section: dict[str, Any], key: str, maximum: int) -> int | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise UsageError(f"{key}: expected a number 0..{maximum}")
    return value


def _pairings(value: object, slot_count: int) -> list[bytes | None]:
    if value is None:
        return [None] * slot_count
    if not isinstance(value, list) or len(value) != slot_count:
        raise UsageError(f"pairings: expected a list of {slot_count} entries (hex key or null)")
    slots: list[bytes | None] = []
    for i, entry in enumerate(value):
        if entry is None:
            slots.append(None)
            continue
        key = _hex({"k": entry}, "k", SECRET_LENGTH)
        if key is None:
            raise UsageError(f"pairings[{i}]: expected a 32-byte key in hex or null")
        slots.append(key)
    return slots


__all__ = ["KEYCARD_AID", "KeycardApplet", "default_config"]
