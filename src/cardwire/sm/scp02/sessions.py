"""The views of an open SCP02 channel: host session, card session and trace observer, all on
one :class:`~cardwire.sm.scp02.channel.Scp02Channel` so host and card cannot drift apart."""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.sm.scp02.channel import Scp02Channel
from cardwire.sm.scp02.constants import Option, SecurityLevel
from cardwire.sm.scp03 import INS_INITIALIZE_UPDATE, PLAIN_ISO_INS, carries_gp_sm
from cardwire.sm.selection import SessionScope


class _ChannelView:
    __slots__ = ("_channel",)

    def __init__(self, channel: Scp02Channel) -> None:
        self._channel = channel

    @property
    def active(self) -> bool:
        return self._channel.active

    @property
    def level(self) -> SecurityLevel:
        return self._channel.level

    @property
    def option(self) -> Option:
        return self._channel.option

    def close(self) -> None:
        self._channel.close()

    def __repr__(self) -> str:
        state = "active" if self.active else "closed"
        return f"{type(self).__name__}(i={self.option:02X}, level={self.level:02X}, {state})"


class Scp02HostSession(_ChannelView):
    """Host side of an open SCP02 channel (``cardwire.sm.base.HostSecureSession``).

    ``channel`` is the logical channel it runs on, set when first installed (``Card.secure``):
    the channel number is in every CLA, so the session is refused on any other channel."""

    __slots__ = ("channel",)
    #: GP Card Spec v2.3 10.2.3: SELECT goes plain and a SELECT by AID ends the session.
    scope = SessionScope.SELECTION

    def __init__(self, channel: Scp02Channel) -> None:
        super().__init__(channel)
        self.channel: int | None = None

    @property
    def max_payload(self) -> int:
        return self._channel.max_payload()

    def protect(self, command: Command) -> Command:
        return self._channel.protect(command)

    def unprotect(self, response: Response) -> Response:
        return self._channel.unprotect(response)


class Scp02CardSession(_ChannelView):
    """Card side of an open SCP02 channel (the ``CardSession`` of ``cardwire.sim.applet``),
    with the same fail-closed rules as the SCP03 card session (docs/simulator.md)."""

    __slots__ = ()
    #: GP Card Spec v2.3 10.2.3: a SELECT by AID ends the session (docs/secure-messaging.md).
    scope = SessionScope.SELECTION

    def handles(self, command: Command) -> bool:
        """Every command with GP secure messaging, and at C-MAC every other command but the
        ones the OS serves itself (SELECT, MANAGE CHANNEL, GET RESPONSE) and INITIALIZE UPDATE,
        so that a command below the level is refused (GP Card Spec 10.2.3)."""
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
        """Every command :meth:`handles` leaves alone runs plain."""
        return True

    def unwrap(self, command: Command) -> Command:
        return self._channel.unwrap(command)

    def wrap(self, response: Response) -> Response:
        return self._channel.wrap(response)


class Scp02Observer(_ChannelView):
    """A passive view of a recorded session (trace decoding): unwraps each protected command
    as the card would; responses carry no R-MAC under i = 15 / 55."""

    __slots__ = ()

    def command(self, command: Command) -> Command:
        return self._channel.unwrap(command)

    def response(self, response: Response) -> Response:
        return self._channel.unprotect(response)
