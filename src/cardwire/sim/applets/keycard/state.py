"""The Keycard applet's card-wide state and the rules its commands share: keys and paths,
PIN and PUK, pairings, life cycle, identity and the SELECT answer, secure-channel and PIN
preconditions (Keycard docs, keycard.tech/docs/apdu). The command modules take a
:class:`KeycardState`; :class:`cardwire.sim.applets.keycard.applet.KeycardApplet` adds the
dispatch."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from cardwire.crypto.bip32 import (
    MAX_PATH_COMPONENTS,
    SOURCE_CURRENT,
    SOURCE_MASTER,
    SOURCE_PARENT,
    ExtendedKey,
    decode_path,
    derive_path,
    encode_path,
)
from cardwire.crypto.lee import LeeSecret
from cardwire.crypto.lee import signing_key as lee_signing_key
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import CardwireError
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.keycard.settings import (
    CAPABILITIES,
    DATA_CASH,
    DATA_NDEF,
    DATA_PUBLIC,
    INSTANCE_UID_LENGTH,
    PIN_REFERENCE,
    PIN_TRIES,
    PUK_REFERENCE,
    PUK_TRIES,
    SIM_TEST_CA_KEY,
    V2_VERSION,
    KeycardConfig,
)
from cardwire.sim.pin import ReferenceData
from cardwire.sm.keycard import (
    TAG_APPLICATION_INFO,
    TAG_CAPABILITIES,
    TAG_INSTANCE_UID,
    TAG_INTEGER,
    TAG_KEY_UID,
    TAG_PUBLIC_KEY,
    KeycardCardSession,
)
from cardwire.sm.keycard.v2 import (
    STATUS_INITIALIZED,
    STATUS_LEE_MODE,
    TAG_CERTIFICATE,
    TAG_STATUS,
    IdentityCertificate,
    KeycardV2CardSession,
)
from cardwire.sw import SW
from cardwire.tlv import tlv

# The placeholder credentials of a pre-initialised card (INIT sets the real ones).
_UNSET_PIN, _UNSET_PUK = b"000000", b"000000000000"


@dataclass(eq=False)
class ChannelState:
    """Per logical channel: the PIN verified in this channel's session, a PAIR in progress."""

    pin_verified: bool = False
    pair_challenge: bytes | None = None  # the card challenge of PAIR step 1
    extras: dict[str, Any] = field(default_factory=dict)


class KeycardState:
    """What a Keycard applet holds, built from its :class:`KeycardConfig`."""

    def __init__(self, config: KeycardConfig) -> None:
        self.aid = config.aid
        self.version = config.version
        self.pin = ReferenceData(
            PIN_REFERENCE,
            config.pin.encode("ascii"),
            max_tries=config.pin_tries,
            tries_left=config.pin_tries_left,
        )
        self.puk = ReferenceData(
            PUK_REFERENCE,
            config.puk.encode("ascii"),
            max_tries=config.puk_tries,
            tries_left=config.puk_tries_left,
        )
        self.secret = config.secret()
        self.slots = config.slots()
        key = config.secure_channel_key
        self.channel_key = None if key is None else Secp256k1PrivateKey(key)
        self.instance_uid = config.instance_uid
        self.master = None if config.key is None else ExtendedKey(config.key, config.chain_code)
        # applet 4.x LEE mode (LOAD KEY P1 04): the LEE master
        ssk = config.lee_ssk
        self.lee = None if ssk is None else LeeSecret(ssk, config.lee_chain_code)
        self.key_path = decode_path(config.key_path)
        pinless = config.pinless_path
        self.pinless_path = None if pinless is None else decode_path(pinless)
        self.data: dict[int, bytes] = {
            DATA_PUBLIC: config.public_data,
            DATA_NDEF: config.ndef_data,
            DATA_CASH: config.cash_data,
        }
        self.initialized = config.initialized
        identity = config.identity_key
        self._identity_key = None if identity is None else Secp256k1PrivateKey(identity)
        self.ca_key = Secp256k1PrivateKey(config.ca_key or SIM_TEST_CA_KEY)
        self._certificate: bytes | None = None

    # --- configuration and state -----------------------------------------------------------

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
            key=None if self.master is None else self.master.private_key,
            chain_code=b"" if self.master is None else self.master.chain_code,
            key_path=encode_path(self.key_path),
            pinless_path=None if self.pinless_path is None else encode_path(self.pinless_path),
            public_data=self.data.get(DATA_PUBLIC, b""),
            ndef_data=self.data.get(DATA_NDEF, b""),
            cash_data=self.data.get(DATA_CASH, b""),
            initialized=self.initialized,
            pin_tries=self.pin.max_tries,
            puk_tries=self.puk.max_tries,
            identity_key=None if self._identity_key is None else self._identity_key.scalar,
            ca_key=self.ca_key.scalar,
            lee_ssk=None if self.lee is None else self.lee.ssk,
            lee_chain_code=b"" if self.lee is None else self.lee.chain_code,
        )

    # --- keys ------------------------------------------------------------------------------

    def set_master(self, master: ExtendedKey | None, lee_secret: LeeSecret | None = None) -> None:
        """A new master key (or none): the current path is the master's, no PIN-less path;
        LEE mode only with ``lee_secret`` (KeycardApplet.java: every other load clears it)."""
        self.master = master
        self.lee = lee_secret
        self.key_path = ()
        self.pinless_path = None

    @property
    def key(self) -> Secp256k1PrivateKey | None:
        """The current key (the master derived along the current path), None without a key."""
        if self.master is None:
            return None
        return Secp256k1PrivateKey(self.derive(self.key_path).private_key)

    @property
    def key_uid(self) -> bytes:
        """Keycard docs, SELECT: SHA-256 of the master public key, or empty without a key."""
        if self.master is None:
            return b""
        return hashlib.sha256(Secp256k1PrivateKey(self.master.private_key).public_key).digest()

    def resolve_path(self, source: int, path_data: bytes) -> tuple[int, ...]:
        """Keycard docs, DERIVE KEY: the absolute path of ``path_data`` read from the master,
        the parent of the current key or the current key; a bad path answers 6A80."""
        try:
            relative = decode_path(path_data)
        except CardwireError:
            raise CardStatus(SW.INCORRECT_DATA) from None
        if source == SOURCE_MASTER:
            path = relative
        elif source == SOURCE_PARENT:
            if not self.key_path:  # the master has no parent (cardwire's choice of 6B00)
                raise CardStatus(SW.WRONG_P1_P2)
            path = self.key_path[:-1] + relative
        elif source == SOURCE_CURRENT:
            path = self.key_path + relative
        else:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if len(path) > MAX_PATH_COMPONENTS:
            raise CardStatus(SW.INCORRECT_DATA)
        return path

    def derive(self, path: tuple[int, ...]) -> ExtendedKey:
        """The key at ``path``; 6985 without a key, or to derive from a key without chain code."""
        if self.master is None or (path and not self.master.chain_code):
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        try:
            if self.lee is not None:  # KeycardApplet.java doDerive: LEE mode's derivation
                return lee_signing_key(self.master, path)
            return derive_path(self.master, path)
        except CardwireError:  # BIP-32's (2^-127) invalid child
            raise CardStatus(SW.INCORRECT_DATA) from None

    # --- life cycle ------------------------------------------------------------------------

    def factory_reset(self) -> None:
        """Keycard docs, FACTORY RESET: keys, pairings, data and credentials are erased."""
        self.set_master(None)
        self.slots = [None] * len(self.slots)
        self.data = {}
        self.initialized = False
        self.instance_uid = None
        self.pin = ReferenceData(PIN_REFERENCE, _UNSET_PIN, max_tries=PIN_TRIES)
        self.puk = ReferenceData(PUK_REFERENCE, _UNSET_PUK, max_tries=PUK_TRIES)

    def initialize(
        self,
        ctx: ChannelContext,
        *,
        pin: bytes,
        puk: bytes,
        secret: bytes,
        pin_tries: int,
        puk_tries: int,
    ) -> None:
        self.pin = ReferenceData(PIN_REFERENCE, pin, max_tries=pin_tries)
        self.puk = ReferenceData(PUK_REFERENCE, puk, max_tries=puk_tries)
        self.secret = secret
        self.instance_uid = ctx.card.random(INSTANCE_UID_LENGTH)  # a new card instance
        self.initialized = True

    # --- identity and the SELECT answer ---------------------------------------------------

    def identity(self, ctx: ChannelContext) -> Secp256k1PrivateKey:
        """The secure-channel key, created on first use with the card's random generator."""
        if self.channel_key is None or (self.initialized and self.instance_uid is None):
            if self.channel_key is None:
                self.channel_key = Secp256k1PrivateKey.generate(ctx.card.random)
            if self.initialized and self.instance_uid is None:
                self.instance_uid = ctx.card.random(INSTANCE_UID_LENGTH)
            ctx.card.commit()
        return self.channel_key

    @property
    def v2(self) -> bool:
        """Applet 4.x: Secure Channel V2 (keycard-go and the SDK switch on the version)."""
        return self.version >= V2_VERSION

    def identity_key(self, ctx: ChannelContext) -> Secp256k1PrivateKey:
        """The 4.x Identity Key, created on first use with the card's random generator."""
        if self._identity_key is None:
            self._identity_key = Secp256k1PrivateKey.generate(ctx.card.random)
            ctx.card.commit()
        return self._identity_key

    def certificate(self, ctx: ChannelContext) -> bytes:
        """The Identity Certificate, issued once per applet object (the keys do not change)."""
        if self._certificate is None:
            issued = IdentityCertificate.issue(self.ca_key, self.identity_key(ctx))
            self._certificate = issued.encode()
        return self._certificate

    def application_info(self, ctx: ChannelContext) -> bytes:
        """Keycard docs, SELECT: A4 { 8F instance UID, 80 public key, 02 version, 02 free
        pairing slots, 8E key UID (empty without a key), 8D capabilities }; a pre-initialised
        card answers only 80 { public key }."""
        public_key = self.identity(ctx).public_key
        if self.v2:
            return self._application_info_v2(ctx)
        if not self.initialized:
            return tlv(TAG_PUBLIC_KEY, public_key)
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

    def _application_info_v2(self, ctx: ChannelContext) -> bytes:
        """SDK parsing/application_info.py for 4.x: the template in both states, with the
        Identity Certificate (8A) and a status byte (8C: 10 initialised | PIN tries left)."""
        if self.instance_uid is None:
            self.instance_uid = ctx.card.random(INSTANCE_UID_LENGTH)
            ctx.card.commit()
        status = (STATUS_INITIALIZED if self.initialized else 0) | (self.pin.tries_left & 0x0F)
        if self.lee is not None:  # KeycardApplet.java selectApplet: APP_STATUS_LEE_MODE
            status |= STATUS_LEE_MODE
        body = (
            tlv(TAG_INSTANCE_UID, self.instance_uid)
            + tlv(TAG_INTEGER, self.version.to_bytes(2, "big"))
            + tlv(TAG_KEY_UID, self.key_uid)
            + tlv(TAG_CAPABILITIES, bytes((CAPABILITIES,)))
            + tlv(TAG_CERTIFICATE, self.certificate(ctx))
            + tlv(TAG_STATUS, bytes((status,)))
        )
        return tlv(TAG_APPLICATION_INFO, body)

    # --- the rules the commands share ----------------------------------------------------

    def channel_state(self, ctx: ChannelContext) -> ChannelState:
        """This channel's Keycard state (a new one if the channel holds none yet)."""
        if not isinstance(ctx.state, ChannelState):
            ctx.state = ChannelState()
        return ctx.state

    def session(self, ctx: ChannelContext) -> KeycardCardSession | KeycardV2CardSession | None:
        session = ctx.secure_session
        if isinstance(session, (KeycardCardSession, KeycardV2CardSession)) and session.active:
            return session
        return None

    def require_initialized(self) -> None:
        # Keycard docs, INIT: a pre-initialised card knows only SELECT and INIT (6D00 else).
        if not self.initialized:
            raise CardStatus(SW.INS_NOT_SUPPORTED)

    def require_channel(self, ctx: ChannelContext, *, initialized: bool = True) -> None:
        """The command must have come through an authenticated channel; otherwise the channel
        is aborted and 6982 answered plain (Keycard docs, "Secure Channel")."""
        if initialized:
            self.require_initialized()
        session = self.session(ctx)
        if ctx.secured and session is not None and session.authenticated:
            return
        ctx.end_secure_session()
        self.channel_state(ctx).pin_verified = False
        raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)

    def require_pin(self, ctx: ChannelContext) -> None:
        self.require_channel(ctx)
        if not self.channel_state(ctx).pin_verified:
            # Keycard docs: unmet preconditions answer 6985
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
