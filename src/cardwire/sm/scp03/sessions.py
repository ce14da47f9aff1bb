"""The views of an open SCP03 channel: host session, card session and the passive trace observer.

All three share one :class:`~cardwire.sm.scp03.channel.Scp03Channel`, so host and card cannot
drift apart.
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.sm.scp03.channel import Scp03Channel
from cardwire.sm.scp03.class_byte import carries_gp_sm
from cardwire.sm.scp03.constants import PLAIN_ISO_INS
from cardwire.sm.scp03_levels import INS_INITIALIZE_UPDATE, Mode, SecurityLevel
from cardwire.sm.selection import SessionScope


class _ChannelView:
    """What every view of the channel shows: whether it is open, its level and mode."""

    __slots__ = ("_channel",)

    def __init__(self, channel: Scp03Channel) -> None:
        self._channel = channel

    @property
    def active(self) -> bool:
        return self._channel.active

    @property
    def level(self) -> SecurityLevel:
        return self._channel.level

    @property
    def mode(self) -> Mode:
        return self._channel.mode

    def close(self) -> None:
        self._channel.close()

    def __repr__(self) -> str:
        state = "active" if self.active else "closed"
        return f"{type(self).__name__}(level={self.level:02X}, {self.mode.name}, {state})"


class Scp03HostSession(_ChannelView):
    """Host side of an open SCP03 channel (implements ``cardwire.sm.base.HostSecureSession``).

    ``channel`` is the logical channel the handshake ran on: its number is in every CLA (GPC
    v2.3 11.1.4), so the session is refused on any other channel (``Card.secure``)."""

    __slots__ = ("channel",)
    #: GP Card Spec v2.3 10.2.3: SELECT goes plain and a SELECT by AID ends the session.
    scope = SessionScope.SELECTION

    def __init__(self, channel: Scp03Channel, number: int | None = None) -> None:
        super().__init__(channel)
        self.channel = number

    @property
    def max_payload(self) -> int:
        return self._channel.max_payload()

    def protect(self, command: Command) -> Command:
        return self._channel.protect(command)

    def unprotect(self, response: Response) -> Response:
        return self._channel.unprotect(response)


class Scp03CardSession(_ChannelView):
    """Card side of an open SCP03 channel (the ``CardSession`` of ``cardwire.sim.applet``)."""

    __slots__ = ()
    #: GP Card Spec v2.3 10.2.3: SELECT goes plain and a SELECT by AID ends the session.
    scope = SessionScope.SELECTION

    def handles(self, command: Command) -> bool:
        """Whether the OS must pass ``command`` through :meth:`unwrap`: every command that
        carries GP secure messaging, and, at a level with C-MAC, every other command except
        the ones the OS serves itself (SELECT, MANAGE CHANNEL, GET RESPONSE, INITIALIZE UPDATE)
        so that a command below the level is refused."""
        if not self._channel.active:
            return False
        if carries_gp_sm(command.cla):
            return True
        if not self._channel.level & SecurityLevel.C_MAC:
            return False
        info = parse_cla(command.cla)
        if info.interindustry and command.ins in PLAIN_ISO_INS:
            return False
        return not (info.gp and command.ins == INS_INITIALIZE_UPDATE)

    def admits_plain(self, command: Command) -> bool:
        """Every command :meth:`handles` leaves alone: below C-MAC the level itself admits plain
        commands, and at C-MAC the OS commands (SELECT, MANAGE CHANNEL, GET RESPONSE) and
        INITIALIZE UPDATE run plain (GP Card Spec v2.3 Amendment D 6.2.4, 7.1.2) - but never as
        a chain piece: at C-MAC each piece of a chain is protected on its own (ISO/IEC 7816-4:2020
        5.3.3 with clause 10), and none of those commands is ever chained."""
        return not (self._channel.level & SecurityLevel.C_MAC and parse_cla(command.cla).chaining)

    def unwrap(self, command: Command) -> Command:
        return self._channel.unwrap(command)

    def wrap(self, response: Response) -> Response:
        return self._channel.wrap(response)


class Scp03Observer(_ChannelView):
    """A passive view of a recorded session (trace decoding): unwraps each protected command as
    the card would and checks each response as the host would, on one shared state. Built by
    ``cardwire.sm.scp03.observe``; with ``keep_going=True`` there a MAC failure raises for its
    exchange only and the observer stays active."""

    __slots__ = ()

    def command(self, command: Command) -> Command:
        """The plain command of a protected one (raises if its C-MAC does not verify)."""
        return self._channel.unwrap(command)

    def response(self, response: Response) -> Response:
        """The plain response (raises if its R-MAC does not verify)."""
        return self._channel.unprotect(response)
