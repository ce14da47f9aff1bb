"""The secure-messaging slot, alone and stacked: protect each piece, unwrap the whole answer
once, GET RESPONSE unprotected, no 6Cxx re-send (ISO/IEC 7816-4 section 10; ICAO 9303-11 9.8)."""

from __future__ import annotations

import pytest

from cardwire.apdu import Command, Response
from cardwire.cla import SmIndication, parse_cla
from cardwire.errors import CardRemovedError, MacError, SessionClosedError, TransportError
from cardwire.layers.chaining import LengthLimits
from cardwire.layers.secure_messaging import SecureMessagingLayer
from cardwire.layers.stack import LayerStack

from .fake_session import MarkingSession
from .iso_cards import ExactLeCard, LongAnswerCard, RecordingCard

READ = Command(0x00, 0xB0, 0, 0, ne=256)


class ProtectedEcho(RecordingCard):
    """Answers every command with ``R`` + its data (a 'protected' answer for MarkingSession)."""

    def answer(self, command: Command) -> Response:
        return Response(b"R" + command.data, 0x9000)


def test_empty_slot_passes_through() -> None:
    card = ProtectedEcho()
    layer = SecureMessagingLayer(card)
    assert layer.exchange(READ) == Response(b"R", 0x9000)
    assert card.received == [READ]
    assert layer.max_payload is None


def test_session_protects_and_unprotects() -> None:
    card = ProtectedEcho()
    layer = SecureMessagingLayer(card)
    session = MarkingSession()
    layer.install(session)
    response = layer.exchange(Command(0x00, 0x20, 0x00, 0x01, b"1234"))
    assert session.protected == [Command(0x00, 0x20, 0x00, 0x01, b"1234")]
    wire = card.received[0]
    assert parse_cla(wire.cla).sm is SmIndication.HEADER_AUTHENTICATED
    assert response == Response(b"P\x001234", 0x9000)


def test_install_and_end_close_sessions() -> None:
    layer = SecureMessagingLayer(ProtectedEcho())
    first, second = MarkingSession(), MarkingSession()
    layer.install(first)
    layer.install(second)
    assert not first.active and second.active
    layer.end()
    assert not second.active and layer.session is None


def test_ended_session_refuses_to_send() -> None:
    card = RecordingCard()  # answers 9000 without the R marker: a "MAC failure"
    layer = SecureMessagingLayer(card)
    layer.install(MarkingSession())
    with pytest.raises(MacError):
        layer.exchange(READ)
    with pytest.raises(SessionClosedError):
        layer.exchange(READ)
    assert len(card.received) == 1


class FailingWire(RecordingCard):
    """Raises ``error`` for every command after recording it (the card may have run it)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def answer(self, command: Command) -> Response:
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        TransportError("reader gone"),
        CardRemovedError("card removed"),
        RuntimeError("bug below"),
        KeyboardInterrupt(),
    ],
)
def test_failure_after_protect_ends_the_session(error: BaseException) -> None:
    card = FailingWire(error)
    layer = SecureMessagingLayer(card)
    session = MarkingSession()
    layer.install(session)
    with pytest.raises(type(error)) as raised:
        layer.exchange(READ)
    assert raised.value is error  # re-raised unchanged
    assert len(session.protected) == 1 and not session.unprotected
    assert not session.active  # closed ...
    assert layer.session is None  # ... and the slot emptied
    assert layer.max_payload is None


def test_failure_after_protect_in_a_stack_empties_the_channel_slot() -> None:
    stack = LayerStack(FailingWire(TransportError("timeout")), LengthLimits())
    session = MarkingSession()
    stack.secure(session)
    with pytest.raises(TransportError):
        stack.exchange(READ)
    assert stack.session is None and not session.active


def test_failure_after_protect_leaves_a_newer_session_alone() -> None:
    """If the slot was refilled meanwhile (another session installed during the exchange),
    only the session that protected the command ends."""
    first, second = MarkingSession(), MarkingSession()

    class SwapThenFail(RecordingCard):
        def answer(self, command: Command) -> Response:
            layer.install(second, close_previous=False)
            raise TransportError("lost")

    layer = SecureMessagingLayer(SwapThenFail())
    layer.install(first)
    with pytest.raises(TransportError):
        layer.exchange(READ)
    assert not first.active
    assert layer.session is second and second.active


def test_stacked_get_response_is_unprotected_and_unwrapped_once() -> None:
    card = LongAnswerCard(payload=b"R" + bytes(range(256)) * 2)
    stack = LayerStack(card, LengthLimits())
    session = MarkingSession()
    stack.secure(session)
    response = stack.exchange(READ.replace(cla=0x01))
    assert response == Response(bytes(range(256)) * 2, 0x9000)
    assert len(session.unprotected) == 1  # the concatenated answer, once
    fetches = [c for c in card.received if c.ins == 0xC0]
    assert fetches
    assert all(c.cla == 0x01 for c in fetches)  # plain class, same channel


def test_stacked_6cxx_is_not_resent_under_sm() -> None:
    card = ExactLeCard(payload=b"abc")
    stack = LayerStack(card, LengthLimits())
    stack.secure(MarkingSession())
    with pytest.raises(MacError):  # the unprotected 6C03 reaches the session
        stack.exchange(READ)
    assert len(card.received) == 1


def test_stacked_6cxx_is_resent_without_sm() -> None:
    card = ExactLeCard(payload=b"abc")
    assert LayerStack(card, LengthLimits()).exchange(READ) == Response(b"abc", 0x9000)
    assert len(card.received) == 2


def test_stacked_chaining_splits_plain_data_then_protects_each_piece() -> None:
    card = ProtectedEcho()
    stack = LayerStack(card, LengthLimits(extended=True))  # SM limits the piece, not the card
    session = MarkingSession(max_payload=8)
    stack.secure(session)
    stack.exchange(Command(0x00, 0xDA, 0x01, 0x02, bytes(20)))
    assert [c.nc for c in session.protected] == [8, 8, 4]
    chaining = [parse_cla(c.cla).chaining for c in session.protected]
    assert chaining == [True, True, False]
    # on the wire: three protected commands, the chaining bit inside each protected header
    assert [parse_cla(c.cla).chaining for c in card.received] == [True, True, False]
    assert all(parse_cla(c.cla).sm is SmIndication.HEADER_AUTHENTICATED for c in card.received)
    assert len(session.unprotected) == 3
