"""What every layer is: something that exchanges a ``Command`` for a ``Response``.

The protocol logic of a layer is a sans-IO *exchange plan*: it is asked for the first command
to send, then fed each response and answers either the next command to send or the final
response. The layer object that drives a plan over the layer below is a few lines
(:func:`drive`). Plans never touch a transport, a lock or a clock, so they are tested alone
with plain values.
"""

from __future__ import annotations

from typing import Protocol

from cardwire.apdu import Command, Response
from cardwire.errors import TransportError
from cardwire.transport.base import Transport


class Exchanger(Protocol):
    """One command in, its (possibly assembled) response out."""

    def exchange(self, command: Command) -> Response:
        """Send ``command`` (and whatever follow-up the layer needs) and return the answer."""
        ...


class ExchangePlan(Protocol):
    """A sans-IO command-response sequence: ``first()``, then ``feed()`` until a Response."""

    def first(self) -> Command:
        """The first command to send."""
        ...

    def feed(self, response: Response) -> Command | Response:
        """Take the answer to the last command; give the next command or the final answer."""
        ...


def drive(plan: ExchangePlan, lower: Exchanger) -> Response:
    """Run ``plan`` to completion over ``lower``."""
    return finish(plan, lower.exchange(plan.first()), lower)


def finish(plan: ExchangePlan, answer: Response, lower: Exchanger) -> Response:
    """Run ``plan`` to completion over ``lower`` once ``answer`` to its first command is known.

    A layer whose plan has nothing to do for most answers sends the command itself, looks at the
    answer, and builds the plan only when it is needed.
    """
    step = plan.feed(answer)
    while isinstance(step, Command):
        step = plan.feed(lower.exchange(step))
    return step


class WireExchanger:
    """The bottom of every stack: encodes the command, transmits it, decodes the response."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def exchange(self, command: Command) -> Response:
        raw = self.transport.transmit(command.encode())
        if len(raw) < 2:  # ISO/IEC 7816-4 5.1: SW1 SW2 end every response APDU
            # Nothing or one byte came back: the card stopped answering mid-exchange. That is a
            # transport failure (exit class 3), not malformed input (issue 15).
            raise TransportError(
                f"{self.transport.name}: the card answered {len(raw)} bytes, no status word "
                "(it stopped answering); reconnect and start again"
            )
        return Response.decode(raw)
