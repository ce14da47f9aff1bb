"""Command chaining, or extended length, when the data exceed what one APDU to the card takes.

ISO/IEC 7816-4 5.3.3 (command chaining): a command whose data field is too long is sent as a
chain of commands; every command but the last has the chaining bit (CLA b5) set, the card
answers 9000 to each intermediate one, and only the last carries Le. A card that announces
extended Lc/Le in its ATR (ISO 7816-4, historical bytes, card capabilities: third software
function table) takes up to 65535 bytes in one extended APDU instead, so no chain is needed.

Under secure messaging the *plain* data are split to the session's ``max_payload`` and each
piece is protected by the layer below, because the chaining bit is part of the authenticated
header.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.apdu import (
    MAX_EXTENDED_NC,
    MAX_EXTENDED_NE,
    MAX_SHORT_NC,
    MAX_SHORT_NE,
    Command,
    Response,
)
from cardwire.cla import parse_cla, with_chaining
from cardwire.errors import UsageError
from cardwire.layers.base import Exchanger, drive
from cardwire.layers.secure_messaging import SecureMessagingLayer


@dataclass(frozen=True, slots=True)
class LengthLimits:
    """What one command APDU to this card may carry (from the ATR's card capabilities)."""

    extended: bool = False

    @property
    def max_nc(self) -> int:
        return MAX_EXTENDED_NC if self.extended else MAX_SHORT_NC

    @property
    def max_ne(self) -> int:
        return MAX_EXTENDED_NE if self.extended else MAX_SHORT_NE


def fit_ne(command: Command, limits: LengthLimits) -> Command:
    """Cap Ne to what the card takes; the rest of a longer answer comes through 61xx."""
    if command.ne > limits.max_ne:
        return command.replace(ne=limits.max_ne, extended=None)
    return command


def split_command(command: Command, max_nc: int) -> list[Command]:
    """The chain of commands carrying ``command``'s data in pieces of at most ``max_nc`` bytes.

    Every piece but the last has the chaining bit set and no Le (ISO 7816-4 5.3.3).
    """
    if max_nc < 1:
        raise UsageError(f"cannot chain with pieces of {max_nc} bytes")
    if command.nc <= max_nc:
        return [command]
    data = command.data
    starts = range(0, len(data), max_nc)
    last = starts[-1]
    chained_cla = with_chaining(command.cla, True)
    pieces = [
        Command(chained_cla, command.ins, command.p1, command.p2, data[start : start + max_nc])
        for start in starts
        if start != last
    ]
    pieces.append(command.replace(data=data[last:], extended=None))
    return pieces


class ChainingPlan:
    """Sans-IO: send the pieces in order; stop early when the card refuses a piece."""

    def __init__(self, pieces: list[Command]) -> None:
        if not pieces:
            raise UsageError("a command chain needs at least one command")
        self.pieces = pieces
        self.sent = 0

    def first(self) -> Command:
        self.sent = 1
        return self.pieces[0]

    def feed(self, response: Response) -> Command | Response:
        # ISO 7816-4 5.3.3: the card answers 9000 to every intermediate command of a chain;
        # anything else ends the chain and is the answer.
        if self.sent == len(self.pieces) or response.sw != 0x9000:
            return response
        self.sent += 1
        return self.pieces[self.sent - 1]


class ChainingLayer:
    """Fits every command to the card: extended length if supported, else a chain."""

    def __init__(
        self,
        lower: Exchanger,
        limits: LengthLimits,
        secure: SecureMessagingLayer | None = None,
    ) -> None:
        self.lower = lower
        self.limits = limits
        self.secure = secure

    def max_nc(self) -> int:
        """The largest plain data field one APDU of this stack carries right now."""
        payload = None if self.secure is None else self.secure.max_payload
        return self.limits.max_nc if payload is None else min(payload, self.limits.max_nc)

    def exchange(self, command: Command) -> Response:
        command = fit_ne(command, self.limits)
        if not command.data or parse_cla(command.cla).chaining:
            return self.lower.exchange(command)  # nothing to split, or chained by the caller
        pieces = split_command(command, self.max_nc())
        if len(pieces) == 1:
            return self.lower.exchange(pieces[0])
        return drive(ChainingPlan(pieces), self.lower)
