"""The Security Domain applet itself: SCP03 handshake commands, GET DATA and the card management
commands under an authenticated session (GlobalPlatform Card Specification v2.3, Amendment D)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.errors import SecureChannelError
from cardwire.gp import (
    INS_DELETE,
    INS_GET_DATA,
    INS_GET_STATUS,
    INS_INSTALL,
    INS_PUT_KEY,
    INS_SET_STATUS,
    KEY_IDS,
    KEY_TYPE_AES,
    TAG_CARD_DATA,
    TAG_CPLC,
    TAG_KEY_INFORMATION_TEMPLATE,
    KeyInformation,
)
from cardwire.gp_content import INS_LOAD, INS_STORE_DATA
from cardwire.gp_des_keys import KEY_TYPE_DES
from cardwire.sim.applet import Applet, AppletRegistry, CardStatus, ChannelContext
from cardwire.sim.applets.security_domain import content, keys, life_cycle, status, store_data
from cardwire.sim.applets.security_domain.scp02_session import (
    Scp02Support,
    counted_initialize_update,
)
from cardwire.sim.applets.security_domain.scp11 import Scp11Support
from cardwire.sim.applets.security_domain.settings import (
    CARD_LOCKED,
    CARD_TERMINATED,
    CPLC_LENGTH,
    TYPE_NAME,
    KeySetConfig,
    LoadFileConfig,
    SecurityDomainConfig,
    diversified_key_sets,
)
from cardwire.sim.config_loader import export, load, without_type
from cardwire.sm.scp02 import Scp02Card, Scp02CardSession
from cardwire.sm.scp03 import (
    DIVERSIFICATION_DATA_LENGTH,
    INS_EXTERNAL_AUTHENTICATE,
    INS_INITIALIZE_UPDATE,
    MAX_SEQUENCE_COUNTER,
    NO_DIVERSIFICATION,
    Mode,
    Scp03Card,
    Scp03CardSession,
    StaticKeys,
)
from cardwire.sm.scp11 import Scp11Card, Scp11CardSession
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
    # INSTALL [for load] then LOAD blocks (GPC 11.6): load file AID, hash, blocks so far.
    loading: content.PendingLoad | None = None
    # INSTALL [for personalization] (GPC 11.5.2.3.4): the application STORE DATA goes to.
    personalizing: bytes | None = None
    store_next_block: int = 0  # STORE DATA block number expected next (GPC 11.11.2.2)
    scp11: Scp11Card | None = None  # the SCP11 handshake of this channel (scp11.py)


Handler = Callable[["SecurityDomainApplet", ChannelContext, SdChannelState, Command], Response]
"""A card management command: the Security Domain, the channel, its state, the command."""

# GPC 11.1.4: card content management commands, under an authenticated session only. One line
# per command: other modules (SCP02/SCP11 variants) add theirs here.
MANAGEMENT: dict[int, Handler] = {
    INS_GET_STATUS: status.get_status,
    INS_PUT_KEY: keys.put_key,
    INS_SET_STATUS: life_cycle.set_status,
    INS_DELETE: content.delete,
    INS_INSTALL: content.install,
    INS_LOAD: content.load,
    INS_STORE_DATA: store_data.store_data,
}
# GPC 5.1.1.4: a CARD_LOCKED card still answers these (to be unlocked, and seen).
_WHILE_LOCKED = frozenset({INS_GET_STATUS, INS_SET_STATUS})


class SecurityDomainApplet(Applet):
    """A GlobalPlatform Issuer Security Domain with SCP03 (see the module docstring)."""

    answers_without_le = True  # Java Card over T=1: yubikit sends GET DATA BF21 as case 3

    def __init__(
        self,
        aid: bytes,
        key_sets: list[StaticKeys],
        *,
        sequence_counter: int = 0,
        pseudo_random: bool = False,
        diversification_data: bytes = bytes(DIVERSIFICATION_DATA_LENGTH),
        cplc: bytes = bytes(CPLC_LENGTH),
        card_life_cycle: int = 0x0F,
        load_files: list[LoadFileConfig] | None = None,
        data_objects: bytes = b"",
    ) -> None:
        self.aid = aid
        self.key_sets = list(key_sets)
        self.sequence_counter = sequence_counter
        self.pseudo_random = pseudo_random
        self.diversification_data = diversification_data
        self.cplc = cplc
        self.card_life_cycle = card_life_cycle
        self.load_files = load_files  # None: the built-in applet types (status.load_files)
        self.data_objects = data_objects
        # The profile asked for keys diversified from master keys (settings.diversified_key_sets):
        # the state holds the diversified keys and says "diversify: none" so that merging it
        # over the profile on reload does not diversify them twice.
        self.keys_diversified = False
        self.scp02: Scp02Support | None = None  # SCP02 key sets (scp02_session.py)
        self.scp11: Scp11Support | None = None  # SCP11 keys and test PKI (scp11.py)

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
            card_life_cycle=config.card_life_cycle,
            load_files=None if config.load_files is None else list(config.load_files),
            data_objects=config.data_objects,
        )
        applet.keys_diversified = config.diversify is not None
        if config.scp02 is not None:
            applet.scp02 = Scp02Support(config.scp02, config.diversification_data)
        applet.scp11 = Scp11Support(config.scp11) if config.scp11 is not None else None
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
            scp11=self.scp11.settings() if self.scp11 is not None else None,
            card_life_cycle=self.card_life_cycle,
            load_files=None if self.load_files is None else tuple(self.load_files),
            data_objects=self.data_objects,
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
        if self.card_life_cycle == CARD_TERMINATED and command.ins != INS_GET_DATA:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # GPC 5.1.1.5: TERMINATED
        if command.ins == INS_INITIALIZE_UPDATE and cla.gp:
            return self._initialize_update(ctx, state, command)
        if self.scp11 is not None and self.scp11.handles(command):
            return self._scp11_handshake(ctx, state, command)
        if self._session_ended(ctx, state):
            # Issue 7: after the card aborted the secure channel, commands are refused with 6985
            # (conditions of use not satisfied) until a new session is opened. This is the
            # project's rule; we could not read GPC 10.2.3's text to quote a status word.
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        if command.ins == INS_EXTERNAL_AUTHENTICATE and cla.gp:
            return self._external_authenticate(ctx, state, command)
        if command.ins == INS_GET_DATA and (cla.gp or cla.interindustry):
            answer = self.scp11.get_data(command) if self.scp11 is not None else None
            return answer if answer is not None else self._get_data(command)
        handler = MANAGEMENT.get(command.ins)
        if handler is None:
            raise CardStatus(SW.INS_NOT_SUPPORTED)
        if not cla.gp and not (cla.interindustry and command.ins == INS_STORE_DATA):
            # GPC 11.1.4: card management is class 80; STORE DATA also in class 00, as
            # yubikit's store_data sends it and YubiKeys take it (docs/scp11.md).
            raise CardStatus(SW.CLA_NOT_SUPPORTED)
        if state.session is None or not state.session.active:
            # GPC 10.2: card content management needs an open secure channel session.
            raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
        if (
            isinstance(state.session, Scp11CardSession)
            and not state.session.oce_authenticated
            and command.ins != INS_GET_STATUS
        ):
            # GP Amendment F 2.3: SCP11b does not authenticate the OCE; card content
            # management (PUT KEY...) needs SCP11a/c. Reading (GET STATUS) stays allowed.
            raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
        if self.card_life_cycle == CARD_LOCKED and command.ins not in _WHILE_LOCKED:
            # GPC 5.1.1.4: a locked card refuses card content management until unlocked.
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        if command.ins != INS_GET_STATUS:
            state.status_pending = None
        return handler(self, ctx, state, command)

    def registry(self, ctx: ChannelContext) -> AppletRegistry:
        """The card's applet list (6A81 on a card without one)."""
        registry = getattr(ctx.card, "registry", None)
        if not isinstance(registry, AppletRegistry):
            raise CardStatus(SW.FUNCTION_NOT_SUPPORTED)
        return registry

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
        state.status_pending = state.loading = state.personalizing = None
        state.store_next_block = 0
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
        answer = counted_initialize_update(self, handshake, ctx, command)
        state.handshake = handshake
        kvn = answer.data[DIVERSIFICATION_DATA_LENGTH]
        state.handshake_keys = next(k for k in self.key_sets if k.kvn == kvn)
        return answer

    def _scp11_handshake(
        self, ctx: ChannelContext, state: SdChannelState, command: Command
    ) -> Response:
        # GP Amendment F 7.5/7.6: the SCP11 handshake starts a new session on this channel.
        assert self.scp11 is not None
        ctx.end_secure_session()
        state.handshake = state.session = state.session_keys = state.handshake_keys = None
        state.status_pending = state.loading = state.personalizing = None
        answer, session = self.scp11.process(state, command)
        if session is not None:
            ctx.secure_session = session
            state.session = session
            # PUT KEY decrypts with S-DEK (Amendment F 3.1.2), the key set's DEK slot.
            state.session_keys = StaticKeys(session.dek, session.dek, session.dek, command.p1)
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
        cla_interindustry = parse_cla(command.cla).interindustry
        if command.data:
            raise CardStatus(SW.WRONG_LENGTH)
        if tag == TAG_KEY_INFORMATION_TEMPLATE:
            infos = [
                KeyInformation(key_id, keys.kvn, KEY_TYPE_AES, len(keys.enc))
                for keys in self.key_sets
                for key_id in KEY_IDS
            ]
            if self.scp02 is not None:  # GPC 11.8.2.3 table 11-69: 80, DES (3DES, 16 bytes)
                infos += [
                    KeyInformation(key_id, keys.kvn, KEY_TYPE_DES, len(keys.enc))
                    for keys in self.scp02.key_sets
                    for key_id in KEY_IDS
                ]
            infos += self.scp11.store.key_information() if self.scp11 is not None else []
            objects = b"".join(info.encode() for info in infos)
            # GPC 11.3.3.1: the E0 template; class 00 (yubikit) gets the C0 objects alone, as
            # YubiKeys answer them (docs/scp11.md, "Decisions").
            return Response(objects if cla_interindustry else tlv(tag, objects))
        if tag == TAG_CPLC:
            return Response(tlv(TAG_CPLC, self.cplc))
        if tag == TAG_CARD_DATA:
            return Response(tlv(TAG_CARD_DATA, tlv(0x73, self._recognition_data())))
        # GPC 11.11 / 11.3: objects put with STORE DATA (IIN 42, CIN 45, card capability 67...).
        for node in parse(self.data_objects):
            if node.tag == tag:
                return Response(node.encode())
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
