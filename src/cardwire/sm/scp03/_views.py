"""The views of an open GP secure channel (SCP02, SCP03, SCP11): host session, card session
and passive trace observer, generic over the protocol's codec, so that every protocol gets the
same fail-closed rules (GP Card Spec 10.2.3: a failed check ends the session)."""

from __future__ import annotations

from enum import IntFlag
from typing import Generic, Protocol, TypeVar

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.sm.scp03._params import (
    PLAIN_ISO_INS,
    SecurityLevel,
    carries_gp_sm,
    starts_session,
)
from cardwire.sm.selection import SessionScope


class GpCodec(Protocol):
    """What a view needs of the protocol's codec."""

    @property
    def active(self) -> bool: ...

    @property
    def level(self) -> IntFlag: ...

    def close(self) -> None: ...

    def max_payload(self) -> int: ...

    def protect(self, command: Command) -> Command: ...

    def unprotect(self, response: Response) -> Response: ...

    def unwrap(self, command: Command) -> Command: ...

    def wrap(self, response: Response) -> Response: ...


CodecT = TypeVar("CodecT", bound=GpCodec)


class GpChannelView(Generic[CodecT]):
    """What every view shows: whether the session is open, and its level."""

    __slots__ = ("_channel",)

    def __init__(self, channel: CodecT) -> None:
        self._channel = channel

    @property
    def active(self) -> bool:
        return self._channel.active

    @property
    def level(self) -> IntFlag:
        return self._channel.level

    def close(self) -> None:
        self._channel.close()

    def _describe(self) -> str:
        return f"level={self.level:02X}"

    def __repr__(self) -> str:
        state = "active" if self.active else "closed"
        return f"{type(self).__name__}({self._describe()}, {state})"


class GpHostSession(GpChannelView[CodecT]):
    """Host side (implements ``cardwire.sm.base.HostSecureSession``). ``channel`` is the logical
    channel the session runs on: its number is in every CLA (GP Card Spec v2.3 11.1.4), so the
    session is refused on any other channel (``Card.secure``)."""

    __slots__ = ("channel",)
    #: GP Card Spec v2.3 10.2.3: SELECT goes plain and a SELECT by AID ends the session.
    scope = SessionScope.SELECTION

    def __init__(self, channel: CodecT, number: int | None = None) -> None:
        super().__init__(channel)
        self.channel = number

    @property
    def max_payload(self) -> int:
        return self._channel.max_payload()

    def protect(self, command: Command) -> Command:
        return self._channel.protect(command)

    def unprotect(self, response: Response) -> Response:
        return self._channel.unprotect(response)


class GpCardSession(GpChannelView[CodecT]):
    """Card side (the ``CardSession`` of ``cardwire.sim.applet``)."""

    __slots__ = ()
    #: GP Card Spec v2.3 10.2.3: SELECT goes plain and a SELECT by AID ends the session.
    scope = SessionScope.SELECTION

    def handles(self, command: Command) -> bool:
        """Whether the OS must pass ``command`` through :meth:`unwrap`: every command that
        carries GP secure messaging, and, at a level with C-MAC, every other command except
        the ones the OS serves itself (SELECT, MANAGE CHANNEL, GET RESPONSE, INITIALIZE UPDATE)
        so that a command below the level is refused (GP Card Spec v2.3 10.2.3)."""
        if not self._channel.active:
            return False
        if carries_gp_sm(command.cla):
            return True
        if not self._channel.level & SecurityLevel.C_MAC:  # b1 in SCP02 and SCP03 alike
            return False
        info = parse_cla(command.cla)
        if info.interindustry and command.ins in PLAIN_ISO_INS:
            return False
        return not starts_session(command)

    def admits_plain(self, command: Command) -> bool:
        """Every command :meth:`handles` leaves alone: below C-MAC the level itself admits plain
        commands, and at C-MAC the OS commands and INITIALIZE UPDATE run plain (GP Card Spec
        v2.3 Amendment D 6.2.4, 7.1.2) - but never as a chain piece: at C-MAC each piece of a
        chain is protected on its own (ISO/IEC 7816-4:2020 5.3.3 with clause 10), and none of
        those commands is ever chained."""
        # b1 = C-MAC in SCP02 and SCP03 alike
        chained = parse_cla(command.cla).chaining and not starts_session(command)
        return not (self._channel.level & SecurityLevel.C_MAC and chained)

    def unwrap(self, command: Command) -> Command:
        return self._channel.unwrap(command)

    def wrap(self, response: Response) -> Response:
        return self._channel.wrap(response)


class GpObserver(GpChannelView[CodecT]):
    """A passive view of a recorded session (trace decoding): unwraps each protected command as
    the card would and checks each response as the host would, on one shared state."""

    __slots__ = ()

    def command(self, command: Command) -> Command:
        """The plain command of a protected one (raises if its C-MAC does not verify)."""
        return self._channel.unwrap(command)

    def response(self, response: Response) -> Response:
        """The plain response (raises if its MAC does not verify)."""
        return self._channel.unprotect(response)


__all__ = [
    "GpCardSession",
    "GpChannelView",
    "GpCodec",
    "GpHostSession",
    "GpObserver",
]
