"""READ, UPDATE and ERASE BINARY in the file-system applet: the channel's current DF and EF and
security status handed to the one file-command engine (:mod:`cardwire.sim.file_commands`)."""

from __future__ import annotations

from collections.abc import Callable

from cardwire.apdu import Command, Response
from cardwire.sim import file_commands
from cardwire.sim.access import SecurityStatus
from cardwire.sim.applet import ChannelContext
from cardwire.sim.applets.filesystem.state import ChannelState, make_current, security_status
from cardwire.sim.fs import DedicatedFile, ElementaryFile

# UPDATE or ERASE BINARY in the engine: the DF, the current EF, the command, the security status.
_Write = Callable[[DedicatedFile, ElementaryFile | None, Command, SecurityStatus], ElementaryFile]


def read_binary(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    answer, ef = file_commands.read_binary(
        state.current_df, state.current_ef, command, security_status(ctx, state)
    )
    make_current(state, ef)
    return answer


def update_binary(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    return _write(file_commands.update_binary, ctx, state, command)


def erase_binary(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    return _write(file_commands.erase_binary, ctx, state, command)


def _write(
    engine: _Write,
    ctx: ChannelContext,
    state: ChannelState,
    command: Command,
) -> Response:
    # The engine returns the EF it wrote: it becomes current, and the card saves its state.
    ef = engine(state.current_df, state.current_ef, command, security_status(ctx, state))
    make_current(state, ef)
    ctx.card.commit()
    return Response()
