"""What every foreign-log reader shares: commands and responses paired in order, errors naming
the line (sans-IO)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cardwire.errors import DecodeError
from cardwire.hexutil import parse_hex
from cardwire.trace.model import MIN_RESPONSE, Event, Exchange, Header, Reset, Trace, TraceFormat


def hex_at(number: int, text: str) -> bytes:
    """``text`` as hex; a DecodeError naming trace line ``number`` otherwise."""
    try:
        return parse_hex(text)
    except DecodeError as exc:
        raise DecodeError(f"trace line {number}: {exc.problem}") from None


@dataclass
class Pairer:
    """Commands and responses in wire order; a command waits for its response."""

    source: TraceFormat
    events: list[Event] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    pending: tuple[int, bytes] | None = None
    atr: bytes = b""
    reader: str = ""

    def command(self, number: int, data: bytes) -> None:
        if not data:
            raise DecodeError(f"trace line {number}: a command needs at least one byte")
        if self.pending is not None:
            raise DecodeError(
                f"trace line {number}: a command follows the command of line {self.pending[0]} "
                "without a response between them"
            )
        self.pending = (number, data)

    def response(self, number: int, data: bytes) -> None:
        if self.pending is None:
            raise DecodeError(f"trace line {number}: a response without a command before it")
        if len(data) < MIN_RESPONSE:  # ISO/IEC 7816-4 5.1: the trailer SW1 SW2 is mandatory
            raise DecodeError(f"trace line {number}: a response needs SW1 SW2")
        line, command = self.pending
        self.pending = None
        self.events.append(Exchange(command, data, line))

    def no_response(self, number: int, why: str) -> None:
        """The tool logged a failed transmit instead of a response."""
        if self.pending is not None:
            self.comments.append(f"line {self.pending[0]}: no response ({why})")
            self.pending = None

    def reset(self, number: int, atr: bytes = b"") -> None:
        self.no_response(number, "reset")
        self.events.append(Reset(atr, number))

    def trace(self) -> Trace:
        if not self.events and self.pending is None:
            # Forced onto a file of another format (or an empty log): say so, naming line 1.
            raise DecodeError(f"trace line 1: no {self.source} APDU line in this file")
        if self.pending is not None:
            self.comments.append(f"line {self.pending[0]}: the log ends before the response")
        header = Header(atr=self.atr, reader=self.reader.strip())
        return Trace(tuple(self.events), header, tuple(self.comments), self.source)
