"""Re-send on 6Cxx: the card says "wrong Le field, SW2 bytes are available".

ISO/IEC 7816-4 5.6 (table 6, and 5.3.4): SW1 = 6C means the Le field was wrong and SW2 gives the
exact number of available bytes (00 means 256); the interface device re-issues the same command
with Le = SW2. This is done once: a second 6Cxx is returned to the caller as it is.

Not under secure messaging: there Ne travels inside the MAC (DO97), so changing the outer Le
would send a different, unauthenticated command, and re-sending would replay the counter. The
layer stack sends protected commands down a path without this layer (cardwire.layers.stack).
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.layers.base import Exchanger, finish
from cardwire.sw import correct_le


class WrongLengthPlan:
    """Sans-IO: send ``command``; on the first 6Cxx send it again with Le = xx."""

    def __init__(self, command: Command) -> None:
        self.command = command
        self.resent = False

    def first(self) -> Command:
        return self.command

    def feed(self, response: Response) -> Command | Response:
        exact = correct_le(response.sw)
        if exact is None or self.resent:
            return response
        self.resent = True
        return self.command.replace(ne=exact, extended=None)


class WrongLengthLayer:
    """Runs a :class:`WrongLengthPlan` for every command that is answered 6Cxx."""

    def __init__(self, lower: Exchanger) -> None:
        self.lower = lower

    def exchange(self, command: Command) -> Response:
        answer = self.lower.exchange(command)
        if correct_le(answer.sw) is None:
            return answer  # no 6Cxx, the usual case: no plan needed
        return finish(WrongLengthPlan(command), answer, self.lower)
