"""What the file-system applet remembers for one logical channel, and the rules that move it.

ISO/IEC 7816-4:2020 5.4.2: each logical channel has its own current files and security status.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cardwire.sim.access import Operation, SecurityStatus
from cardwire.sim.applet import ChannelContext
from cardwire.sim.file_commands import check_access
from cardwire.sim.fs import DedicatedFile, ElementaryFile, File


@dataclass(eq=False)
class ChannelState:
    """What the file-system applet remembers for one logical channel."""

    current_df: DedicatedFile
    current_ef: ElementaryFile | None = None
    record_pointers: dict[int, int] = field(default_factory=dict)  # id(EF) -> record number
    verified: set[int] = field(default_factory=set)
    authenticated: set[int] = field(default_factory=set)
    challenge: bytes | None = None

    def clear_security(self) -> None:
        self.verified.clear()
        self.authenticated.clear()
        self.challenge = None


def make_current(state: ChannelState, file: File) -> None:
    """A DF becomes the current DF with no current EF; an EF becomes the current EF and its
    parent the current DF (ISO/IEC 7816-4:2020 7.3: current structures)."""
    if isinstance(file, DedicatedFile):
        state.current_df, state.current_ef = file, None
        return
    assert file.parent is not None
    state.current_df, state.current_ef = file.parent, file


def security_status(ctx: ChannelContext, state: ChannelState) -> SecurityStatus:
    """This channel's verified PINs, authenticated keys and whether the command came under SM."""
    return SecurityStatus(frozenset(state.verified), frozenset(state.authenticated), ctx.secured)


def check_file_access(
    ctx: ChannelContext, state: ChannelState, ef: ElementaryFile, op: Operation
) -> None:
    """Refuse ``op`` unless this channel's PINs, keys and secure messaging satisfy the rule."""
    check_access(ef, op, security_status(ctx, state))
