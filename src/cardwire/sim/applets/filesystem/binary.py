"""READ, UPDATE and ERASE BINARY in the file-system applet: the channel's current DF and EF and
security status handed to the one file-command engine (:mod:`cardwire.sim.file_commands`)."""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.sim import file_commands
from cardwire.sim.applet import ChannelContext
from cardwire.sim.applets.filesystem.state import ChannelState, make_current, security_status


def read_binary(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    answer, ef = file_commands.read_binary(
        state.current_df, state.current_ef, command, security_status(ctx, state)
    )
    make_current(state, ef)
    return answer


def update_binary(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    ef = file_commands.update_binary(
        state.current_df, state.current_ef, command, security_status(ctx, state)
    )
    make_current(state, ef)
    ctx.card.commit()
    return Response()


def erase_binary(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    ef = file_commands.erase_binary(
        state.current_df, state.current_ef, command, security_status(ctx, state)
    )
    make_current(state, ef)
    ctx.card.commit()
    return Response()
