"""Small in-test cards, each implementing one ISO/IEC 7816-4 behaviour a layer must handle.

They work on Command/Response values (the Exchanger interface) and record what they received,
so the tests check both the assembled answer and the exact commands on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cardwire.apdu import Command, Response
from cardwire.cla import channel_of, parse_cla


@dataclass
class RecordingCard:
    """Base: keeps every command received."""

    received: list[Command] = field(default_factory=list)

    def exchange(self, command: Command) -> Response:
        self.received.append(command)
        return self.answer(command)

    def answer(self, command: Command) -> Response:
        return Response(b"", 0x9000)


@dataclass
class LongAnswerCard(RecordingCard):
    """Answers ``payload`` to any non-GET RESPONSE command, in pieces of at most ``piece``
    bytes, each followed by 61xx while more remains (ISO 7816-4 5.3.4, response chaining).
    GET RESPONSE on another channel than the pending answer's gets 6985."""

    payload: bytes = b""
    piece: int = 256
    final_sw: int = 0x9000
    first_serves: bool = False  # the first answer already carries data (else T=0 style 61xx)
    pending: bytes = b""
    pending_channel: int | None = None

    def _serve(self, ne: int) -> Response:
        take = min(ne, self.piece, len(self.pending))
        out, self.pending = self.pending[:take], self.pending[take:]
        if self.pending:
            return Response(out, 0x6100 | (min(len(self.pending), 256) & 0xFF))
        return Response(out, self.final_sw)

    def answer(self, command: Command) -> Response:
        if command.ins == 0xC0:
            if channel_of(command.cla) != self.pending_channel or not self.pending:
                return Response(b"", 0x6985)
            return self._serve(command.ne)
        self.pending = self.payload
        self.pending_channel = channel_of(command.cla)
        return self._serve(command.ne if self.first_serves else 0)


@dataclass
class ExactLeCard(RecordingCard):
    """Answers ``payload`` only when Ne equals its length; otherwise 6Cxx (ISO 7816-4 5.6)."""

    payload: bytes = b""

    def answer(self, command: Command) -> Response:
        if command.ne != len(self.payload):
            return Response(b"", 0x6C00 | (len(self.payload) & 0xFF))
        return Response(self.payload, 0x9000)


@dataclass
class ChainingCard(RecordingCard):
    """Collects chained commands (CLA b5, ISO 7816-4 5.3.3); answers the whole data echoed."""

    collected: bytearray = field(default_factory=bytearray)
    refuse_piece: int | None = None  # answer 6A80 to this (0-based) piece

    def answer(self, command: Command) -> Response:
        index = len(self.received) - 1
        if self.refuse_piece == index:
            return Response(b"", 0x6A80)
        self.collected += command.data
        if parse_cla(command.cla).chaining:
            return Response(b"", 0x9000)
        whole, self.collected = bytes(self.collected), bytearray()
        return Response(whole[: command.ne] if command.ne else b"", 0x9000)
