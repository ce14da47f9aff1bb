"""Decoding SCP11 sessions in traces from exported session keys (cardwire.trace.scp11): sessions
made with cardwire's SCP11 host against the simulated Security Domain, recorded by the Card,
decoded from ``Scp11HostSession.trace_keys()``; a trace cut after the handshake decodes with the
receipt given; a SELECT ends the session and the keys decode no other."""

from __future__ import annotations

from cardwire.card import Card
from cardwire.handshakes.scp11 import open_scp11
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sim.card import SimCard
from cardwire.trace.decode import decode_trace
from cardwire.trace.model import Trace
from cardwire.trace.scp11 import Scp11TraceObserver
from cardwire.transport.memory import MemoryTransport

COMMANDS = [bytes.fromhex("80F28002024F0000"), bytes.fromhex("80CA00E000")]


def recorded(sessions: int = 1) -> tuple[Trace, list[tuple[bytes, bytes, bytes, bytes]]]:
    card = Card(MemoryTransport(SimCard()), trace=True)
    keys = []
    for _ in range(sessions):
        card.select(DEFAULT_AID)  # ends the session before (GP Card Spec 10.2.3)
        keys.append(open_scp11(card, "11b").trace_keys())
        for command in COMMANDS:
            card.send(command)
    assert card.trace is not None
    return card.trace.trace(), keys


def plain_commands(trace: Trace, observer: Scp11TraceObserver) -> list[bytes | None]:
    return [
        e.decoded.plain_command if e.decoded.mac_ok else None
        for e in decode_trace(trace, observer)
        if e.decoded is not None
    ]


def test_the_session_decodes_from_its_keys_and_receipt() -> None:
    trace, (keys,) = recorded()
    assert plain_commands(trace, Scp11TraceObserver(*keys)) == COMMANDS
    assert plain_commands(trace, Scp11TraceObserver(*keys[:3])) == COMMANDS


def test_two_sessions_each_decode_with_their_own_keys_only() -> None:
    trace, (first, second) = recorded(2)
    assert plain_commands(trace, Scp11TraceObserver(*first)) == COMMANDS
    assert plain_commands(trace, Scp11TraceObserver(*second)) == COMMANDS
    # Without the receipt the keys go to the first session: the second's fail there.
    assert plain_commands(trace, Scp11TraceObserver(*second[:3])) == [None, None]


def test_a_trace_that_starts_inside_the_session_needs_the_receipt() -> None:
    trace, (keys,) = recorded()
    cut = Trace(trace.events[-len(COMMANDS) :], trace.header)
    assert plain_commands(cut, Scp11TraceObserver(*keys)) == COMMANDS
    assert plain_commands(cut, Scp11TraceObserver(*keys[:3])) == []
