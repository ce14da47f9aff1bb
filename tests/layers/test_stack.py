"""The layers stacked in order (chaining -> SM slot -> GET RESPONSE -> 6Cxx -> wire)."""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.layers.base import WireExchanger
from cardwire.layers.chaining import LengthLimits
from cardwire.layers.stack import LayerStack

from .iso_cards import LongAnswerCard


@dataclass
class ChainedLongAnswerCard(LongAnswerCard):
    """Collects a chain (ISO 7816-4 5.3.3), then answers the data three times over through
    61xx pieces; a GET RESPONSE whose Le is not what 61xx announced gets 6Cxx."""

    collected: bytes = b""

    def answer(self, command: Command) -> Response:
        if command.ins == 0xC0:
            announced = min(len(self.pending), 256)
            if command.ne != announced:
                return Response(b"", 0x6C00 | (announced & 0xFF))
            return super().answer(command)
        self.collected += command.data
        if parse_cla(command.cla).chaining:
            return Response(b"", 0x9000)
        self.payload, self.collected = self.collected * 3, b""
        return super().answer(command)


def test_chain_then_get_response() -> None:
    card = ChainedLongAnswerCard(piece=100)
    stack = LayerStack(card, LengthLimits(extended=False))
    data = bytes(range(256)) + bytes(44)
    response = stack.exchange(Command(0x00, 0xDA, 0, 0, data, ne=256))
    assert response == Response(data * 3, 0x9000)
    kinds = ["chain" if parse_cla(c.cla).chaining else f"{c.ins:02X}" for c in card.received]
    assert kinds == ["chain", "DA"] + ["C0"] * 9


class BytesCard:
    """A bytes-level transport stand-in answering READ BINARY with 6Cxx, then the data."""

    atr = b""
    name = "bytes card"

    def __init__(self) -> None:
        self.wire: list[bytes] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.wire.append(apdu)
        return b"\x6c\x03" if apdu[-1] != 3 else b"abc\x90\x00"

    def reset(self, cold: bool = False) -> bytes:
        return b""

    def close(self) -> None:
        pass


def test_stack_over_a_transport() -> None:
    card = BytesCard()
    stack = LayerStack(WireExchanger(card), LengthLimits())
    assert stack.exchange(Command(0x00, 0xB0, 0, 0, ne=256)) == Response(b"abc", 0x9000)
    assert card.wire == [bytes.fromhex("00B0000000"), bytes.fromhex("00B0000003")]
