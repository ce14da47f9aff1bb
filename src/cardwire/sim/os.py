"""The simulated card's operating system: logical channels, applet selection, chaining, GET
RESPONSE, the secure session of each channel, and the card's life cycle.

One command APDU goes through these steps (the order of cardwire.sim.applet):

1. decode, extended length allowed? (6700: ends the session of the channel CLA names), class
   byte (6E00, no channel), channel open? (6881); terminated: 6285 to SELECT, else 6A81;
2. GET RESPONSE with response data pending on the channel is served (exempt from the plain
   APDU rule of step 3); any other command discards the pending data (ISO 7816-4:2020 5.3.4);
3. the channel's session unwraps the command if it ``handles`` it (``SecureChannelError``: the
   session ends, ``card_sw`` answered plain); one it neither handles nor ``admits_plain`` ends
   the session (ICAO 9303-11 9.8), and as a chain piece is refused (6987), nothing kept;
4. command chaining (CLA b5) is reassembled (ISO 7816-4:2020 5.3.3), all pieces protected or
   all plain (a mixed chain answers 6883), except for the INS codes the current applet lists in
   ``chained_steps`` (PACE's GENERAL AUTHENTICATE steps); under SCP03/SCP11 a chain protected
   whole (yubikit's) is collected first and unwrapped at its last piece (``chain``);
5. the OS handles MANAGE CHANNEL, SELECT by AID (only the ISD while the card is CARD_LOCKED,
   ``card_locked_to``) and TERMINATE CARD USAGE; everything else goes
   to the channel's current applet; ``CardStatus`` becomes the status word;
6. a response to an unwrapped command is wrapped by the session that unwrapped it while that
   session is still active (a session the applet replaced meanwhile is closed afterwards);
7. response data longer than Ne (or 256 for a short command) is served in pieces with 61xx; a
   fixed-length response with a too-small Le answers 6Cxx (or 61xx, profile ``wrong_le``).

The OS is sans-IO and not thread-safe: ``SimCard`` serialises calls with its lock and turns any
unexpected exception into 6F00.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cardwire.apdu import MAX_EXTENDED_NC, MAX_EXTENDED_NE, MAX_SHORT_NE, Command, Response
from cardwire.cla import Cla, SmIndication, parse_cla, with_chaining
from cardwire.errors import DecodeError, SecureChannelError
from cardwire.ins import Ins
from cardwire.sim.applet import Applet, CardStatus, ChannelContext, OsServices
from cardwire.sim.chain import Chain, protected_whole_chain
from cardwire.sim.occurrence import pick_occurrence
from cardwire.sim.profile import CardOptions
from cardwire.sm.selection import survives_select
from cardwire.sw import SW

BASIC_CHANNEL = 0
OPEN = 0x00  # MANAGE CHANNEL P1, ISO 7816-4:2020 11.1.2
CLOSE = 0x80
SELECT_BY_DF_NAME = 0x04  # SELECT P1, ISO 7816-4:2020 11.2.2 table 62
MAX_CHANNEL_NUMBER = 19  # ISO 7816-4:2020 5.4.1
# Compared with every command, looked up once (an Enum member lookup is slow).
_GET_RESPONSE, _MANAGE_CHANNEL = Ins.GET_RESPONSE, Ins.MANAGE_CHANNEL
_SELECT = Ins.SELECT
_TERMINATE_CARD_USAGE = Ins.TERMINATE_CARD_USAGE
_SUCCESS = SW.SUCCESS


def _status(sw: int) -> Response:
    return Response(b"", sw)


@dataclass(frozen=True, eq=False)
class AppletSlot:
    """An applet installed on the card under the AID its profile gives it."""

    aid: bytes
    applet: Applet


@dataclass(eq=False)
class _Channel:
    """An open logical channel: its context plus what the OS keeps for it."""

    ctx: ChannelContext
    pending: tuple[bytes, int] | None = None  # response data still to serve, and its final SW
    chain: Chain | None = None
    whole: Chain | None = None  # a chain protected whole, collected as it came (yubikit)


class CardOS:
    """Routes command APDUs to applets by logical channel (see the module docstring)."""

    def __init__(
        self,
        slots: Sequence[AppletSlot],
        options: CardOptions,
        services: OsServices,
        default_slot: AppletSlot | None,
        locked: Iterable[bytes] = (),
    ) -> None:
        self._slots = list(slots)
        self._locked = set(locked)  # GP Card Spec v2.3 5.3.1: LOCKED, not selectable
        self._options = options
        self._services = services
        self._default = default_slot
        self._channels: dict[int, _Channel] = {}

    # --- card-level operations -------------------------------------------------------------

    def reset(self) -> None:
        """Power-on or reset: end every session, close channels 1-19, select the default applet
        on the basic channel (ISO 7816-4:2020 5.4.2: after reset only the basic channel is open)."""
        self.shutdown()
        self._channels[BASIC_CHANNEL] = self._new_channel(BASIC_CHANNEL, self._default)

    def shutdown(self) -> None:
        """Power-off: every secure session ends and every channel is forgotten."""
        for channel in self._channels.values():
            channel.ctx.end_secure_session()
        self._channels.clear()

    def context(self, channel: int) -> ChannelContext | None:
        """The context of an open channel (for inspection), or None."""
        found = self._channels.get(channel)
        return None if found is None else found.ctx

    def applet(self, aid: bytes) -> Applet | None:
        return next((s.applet for s in self._slots if s.aid == aid), None)

    @property
    def open_channels(self) -> tuple[int, ...]:
        return tuple(sorted(self._channels))

    # --- the applet registry (changed by a card manager through SimCard.registry) -----------

    @property
    def slots(self) -> tuple[AppletSlot, ...]:
        return tuple(self._slots)

    def is_locked(self, aid: bytes) -> bool:
        return aid in self._locked

    def set_locked(self, aid: bytes, locked: bool) -> None:
        (self._locked.add if locked else self._locked.discard)(aid)

    def add_slot(self, slot: AppletSlot) -> None:
        self._slots.append(slot)

    def remove_slot(self, aid: bytes) -> None:
        self._slots = [s for s in self._slots if s.aid != aid]
        self._locked.discard(aid)

    def is_current(self, aid: bytes) -> bool:
        """Whether the applet installed under ``aid`` is current on any open channel."""
        applet = self.applet(aid)
        return applet is not None and any(ch.ctx.applet is applet for ch in self._channels.values())

    def export_states(self) -> dict[bytes, dict[str, Any]]:
        """Each applet's card-wide state, by AID."""
        return {slot.aid: slot.applet.export_state() for slot in self._slots}

    # --- one command -----------------------------------------------------------------------

    def process(self, raw: bytes) -> bytes:
        """Process one command APDU and return the response APDU."""
        try:
            command = Command.decode(raw)
        except DecodeError:
            return self._malformed(raw).encode()
        if command.is_extended and not self._options.extended_length:  # ISO 7816-4:2020 5.1
            return self._malformed(raw).encode()
        cla = parse_cla(command.cla)
        if cla.channel is None:  # ISO 7816-4 table 6 reserved/proprietary: names no channel
            return _status(SW.CLA_NOT_SUPPORTED).encode()
        channel = self._channels.get(cla.channel)
        if channel is None:  # ISO 7816-4:2020 5.4.2: 6881 for a channel not open/supported
            return _status(SW.LOGICAL_CHANNEL_NOT_SUPPORTED).encode()
        if self._services.terminated:
            return self._terminated_answer(command).encode()
        # GET RESPONSE is an interindustry command (ISO 7816-4:2020 5.4.1: with CLA b8 = 1 the
        # INS codes are the application's, e.g. Keycard SIGN is 80 C0).
        if command.ins == _GET_RESPONSE and cla.interindustry and channel.pending is not None:
            return self._get_response(channel, command).encode()
        channel.pending = None  # ISO 7816-4:2020 5.3.4: any other command drops pending data
        return self._process_on_channel(channel, command, cla).encode()

    def _malformed(self, raw: bytes) -> Response:
        """6700; the session of the channel the first byte names ends: an APDU the card cannot
        parse cannot be verified, an SM error (ISO 7816-4:2020 10, ICAO 9303-11 9.8)."""
        cla = parse_cla(raw[0]) if raw else None
        channel = None if cla is None or cla.channel is None else self._channels.get(cla.channel)
        if channel is not None and channel.ctx.secure_session is not None:
            channel.ctx.end_secure_session()
            channel.chain = None
        return _status(SW.WRONG_LENGTH)

    def _process_on_channel(self, channel: _Channel, wire: Command, cla: Cla) -> Response:
        ctx = channel.ctx
        ctx.secured = False
        session = ctx.secure_session
        if session is not None and not session.active:
            ctx.secure_session = session = None
        command = wire
        if session is not None and session.handles(wire):
            try:
                whole = protected_whole_chain(channel, session, wire, cla.chaining)
                if isinstance(whole, Response):
                    return self._deliver(channel, wire, whole, secured=False)
                wire = whole or wire
                command = session.unwrap(wire)
            except SecureChannelError as exc:
                # ISO/IEC 7816-4:2020 clause 10: an SM error ends the session on the card.
                ctx.end_secure_session()
                channel.chain = None
                return _status(exc.card_sw)
            ctx.secured = True
            cla = parse_cla(command.cla)
        elif session is not None and not session.admits_plain(wire):
            # ICAO 9303-11 9.8: a plain APDU ends the channel's session, then runs plain. ISO
            # 7816-4:2020 5.3.3 with clause 10: each chain piece is protected on its own, so a
            # plain piece (or plain end of a chain) is refused and nothing of it kept.
            in_chain = cla.chaining or channel.chain is not None or channel.whole is not None
            ctx.end_secure_session()
            session = channel.whole = None
            if in_chain:  # also the plain end of a chain protected whole (yubikit's)
                channel.chain = None
                # ISO 7816-4:2020 table 6: 6987 "expected SM data objects missing".
                return _status(SW.SM_DATA_OBJECTS_MISSING)
        response = self._chain_and_dispatch(channel, command, cla)
        if ctx.secured and session is not None and session.active:
            # The answer travels under the keys that protected the command, also when the
            # applet installed a new session with it (ICAO 9303-11 4.4.4.2 / 9.8: PACE run
            # under secure messaging switches keys after its last response).
            response = session.wrap(response)
            if ctx.secure_session is not session:
                session.close()
        return self._deliver(channel, wire, response, secured=ctx.secured)

    def _chain_and_dispatch(self, channel: _Channel, command: Command, cla: Cla) -> Response:
        chain = channel.chain
        secured = channel.ctx.secured
        # ISO 7816-4:2020 5.3.3 (with clause 10): a chain continues with the same header and
        # protection; anything else aborts it with 6883 "last command of the chain expected".
        if chain is not None and not chain.continues_with(command, secured):
            channel.chain = None
            return _status(SW.LAST_COMMAND_OF_CHAIN_EXPECTED)
        if cla.chaining and self._collects(chain, channel.ctx.applet, command):
            if not self._options.chaining:
                return _status(SW.COMMAND_CHAINING_NOT_SUPPORTED)
            if chain is None:
                plain_cla = with_chaining(command.cla, False)
                chain = Chain(plain_cla, command.ins, command.p1, command.p2, secured)
                channel.chain = chain
            chain.data += command.data
            if len(chain.data) > MAX_EXTENDED_NC:
                channel.chain = None
                return _status(SW.WRONG_LENGTH)
            return Response()
        if chain is not None:
            channel.chain = None
            data = bytes(chain.data) + command.data
            if len(data) > MAX_EXTENDED_NC:
                return _status(SW.WRONG_LENGTH)
            command = Command(command.cla, command.ins, command.p1, command.p2, data, command.ne)
        try:
            return self._dispatch(channel, command, cla)
        except CardStatus as status:
            return Response(status.data, status.sw)

    @staticmethod
    def _collects(chain: Chain | None, applet: Applet | None, command: Command) -> bool:
        """Whether the OS collects this chained command (it always continues a collection).
        The applet answers the pieces of its ``chained_steps`` itself (ICAO 9303-11 4.4.4.2:
        PACE's GENERAL AUTHENTICATE marks protocol steps with CLA 10, each answered with data)."""
        return chain is not None or not (applet is not None and command.ins in applet.chained_steps)

    def _dispatch(self, channel: _Channel, command: Command, cla: Cla) -> Response:
        ins = command.ins
        if ins == _MANAGE_CHANNEL:
            return self._manage_channel(channel, command, cla)
        if ins == _SELECT and command.p1 == SELECT_BY_DF_NAME:
            return self._select_by_aid(channel, command)
        if ins == _TERMINATE_CARD_USAGE and cla.interindustry:
            return self._terminate(command)
        if ins == _GET_RESPONSE and cla.interindustry:
            # Nothing pending on this channel (step 2 served it otherwise).
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        applet = channel.ctx.applet
        if applet is None:  # no application is current on this channel
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        return applet.process(channel.ctx, command)

    # --- response delivery -----------------------------------------------------------------

    def _deliver(
        self, channel: _Channel, wire: Command, response: Response, *, secured: bool
    ) -> Response:
        data, sw = response.data, response.sw
        # Only normal and warning completions carry data (ISO 7816-4:2020 5.6).
        if not data or not (sw == _SUCCESS or sw >> 8 in (0x62, 0x63)):
            return response
        ne, applet = wire.ne, channel.ctx.applet
        if ne == 0 and applet is not None and applet.answers_without_le:
            # The applet answers a command without Le as if Le were 00, as Java Card applets
            # do over T=1 (clients such as the Keycard SDK send case 3 and read the data); an
            # extended case 3 as if Le were 0000 (yubikit reads GET DATA BF21 so).
            ne = MAX_EXTENDED_NE if wire.is_extended else MAX_SHORT_NE
        limit = ne if wire.is_extended else min(ne, MAX_SHORT_NE)
        if len(data) <= limit:
            return response
        if limit and len(data) <= MAX_SHORT_NE and not secured:
            # A fixed-length answer and a too-small Le: ISO 7816-3:2006 10.3.3 / ISO 7816-4:2020
            # 5.6 6Cxx "wrong Le, xx is the exact length" (re-send), or, per profile, 61xx and
            # GET RESPONSE. Under SM Le is inside the MAC, so only 61xx applies there.
            if self._options.wrong_le == "6Cxx":
                return _status(0x6C00 | (len(data) & 0xFF))
            channel.pending = (data, sw)
            return _status(0x6100 | (len(data) & 0xFF))
        # ISO 7816-4:2020 5.3.4: deliver Ne bytes now, 61xx says how many remain (00: 256+).
        channel.pending = (data[limit:], sw)
        return Response(data[:limit], 0x6100 | (min(len(data) - limit, MAX_SHORT_NE) & 0xFF))

    def _get_response(self, channel: _Channel, command: Command) -> Response:
        assert channel.pending is not None  # GET RESPONSE, ISO 7816-4:2020 11.7.1
        data, final_sw = channel.pending
        if command.p1 or command.p2:
            return _status(SW.INCORRECT_P1_P2)
        if command.data:
            return _status(SW.WRONG_LENGTH)
        if command.ne == 0:
            # ISO 7816-3:2006 10.3.3: wrong length, xx = bytes available (00: 256 or more).
            return _status(0x6C00 | (min(len(data), MAX_SHORT_NE) & 0xFF))
        chunk, rest = data[: command.ne], data[command.ne :]
        if rest:
            channel.pending = (rest, final_sw)
            return Response(chunk, 0x6100 | (min(len(rest), MAX_SHORT_NE) & 0xFF))
        channel.pending = None
        return Response(chunk, final_sw)

    # --- MANAGE CHANNEL --------------------------------------------------------------------

    def _manage_channel(self, origin: _Channel, command: Command, cla: Cla) -> Response:
        # Java Card 3 Runtime Environment Specification 4.5.1: SM indication without a secure
        # session that unwrapped the command answers 6882.
        if cla.sm is not SmIndication.NONE and not origin.ctx.secured:
            raise CardStatus(SW.SECURE_MESSAGING_NOT_SUPPORTED)
        if command.data:  # ISO 7816-4:2020 11.1.2: no command data field
            raise CardStatus(SW.WRONG_LENGTH)
        # ISO 7816-4:2020 11.1.2: P1 00 open, 80 close, other values RFU; P2 a channel number.
        # Java Card 3 RE spec 4.5.1 step 1 / 4.6.1 steps 1 and 4: P1 neither 00 nor 80, or P2
        # above 19, answers 6A81 "function not supported".
        if command.p1 not in (OPEN, CLOSE) or command.p2 > MAX_CHANNEL_NUMBER:
            raise CardStatus(SW.FUNCTION_NOT_SUPPORTED)
        if command.p1 == OPEN:
            return self._open_channel(origin, command.p2)
        return self._close_channel(command.p2)

    def _open_channel(self, origin: _Channel, requested: int) -> Response:
        limit = self._options.logical_channels
        if limit == 1:  # basic channel only
            raise CardStatus(SW.LOGICAL_CHANNEL_NOT_SUPPORTED)
        if requested == 0:  # P2 = 00: the card assigns the number
            free = [n for n in range(1, limit) if n not in self._channels]
            if not free:  # Java Card 3 RE spec 4.5.1: no resources for a new channel -> 6A81
                raise CardStatus(SW.FUNCTION_NOT_SUPPORTED)
            number = free[0]
        else:
            # Java Card 3 RE spec 4.5.1 step 5: a channel without resources (beyond the
            # profile's channels) or already open answers 6A86.
            if requested >= limit or requested in self._channels:
                raise CardStatus(SW.INCORRECT_P1_P2)
            number = requested
        # ISO 7816-4 5.4.2, as the Java Card 3 RE spec 4.5.1 applies it: opened from the basic
        # channel, the new channel gets the default application; opened from another channel,
        # the application current there becomes current on the new channel too.
        if origin.ctx.channel == BASIC_CHANNEL:
            slot = self._default
        else:
            slot = self._slot_of(origin.ctx.applet)
        if slot is not None and self._busy_elsewhere(slot.applet, number):
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        self._channels[number] = self._new_channel(number, slot)
        return Response(bytes((number,))) if requested == 0 else Response()

    def _close_channel(self, number: int) -> Response:
        if self._options.logical_channels == 1:  # Java Card 3 RE spec 4.6.1 step 3
            raise CardStatus(SW.LOGICAL_CHANNEL_NOT_SUPPORTED)
        # ISO 7816-4:2020 5.4.2: the basic channel stays open; Java Card 3 RE spec 4.6.1
        # step 4 answers 6A81 to closing it.
        if number == BASIC_CHANNEL:
            raise CardStatus(SW.FUNCTION_NOT_SUPPORTED)
        channel = self._channels.get(number)
        if channel is None:
            # Java Card 3 Programming Notes, MANAGE CHANNEL CLOSE: a channel that is not open
            # gives a warning, not an error; 6200 is ISO 7816-4's warning "state unchanged".
            return _status(SW.WARNING_UNCHANGED)
        # Closing ends the channel's secure session and deselects its application.
        ctx = channel.ctx
        ctx.end_secure_session()
        if ctx.applet is not None:
            ctx.applet.deselect(ctx)
        del self._channels[number]
        return Response()

    def _new_channel(self, number: int, slot: AppletSlot | None) -> _Channel:
        ctx = ChannelContext(number, self._services)
        isd = self._services.card_locked_to()
        if slot is not None and (slot.aid in self._locked or isd not in (None, slot.aid)):
            slot = None  # GPC 5.3.1 a LOCKED application, 5.1.1.4 a CARD_LOCKED card
        if slot is not None:  # implicit selection: fresh per-channel state, no SELECT answer
            ctx.applet = slot.applet
            ctx.state = slot.applet.new_channel_state()
        return _Channel(ctx)

    # --- SELECT by AID ---------------------------------------------------------------------

    def _select_by_aid(self, channel: _Channel, command: Command) -> Response:
        ctx = channel.ctx
        # ISO 7816-4:2020 11.2.2 table 63: P2 b8-b5 are 0000 (b4-b3 the answer, b2-b1 occurrence).
        if command.p2 & 0xF0:
            raise CardStatus(SW.INCORRECT_P1_P2)
        aid = command.data
        # Full or right-truncated AID match (ISO 7816-4:2020 8.2.1.2, 11.2.2); an AID has
        # 5-16 bytes (ISO 7816-5), shorter data can only name a DF.
        candidates = [s for s in self._slots if 5 <= len(aid) <= 16 and s.aid.startswith(aid)]
        if candidates and all(s.aid in self._locked for s in candidates):
            # GP Card Spec v2.3 5.3.1 / 11.9.3: a LOCKED application is not selectable; the
            # selection fails as for an unknown application (6A82).
            raise CardStatus(SW.FILE_NOT_FOUND)
        candidates = [s for s in candidates if s.aid not in self._locked]
        isd = self._services.card_locked_to()
        if isd is not None and any(s.aid != isd for s in candidates):
            # GPC 5.1.1.4: a CARD_LOCKED card selects its Issuer Security Domain only
            candidates = [s for s in candidates if s.aid == isd]
            if not candidates:
                raise CardStatus(SW.FILE_NOT_FOUND)
        if not candidates:
            # Not an applet: the current applet may know it as a DF name.
            if ctx.applet is None:
                raise CardStatus(SW.FILE_NOT_FOUND)
            return ctx.applet.process(ctx, command)
        slot = pick_occurrence(candidates, self._slot_of(ctx.applet), command.p2 & 0x03)
        if self._busy_elsewhere(slot.applet, ctx.channel):
            # Not multiselectable and current on another channel: 6985.
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        # Which SELECT keeps which session: cardwire.sm.selection, docs/secure-messaging.md.
        keep = survives_select(ctx.secure_session, ctx.secured, slot.applet, ctx.applet)
        if ctx.applet is not None:
            ctx.applet.deselect(ctx)
        if not keep:
            ctx.end_secure_session()  # deselection ends the channel's secure session
            ctx.extras.clear()
        ctx.applet = slot.applet
        ctx.state = slot.applet.new_channel_state()
        try:
            return slot.applet.select(ctx, command)
        except CardStatus:
            ctx.applet = None
            ctx.state = None
            raise

    def _slot_of(self, applet: Applet | None) -> AppletSlot | None:
        return next((s for s in self._slots if s.applet is applet), None)

    def _busy_elsewhere(self, applet: Applet, channel_number: int) -> bool:
        if applet.multiselectable:
            return False
        return any(
            ch.ctx.applet is applet for n, ch in self._channels.items() if n != channel_number
        )

    # --- life cycle (ISO 7816-9) -----------------------------------------------------------

    def _terminate(self, command: Command) -> Response:
        # TERMINATE CARD USAGE, ISO 7816-9:2017 (INS FE, P1-P2 = 0000, no data field).
        if command.p1 or command.p2:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if command.data:
            raise CardStatus(SW.WRONG_LENGTH)
        self._services.terminate()
        return Response()

    @staticmethod
    def _terminated_answer(command: Command) -> Response:
        # In the terminated state SELECT answers 6285 "selected file in termination state"
        # (ISO 7816-4:2020 table 6; ETSI TS 102 221 lists it among its warnings). Every other
        # command answers 6A81 "function not supported": cardwire's choice, no public text of
        # ISO 7816-9 names the status word (docs/spec-notes.md).
        if command.ins == Ins.SELECT:
            return _status(SW.FILE_TERMINATED)
        return _status(SW.FUNCTION_NOT_SUPPORTED)
