"""SELECT, READ BINARY and UPDATE BINARY of an ICAO application's files (ePassport and eID):
the application DF handed to the one file-command engine (:mod:`cardwire.sim.file_commands`).

A channel's security status here is only whether the command came under secure messaging
(ICAO 9303-11 9.8; BSI TR-03110-3 F.6).
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from cardwire.apdu import Command, Response
from cardwire.sim.access import SecurityStatus
from cardwire.sim.applet import Applet, CardStatus, ChannelContext
from cardwire.sim.applets.epassport.config import LdsFiles
from cardwire.sim.applets.pace import PACE_CHAINED_STEPS, sm_gate
from cardwire.sim.file_commands import read_binary, select_answer, update_binary
from cardwire.sim.fs import DedicatedFile, ElementaryFile
from cardwire.sw import SW

INS_SELECT, INS_UPDATE_BINARY = 0xA4, 0xD6
INS_READ_BINARY = frozenset({0xB0, 0xB1})
_PLAIN_STATUS = SecurityStatus()
_SECURED_STATUS = SecurityStatus(secured=True)


class HasCurrentEf(Protocol):
    current_ef: ElementaryFile | None


class IcaoChannel(HasCurrentEf, Protocol):
    def __init__(self) -> None: ...


ChannelT = TypeVar("ChannelT", bound=IcaoChannel)


def status(ctx: ChannelContext) -> SecurityStatus:
    """Secured when the command arrived under this channel's session."""
    return _SECURED_STATUS if ctx.secured else _PLAIN_STATUS


def select_application(df: DedicatedFile, aid: bytes, channel: HasCurrentEf, p2: int) -> bytes:
    """Selected by AID: no current EF; P2 0C answers nothing, else the FCI/FCP."""
    channel.current_ef = None
    return select_answer(p2 & 0x0C, df, aid, fmd_allowed=False)


def file_command(
    df: DedicatedFile, ctx: ChannelContext, channel: HasCurrentEf, command: Command
) -> Response | None:
    """SELECT of an EF, READ BINARY or UPDATE BINARY; None for any other instruction."""
    if command.ins == INS_SELECT:
        return _select(df, channel, command)
    if command.ins in INS_READ_BINARY:
        answer, channel.current_ef = read_binary(df, channel.current_ef, command, status(ctx))
        return answer
    if command.ins == INS_UPDATE_BINARY:
        channel.current_ef = update_binary(df, channel.current_ef, command, status(ctx))
        ctx.card.commit()
        return Response()
    return None


def _select(df: DedicatedFile, channel: HasCurrentEf, command: Command) -> Response:
    # ICAO 9303-10: EFs are selected by FID (P1 00 or 02); P2 b4-b3 the answer, 0C none
    # (ISO/IEC 7816-4:2020 11.2.2).
    if command.p1 == 0x04:
        raise CardStatus(SW.FILE_NOT_FOUND)  # a DF name no applet has (the OS asked us)
    if command.p1 not in (0x00, 0x02) or command.p2 & 0xF3:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if len(command.data) != 2:
        raise CardStatus(SW.WRONG_LENGTH)
    found = df.child(int.from_bytes(command.data, "big"))
    if not isinstance(found, ElementaryFile):
        raise CardStatus(SW.FILE_NOT_FOUND)
    channel.current_ef = found
    return Response(select_answer(command.p2 & 0x0C, found, None, fmd_allowed=False))


class IcaoApplet(Applet, Generic[ChannelT]):
    """What the ePassport and eID applets share: SELECT by AID, the secure-messaging gate and the
    file commands on their application DF; ``application_command`` answers the rest."""

    chained_steps = PACE_CHAINED_STEPS
    takes_chip_session = True  # ICAO 9303-11 4.2: selected under the chip's PACE
    channel_type: type[ChannelT]

    def __init__(self, aid: bytes, multiselectable: bool, lds: LdsFiles) -> None:
        self.aid = aid
        self.multiselectable = multiselectable
        self.lds = lds  # the application DF and what its export needs
        self.files = lds.df

    def new_channel_state(self) -> ChannelT:
        return self.channel_type()

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        return Response(select_application(self.files, self.aid, self._state(ctx), command.p2))

    def deselect(self, ctx: ChannelContext) -> None:
        ctx.state = self.new_channel_state()

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        state = self._state(ctx)
        sm_gate(ctx, command)
        answer = file_command(self.files, ctx, state, command)
        if answer is not None:
            return answer
        return self.application_command(ctx, state, command)

    def application_command(
        self, ctx: ChannelContext, state: ChannelT, command: Command
    ) -> Response:
        """Any instruction other than the file commands (raise CardStatus to refuse it)."""
        raise CardStatus(SW.INS_NOT_SUPPORTED)

    def _state(self, ctx: ChannelContext) -> ChannelT:
        if not isinstance(ctx.state, self.channel_type):
            ctx.state = self.new_channel_state()
        return ctx.state


__all__ = ["IcaoApplet", "IcaoChannel", "file_command", "select_application", "status"]
