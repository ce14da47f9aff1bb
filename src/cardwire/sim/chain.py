"""Command chains the card OS collects on a channel (ISO/IEC 7816-4:2020 5.3.3): the pieces of
a chain, and a chain protected whole under SCP03/SCP11 (yubikit's, see
``cardwire.sm.scp03._whole_chain``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from cardwire.apdu import MAX_EXTENDED_NC, Command, Response
from cardwire.cla import with_chaining
from cardwire.errors import SecureChannelError
from cardwire.sim.applet import CardSession
from cardwire.sm.scp03 import carries_gp_sm, protected_whole
from cardwire.sw import SW


@dataclass(eq=False)
class Chain:
    """A command chain being collected on a channel (ISO 7816-4:2020 5.3.3)."""

    cla: int  # the class byte without the chaining bit
    ins: int
    p1: int
    p2: int
    secured: bool  # whether the pieces arrived protected: every piece alike, or none
    data: bytearray = field(default_factory=bytearray)
    session: object | None = None  # a chain protected whole: the session it belongs to

    def continues_with(self, command: Command, secured: bool) -> bool:
        # A chain mixing protected and plain pieces is never secured: it is aborted.
        header = (with_chaining(command.cla, False), command.ins, command.p1, command.p2)
        return header == (self.cla, self.ins, self.p1, self.p2) and secured == self.secured


class ChannelChains(Protocol):
    """What the OS keeps for a channel: ``whole`` is a chain protected whole being collected."""

    whole: Chain | None


def protected_whole_chain(
    channel: ChannelChains, session: CardSession, wire: Command, chaining: bool
) -> Command | Response | None:
    """yubikit protects a long command under SCP03/SCP11 whole, then chains it (YubiKeys take
    it): the pieces are kept as they came (9000 to each) and the last one gives the whole
    protected command to unwrap. None: no such chain (the OS goes on as usual).
    SecureChannelError (the OS ends the session) for a plain piece in such a chain."""
    whole = channel.whole
    if whole is not None and whole.session is not session:
        # GP Card Spec 10.2.3: the session it was protected under has ended (an SM error, a
        # malformed APDU, a new handshake); its pieces can never verify: forgotten.
        whole = channel.whole = None
    if whole is None and not (chaining and protected_whole(session, wire)):
        return None
    if whole is None:
        plain_cla = with_chaining(wire.cla, False)
        whole = Chain(plain_cla, wire.ins, wire.p1, wire.p2, True, session=session)
        channel.whole = whole
    elif not whole.continues_with(wire, True):
        channel.whole = None
        if not carries_gp_sm(wire.cla):
            # A plain piece under the session: refused and the session ends (the OS), as in
            # every chain (ISO 7816-4:2020 5.3.3 with clause 10; table 6: 6987).
            raise SecureChannelError(
                "a plain piece in a chain protected whole", card_sw=SW.SM_DATA_OBJECTS_MISSING
            )
        return Response(b"", SW.LAST_COMMAND_OF_CHAIN_EXPECTED)  # ISO 7816-4:2020 5.3.3
    whole.data += wire.data
    if len(whole.data) > MAX_EXTENDED_NC:
        channel.whole = None
        return Response(b"", SW.WRONG_LENGTH)
    if chaining:
        return Response()
    channel.whole = None
    return Command(whole.cla, whole.ins, whole.p1, whole.p2, bytes(whole.data), wire.ne)
