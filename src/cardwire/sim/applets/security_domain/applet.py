"""The Security Domain applet itself: SCP03 handshake commands, GET DATA and the card management
commands under an authenticated session (GlobalPlatform Card Specification v2.3, Amendment D)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.errors import DecodeError, SecureChannelError, UsageError
from cardwire.gp import (
    INS_DELETE,
    INS_GET_DATA,
    INS_GET_STATUS,
    INS_INSTALL,
    INS_PUT_KEY,
    INS_SET_STATUS,
    INSTALL_AND_MAKE_SELECTABLE,
    KEY_IDS,
    KEY_TYPE_AES,
    MAX_KVN,
    SET_STATUS_APPLICATION,
    STATUS_NEXT,
    STATUS_TLV,
    SW_MORE_STATUS,
    TAG_AID,
    TAG_CARD_DATA,
    TAG_CPLC,
    TAG_KEY_INFORMATION_TEMPLATE,
    InstallData,
    KeyInformation,
    LifeCycle,
    PutKeyData,
    RegistryData,
    StatusScope,
    delete_target,
    key_check_value,
)
from cardwire.sim.applet import (
    Applet,
    AppletRegistry,
    CardStatus,
    ChannelContext,
    RegistryEntry,
)
from cardwire.sim.applets.security_domain.key_deletion import (
    is_key_deletion,
    key_sets_after_deletion,
)
from cardwire.sim.applets.security_domain.scp02_session import Scp02Support
from cardwire.sim.applets.security_domain.settings import (
    APPLICATION_PRIVILEGES,
    CPLC_LENGTH,
    ISD_PRIVILEGES,
    MAX_KEY_SETS,
    MAX_STATUS_CHUNK,
    SECURITY_DOMAIN_PRIVILEGE,
    SW_ALGORITHM_NOT_SUPPORTED,
    SW_INVALID_KEY_CHECK_VALUE,
    TYPE_NAME,
    KeySetConfig,
    SecurityDomainConfig,
    diversified_key_sets,
    load_file_aid,
    module_aid,
)
from cardwire.sim.config_loader import export, load, without_type
from cardwire.sm.scp02 import Scp02Card, Scp02CardSession
from cardwire.sm.scp03 import (
    DIVERSIFICATION_DATA_LENGTH,
    MAX_SEQUENCE_COUNTER,
    Scp03Card,
    Scp03CardSession,
    StaticKeys,
)
from cardwire.sm.scp03.diversification import NO_DIVERSIFICATION
from cardwire.sm.scp03_levels import INS_EXTERNAL_AUTHENTICATE, INS_INITIALIZE_UPDATE, Mode
from cardwire.sw import SW
from cardwire.tlv import parse, tlv

# GPC H.2: card recognition data OIDs (1.2.840.114283 = 2A864886FC6B).
_GP_OID = bytes.fromhex("2A864886FC6B")
_SELECT_FCI = 0x6F  # ISO 7816-4:2020 7.4.1 / GPC 11.9.3.1: FCI template, 84 AID, A5 proprietary


@dataclass(eq=False)
class SdChannelState:
    """What the Security Domain remembers for one logical channel."""

    handshake: Scp03Card | Scp02Card | None = None
    handshake_keys: StaticKeys | None = None  # None under SCP02
    session: Scp03CardSession | Scp02CardSession | None = None
    session_keys: StaticKeys | None = None  # the key set that opened the session (its DEK)
    status_pending: tuple[int, bytes] | None = None  # GET STATUS continuation: P1, rest


class SecurityDomainApplet(Applet):
    """A GlobalPlatform Issuer Security Domain with SCP03 (see the module docstring)."""

    def __init__(
        self,
        aid: bytes,
        key_sets: list[StaticKeys],
        *,
        sequence_counter: int = 0,
        pseudo_random: bool = False,
        diversification_data: bytes = bytes(DIVERSIFICATION_DATA_LENGTH),
        cplc: bytes = bytes(CPLC_LENGTH),
    ) -> None:
        self.aid = aid
        self.key_sets = list(key_sets)
        self.sequence_counter = sequence_counter
        self.pseudo_random = pseudo_random
        self.diversification_data = diversification_data
        self.cplc = cplc
        # The profile asked for keys diversified from master keys (settings.diversified_key_sets):
        # the state holds the diversified keys and says "diversify: none" so that merging it
        # over the profile on reload does not diversify them twice.
        self.keys_diversified = False
        self.scp02: Scp02Support | None = None  # SCP02 key sets (scp02_session.py)

    # --- configuration ----------------------------------------------------------------------

    @classmethod
    def from_config(cls, section: Mapping[str, object]) -> Self:
        return cls.from_settings(load(SecurityDomainConfig, without_type(section)))

    @classmethod
    def from_settings(cls, config: SecurityDomainConfig) -> Self:
        applet = cls(
            config.aid,
            diversified_key_sets(config),
            sequence_counter=config.sequence_counter,
            pseudo_random=config.pseudo_random,
            diversification_data=config.diversification_data,
            cplc=config.cplc,
        )
        applet.keys_diversified = config.diversify is not None
        applet.scp02 = Scp02Support(config.scp02) if config.scp02 is not None else None
        return applet

    def settings(self) -> SecurityDomainConfig:
        """The configuration that rebuilds this Security Domain as it is now."""
        return SecurityDomainConfig(
            aid=self.aid,
            key_sets=tuple(KeySetConfig.of(keys) for keys in self.key_sets),
            sequence_counter=self.sequence_counter,
            pseudo_random=self.pseudo_random,
            diversification_data=self.diversification_data,
            cplc=self.cplc,
            diversify=NO_DIVERSIFICATION if self.keys_diversified else None,
            scp02=self.scp02.settings() if self.scp02 is not None else None,
        )

    def export_state(self) -> dict[str, Any]:
        return {"type": TYPE_NAME, **export(self.settings())}

    # --- the Applet contract ----------------------------------------------------------------

    def new_channel_state(self) -> SdChannelState:
        return SdChannelState()

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        # ISO 7816-4:2020 11.2.2 table 63: P2 b4-b3 = 11 asks for no response data.
        if command.p2 & 0x0C == 0x0C:
            return Response()
        # GPC 11.9.3.1 table 11-92: FCI = 84 AID, A5 {73 card recognition data, 9F65 max
        # length of the command data field}.
        proprietary = tlv(0x73, self._recognition_data()) + tlv(0x9F65, b"\xff")
        fci = tlv(0x84, self.aid) + tlv(0xA5, proprietary)
        return Response(tlv(_SELECT_FCI, fci))

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        state = self._state(ctx)
        cla = parse_cla(command.cla)
        if command.ins == INS_INITIALIZE_UPDATE and cla.gp:
            return self._initialize_update(ctx, state, command)
        if self._session_ended(ctx, state):
            # Issue 7: after the card aborted the secure channel, commands are refused with 6985
            # (conditions of use not satisfied) until a new session is opened. This is the
            # project's rule; we could not read GPC 10.2.3's text to quote a status word.
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        if command.ins == INS_EXTERNAL_AUTHENTICATE and cla.gp:
            return self._external_authenticate(ctx, state, command)
        if command.ins == INS_GET_DATA and (cla.gp or cla.interindustry):
            return self._get_data(command)
        handler = {
            INS_GET_STATUS: self._get_status,
            INS_PUT_KEY: self._put_key,
            INS_SET_STATUS: self._set_status,
            INS_DELETE: self._delete,
            INS_INSTALL: self._install,
        }.get(command.ins)
        if handler is None:
            raise CardStatus(SW.INS_NOT_SUPPORTED)
        if not cla.gp:
            raise CardStatus(SW.CLA_NOT_SUPPORTED)  # GPC 11.1.4: card management is class 80
        if state.session is None or not state.session.active:
            # GPC 10.2: card content management needs an open secure channel session.
            raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
        if command.ins != INS_GET_STATUS:
            state.status_pending = None
        return handler(ctx, state, command)

    def _state(self, ctx: ChannelContext) -> SdChannelState:
        if not isinstance(ctx.state, SdChannelState):
            ctx.state = self.new_channel_state()
        return ctx.state

    @staticmethod
    def _session_ended(ctx: ChannelContext, state: SdChannelState) -> bool:
        """True when the session this applet opened on the channel was ended by an error (the
        OS dropped it from the channel or it is no longer active)."""
        session = state.session
        return session is not None and (ctx.secure_session is not session or not session.active)

    # --- SCP03 handshake (GP Amendment D 7.1) ------------------------------------------------

    def _initialize_update(
        self, ctx: ChannelContext, state: SdChannelState, command: Command
    ) -> Response:
        # GP Amendment D 7.1.1: INITIALIZE UPDATE starts a new session; a session open on this
        # channel ends here (GPC 10.2.3).
        ctx.end_secure_session()
        state.handshake = state.session = state.session_keys = state.handshake_keys = None
        state.status_pending = None
        if self.sequence_counter > MAX_SEQUENCE_COUNTER:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # the counter is exhausted
        if self.scp02 is not None and self.scp02.serves(command.p1):  # GPC E.5.1: SCP02 keys
            answer, state.handshake = self.scp02.initialize_update(ctx, self, command)
            return answer
        # The simulator speaks S8 and S16: the host challenge length chooses (Amendment D 5.1).
        mode = Mode.S16 if command.nc == Mode.S16 else Mode.S8
        handshake = Scp03Card(
            self.key_sets,
            self.aid,
            mode=mode,
            pseudo_random=self.pseudo_random,
            diversification_data=self.diversification_data,
            rng=ctx.card.random,
        )
        try:
            answer = handshake.initialize_update(command, self.sequence_counter)
        except SecureChannelError as exc:
            raise CardStatus(exc.card_sw) from None
        # GP Amendment D 6.2.2.1: every sequence counter value is used once; the increment is
        # durable before the answer leaves the card.
        self.sequence_counter += 1
        ctx.card.commit()
        state.handshake = handshake
        kvn = answer.data[DIVERSIFICATION_DATA_LENGTH]
        state.handshake_keys = next(k for k in self.key_sets if k.kvn == kvn)
        return answer

    def _external_authenticate(
        self, ctx: ChannelContext, state: SdChannelState, command: Command
    ) -> Response:
        handshake, state.handshake = state.handshake, None
        if handshake is None:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        try:
            answer, session = handshake.external_authenticate(command)
        except SecureChannelError as exc:
            raise CardStatus(exc.card_sw) from None
        # The session belongs to this logical channel (GPC 10.2.4); the OS unwraps and wraps
        # every later command of the channel with it.
        ctx.secure_session = session
        state.session = session
        state.session_keys = state.handshake_keys
        return answer

    # --- GET DATA (GPC 11.3) -----------------------------------------------------------------

    def _get_data(self, command: Command) -> Response:
        tag = command.p1 << 8 | command.p2
        if command.data:
            raise CardStatus(SW.WRONG_LENGTH)
        if tag == TAG_KEY_INFORMATION_TEMPLATE:
            infos = (
                KeyInformation(key_id, keys.kvn, KEY_TYPE_AES, len(keys.enc)).encode()
                for keys in self.key_sets
                for key_id in KEY_IDS
            )
            return Response(tlv(TAG_KEY_INFORMATION_TEMPLATE, b"".join(infos)))
        if tag == TAG_CPLC:
            return Response(tlv(TAG_CPLC, self.cplc))
        if tag == TAG_CARD_DATA:
            return Response(tlv(TAG_CARD_DATA, tlv(0x73, self._recognition_data())))
        raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)

    def _recognition_data(self) -> bytes:
        # GPC H.2 table H-1: GlobalPlatform OID, card management type and version (GPC 2.3),
        # card identification scheme, and the SCP with its "i" parameter (SCP03, i).
        i = Scp03Card([StaticKeys.default()], self.aid, pseudo_random=self.pseudo_random)
        return b"".join(
            (
                tlv(0x06, _GP_OID + b"\x01"),
                tlv(0x60, tlv(0x06, _GP_OID + bytes.fromhex("02020300"))),
                tlv(0x63, tlv(0x06, _GP_OID + b"\x03")),
                tlv(0x64, tlv(0x06, _GP_OID + bytes((0x04, 0x03, int(i.key_parameter))))),
            )
        )

    # --- GET STATUS (GPC 11.4) ---------------------------------------------------------------

    def _registry(self, ctx: ChannelContext) -> AppletRegistry:
        registry = getattr(ctx.card, "registry", None)
        if not isinstance(registry, AppletRegistry):
            raise CardStatus(SW.FUNCTION_NOT_SUPPORTED)  # a card without an applet registry
        return registry

    def _get_status(self, ctx: ChannelContext, state: SdChannelState, command: Command) -> Response:
        # GPC 11.4.2.2: only the tagged format (P2 b2 = 1) is offered; b1 = next occurrence.
        if command.p2 & ~STATUS_NEXT != STATUS_TLV:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if command.p2 & STATUS_NEXT:
            pending, state.status_pending = state.status_pending, None
            if pending is None or pending[0] != command.p1:
                raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
            return self._status_chunk(state, command.p1, pending[1])
        state.status_pending = None
        try:
            scope = StatusScope(command.p1)
        except ValueError:
            raise CardStatus(SW.INCORRECT_P1_P2) from None
        prefix = self._search_prefix(command.data)
        entries = [e for e in self._status_entries(ctx, scope) if e.aid.startswith(prefix)]
        if not entries:
            raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)  # GPC 11.4.3: no matching entry
        return self._status_chunk(state, command.p1, b"".join(e.encode() for e in entries))

    @staticmethod
    def _search_prefix(data: bytes) -> bytes:
        # GPC 11.4.2.3: search criteria; the simulator supports 4F (AID, possibly partial).
        try:
            nodes = parse(data)
        except DecodeError:
            raise CardStatus(SW.INCORRECT_DATA) from None
        if len(nodes) != 1 or nodes[0].tag != TAG_AID:
            raise CardStatus(SW.INCORRECT_DATA)
        return nodes[0].value

    def _status_entries(self, ctx: ChannelContext, scope: StatusScope) -> list[RegistryData]:
        registry = self._registry(ctx)
        if scope is StatusScope.ISSUER_SECURITY_DOMAIN:
            return [RegistryData(self.aid, LifeCycle.SECURED, ISD_PRIVILEGES)]
        if scope is StatusScope.APPLICATIONS:
            return [
                self._application_data(entry)
                for entry in registry.entries()
                if entry.aid != self.aid
            ]
        with_modules = scope is StatusScope.LOAD_FILES_AND_MODULES
        return [
            RegistryData(
                load_file_aid(name),
                LifeCycle.LOADED,
                associated_sd=self.aid,
                modules=(module_aid(name),) if with_modules else (),
            )
            for name in registry.applet_types()
            if name != TYPE_NAME
        ]

    def _application_data(self, entry: RegistryEntry) -> RegistryData:
        return RegistryData(
            entry.aid,
            LifeCycle.LOCKED if entry.locked else LifeCycle.SELECTABLE,
            APPLICATION_PRIVILEGES,
            load_file=load_file_aid(entry.applet_type),
            associated_sd=self.aid,
        )

    @staticmethod
    def _status_chunk(state: SdChannelState, p1: int, data: bytes) -> Response:
        # GPC 11.4.3: whole entries per answer; 6310 says more data is available and GET
        # STATUS with P2 b1 = 1 (same P1 and search criteria) continues, the way
        # GlobalPlatformPro GPSession.getConcatenatedStatus reads it.
        cut = 0
        for node in parse(data):
            size = len(node.encode())
            if cut and cut + size > MAX_STATUS_CHUNK:
                break
            cut += size
        if cut < len(data):
            state.status_pending = (p1, data[cut:])
            return Response(data[:cut], SW_MORE_STATUS)
        return Response(data)

    # --- PUT KEY (GPC 11.8, GP Amendment D 7.2) ----------------------------------------------

    def _put_key(self, ctx: ChannelContext, state: SdChannelState, command: Command) -> Response:
        if state.session_keys is None:  # PUT KEY over SCP02: not offered yet (docs/scp02.md)
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        # GPC 11.8.2.2: P2 = 81: several keys, starting with key identifier 01 (ENC, MAC, DEK).
        if command.p2 != 0x80 | KEY_IDS[0]:
            raise CardStatus(SW.INCORRECT_P1_P2)
        try:
            data = PutKeyData.decode(command.data)
        except DecodeError:
            raise CardStatus(SW.INCORRECT_DATA) from None
        if not 1 <= data.kvn <= MAX_KVN or len(data.blocks) != len(KEY_IDS):
            raise CardStatus(SW.INCORRECT_DATA)
        if any(block.key_type != KEY_TYPE_AES for block in data.blocks):
            raise CardStatus(SW_ALGORITHM_NOT_SUPPORTED)
        dek = state.session_keys.dek
        try:
            keys = [block.decrypt(dek) for block in data.blocks]
            new = StaticKeys(keys[0], keys[1], keys[2], data.kvn)
        except (DecodeError, UsageError):
            raise CardStatus(SW.INCORRECT_DATA) from None
        # GPC 11.8.2.3: each key check value is verified against the decrypted key.
        for block, key in zip(data.blocks, keys, strict=True):
            expected = key_check_value(key)[: len(block.check_value)]
            if not hmac.compare_digest(block.check_value, expected):
                raise CardStatus(SW_INVALID_KEY_CHECK_VALUE)
        kvns = [k.kvn for k in self.key_sets]
        if command.p1 == 0x00:  # GPC 11.8.2.1: P1 = 00 adds a new key set
            if data.kvn in kvns:
                raise CardStatus(SW.INCORRECT_DATA)
            if len(self.key_sets) >= MAX_KEY_SETS:
                raise CardStatus(SW.NOT_ENOUGH_MEMORY)
            self.key_sets.append(new)
        else:  # P1 = the version of the key set to replace
            if command.p1 not in kvns:
                raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
            if data.kvn != command.p1 and data.kvn in kvns:
                raise CardStatus(SW.INCORRECT_DATA)
            self.key_sets[kvns.index(command.p1)] = new
        ctx.card.commit()
        # GPC 11.8.3.1: the answer is the key version number followed by each KCV.
        return Response(bytes((data.kvn,)) + b"".join(key_check_value(k) for k in keys))

    # --- SET STATUS, DELETE, INSTALL (GPC 11.10, 11.2, 11.5) --------------------------------

    def _set_status(self, ctx: ChannelContext, state: SdChannelState, command: Command) -> Response:
        # GPC 11.10.2.1: P1 40 = an application; the card life cycle (P1 80) is not offered.
        if command.p1 != SET_STATUS_APPLICATION:
            raise CardStatus(SW.INCORRECT_P1_P2)
        # GPC 11.10.2.2 / table 11-4: b8 set locks (LOCKED = 1xxxxx11; 83 from cardwire.gp,
        # 80 from GlobalPlatformPro GPSession.lockUnlockApplet); 07, 03 or 00 (GPP) unlocks.
        if command.p2 & 0x80:
            if command.p2 & 0x7C not in (0x00, 0x04) or command.p2 & 0x03 not in (0x00, 0x03):
                raise CardStatus(SW.INCORRECT_P1_P2)
            locked = True
        elif command.p2 in (0x00, LifeCycle.INSTALLED, LifeCycle.SELECTABLE):
            locked = False
        else:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if command.data == self.aid:
            raise CardStatus(SW.INCORRECT_P1_P2)  # the ISD is not an application (use P1 80)
        registry = self._registry(ctx)
        registry.set_locked(command.data, locked)
        ctx.card.commit()
        return Response()

    def _delete(self, ctx: ChannelContext, state: SdChannelState, command: Command) -> Response:
        if command.p1 == 0x00 and is_key_deletion(command.data):  # GPC 11.2.2.3.2: D0/D2
            # The session of a deleted key set goes on: its keys are session keys (docs/scp03.md).
            self.key_sets = key_sets_after_deletion(self.key_sets, command.p2, command.data)
            ctx.card.commit()
            return Response(b"\x00")  # GPC 11.2.3.1
        # GPC 11.2.2.1: P1 = 00 (last or only command); P2 b8 = delete related objects.
        if command.p1 != 0x00 or command.p2 not in (0x00, 0x80):
            raise CardStatus(SW.INCORRECT_P1_P2)
        try:
            aid = delete_target(command.data)
        except DecodeError:
            raise CardStatus(SW.INCORRECT_DATA) from None
        if aid == self.aid:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # the ISD stays
        self._registry(ctx).delete(aid)
        ctx.card.commit()
        return Response(b"\x00")  # GPC 11.2.3.1: the response data field is one byte 00

    def _install(self, ctx: ChannelContext, state: SdChannelState, command: Command) -> Response:
        # GPC 11.5.2.1: only [for install and make selectable] (P1 0C) is offered; P2 = 00.
        if command.p1 != INSTALL_AND_MAKE_SELECTABLE or command.p2 != 0x00:
            raise CardStatus(SW.INCORRECT_P1_P2)
        try:
            data = InstallData.decode(command.data)
        except DecodeError:
            raise CardStatus(SW.INCORRECT_DATA) from None
        # GPC 11.5.2.3.2: privileges are one or three bytes; the simulator installs
        # applications, not Security Domains.
        if len(data.privileges) not in (1, 3) or data.privileges[0] & SECURITY_DOMAIN_PRIVILEGE:
            raise CardStatus(SW.INCORRECT_DATA)
        registry = self._registry(ctx)
        types = {(load_file_aid(n), module_aid(n)): n for n in registry.applet_types()}
        applet_type = types.get((data.load_file, data.module))
        if applet_type is None or applet_type == TYPE_NAME:
            raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)  # GPC 11.5.3: load file not found
        registry.install(applet_type, data.aid)
        ctx.card.commit()
        return Response(b"\x00")  # GPC 11.5.3.1: the response data field is one byte 00
