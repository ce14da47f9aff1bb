"""Re-send on 6Cxx: the card says "wrong Le field, SW2 bytes are available".

ISO/IEC 7816-4 5.6 (table 6, and 5.3.4): SW1 = 6C means the Le field was wrong and SW2 gives the
exact number of available bytes (00 means 256); the interface device re-issues the same command
with Le = SW2. This is done once: a second 6Cxx is returned to the caller as it is.

Not under secure messaging: there Ne travels inside the MAC (DO97), so changing the outer Le
would send a different, unauthenticated command, and re-sending would replay the counter. The
secure-messaging layer keeps this layer out with :meth:`WrongLengthLayer.stay_out`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cardwire.apdu import Command, Response
from cardwire.layers.base import Exchanger, drive
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
    """Runs a :class:`WrongLengthPlan` for every command, unless told to stay out."""

    def __init__(self, lower: Exchanger) -> None:
        self.lower = lower
        self._out = threading.local()

    @property
    def staying_out(self) -> bool:
        return bool(getattr(self._out, "depth", 0))

    @contextmanager
    def stay_out(self) -> Iterator[None]:
        """Pass commands through unchanged inside this block (used by secure messaging)."""
        self._out.depth = getattr(self._out, "depth", 0) + 1
        try:
            yield
        finally:
            self._out.depth -= 1

    def exchange(self, command: Command) -> Response:
        if self.staying_out:
            return self.lower.exchange(command)
        return drive(WrongLengthPlan(command), self.lower)
