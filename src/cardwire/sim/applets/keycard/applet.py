"""The simulated Keycard applet itself: SELECT answer, pairing, the secure channel, PIN handling,
key generation and signing (Keycard docs, keycard.tech/docs/apdu)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from cardwire.apdu import Command, Response
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import DecodeError
from cardwire.sim.applet import Applet, CardStatus, ChannelContext
from cardwire.sim.applets.keycard.settings import (
    CAPABILITIES,
    CHANGE_PAIRING_SECRET,
    CHANGE_PIN,
    CHANGE_PUK,
    DEFAULT_VERSION,
    DIGEST_LENGTH,
    GET_STATUS_APPLICATION,
    GET_STATUS_KEY_PATH,
    INS_CHANGE_PIN,
    INS_GENERATE_KEY,
    INS_GET_STATUS,
    INS_SIGN,
    INS_UNBLOCK_PIN,
    INS_VERIFY_PIN,
    INSTANCE_UID_LENGTH,
    PAIRING_MODES,
    PIN_LENGTH,
    PIN_REFERENCE,
    PIN_TRIES,
    PUK_LENGTH,
    PUK_REFERENCE,
    PUK_TRIES,
    SIGN_CURRENT_KEY,
    SIGN_ECDSA_SECP256K1,
    TAG_APPLICATION_STATUS,
    TAG_BOOLEAN,
    TAG_SIGNATURE_TEMPLATE,
    KeycardConfig,
    is_digits,
)
from cardwire.sim.config_loader import export, load, without_type
from cardwire.sim.pin import ReferenceData, tries_left_sw
from cardwire.sm.keycard import (
    CHALLENGE_LENGTH,
    CLA_KEYCARD,
    INS_MUTUALLY_AUTHENTICATE,
    INS_OPEN_SECURE_CHANNEL,
    INS_PAIR,
    INS_UNPAIR,
    IV_LENGTH,
    PAIR_FINAL_STEP,
    PAIR_FIRST_STEP,
    SALT_LENGTH,
    SECRET_LENGTH,
    TAG_APPLICATION_INFO,
    TAG_CAPABILITIES,
    TAG_INSTANCE_UID,
    TAG_INTEGER,
    TAG_KEY_UID,
    TAG_PUBLIC_KEY,
    KeycardCardSession,
    derive_session_keys,
)
from cardwire.sw import SW
from cardwire.tlv import tlv


@dataclass(eq=False)
class _ChannelState:
    """Per logical channel: the PIN verified in this channel's session, a PAIR in progress."""

    pin_verified: bool = False
    pair_challenge: bytes | None = None  # the card challenge of PAIR step 1
    extras: dict[str, Any] = field(default_factory=dict)


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
    def from_config(cls, section: Mapping[str, object]) -> Self:
        return cls.from_settings(load(KeycardConfig, without_type(section)))

    @classmethod
    def from_settings(cls, config: KeycardConfig) -> Self:
        return cls(
            config.aid,
            pin=config.pin.encode("ascii"),
            puk=config.puk.encode("ascii"),
            secret=config.secret(),
            slots=config.slots(),
            version=config.version,
            channel_key=config.secure_channel_key,
            instance_uid=config.instance_uid,
            key=config.key,
            pin_tries_left=config.pin_tries_left,
            puk_tries_left=config.puk_tries_left,
        )

    def settings(self) -> KeycardConfig:
        """The configuration that rebuilds this applet as it is now."""
        return KeycardConfig(
            aid=self.aid,
            version=self.version,
            pin=self.pin.value.decode("ascii"),
            pin_tries_left=self.pin.tries_left,
            puk=self.puk.value.decode("ascii"),
            puk_tries_left=self.puk.tries_left,
            pairing_secret=self.secret,
            pairing_slots=len(self.slots),
            pairings=tuple(self.slots),
            secure_channel_key=None if self.channel_key is None else self.channel_key.scalar,
            instance_uid=self.instance_uid,
            key=None if self.key is None else self.key.scalar,
        )

    def export_state(self) -> dict[str, Any]:
        return export(self.settings())

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
            if not is_digits(data, PIN_LENGTH):
                raise CardStatus(SW.INCORRECT_DATA)
            self.pin.set_value(data)
            self.pin.reset_counter()
        elif command.p1 == CHANGE_PUK:
            if not is_digits(data, PUK_LENGTH):
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
        if len(data) != PUK_LENGTH + PIN_LENGTH or not is_digits(data[PUK_LENGTH:], PIN_LENGTH):
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
