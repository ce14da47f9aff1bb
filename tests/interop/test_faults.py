"""Fault injection on the real stack (pcscd + vpcd + ``cardwire sim serve``): the card process
killed mid-session, the TCP connection to vpcd dropped mid-frame and between frames, the card
reset by another program during a secure session, the card removed during a PC/SC transaction,
and pcscd restarted.

Every host operation runs under a deadline (``within``): a hang fails the test. The properties:

- the host gets a typed cardwire error (TransportError and its subclasses, or a secure-channel
  or status error once the card is back without the old session), never another exception;
  an answer cut mid-frame reaches the host truncated (vpcd passes on what it received), and
  there only the secure session's MAC (or the APDU decoder) catches it;
- it recovers when the card is back (a new connection waits for the card with a timeout);
- a secure session is re-established after the fault, never silently reused: the old session
  never yields a successful protected answer again;
- the card's state file stays valid and holds every committed change exactly once: a ledger of
  APPEND RECORD commands (acknowledged ones must be there once, unacknowledged ones at most once).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from faults_stack import (
    DEADLINE,
    OPERATION_DEADLINE,
    FaultCard,
    PcscdRestarts,
    card_present,
    fault_card_on,
    pcscd_restarts_on,
    wait_until,
    within,
)

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.errors import (
    CardRemovedError,
    CardwireError,
    SecureChannelError,
    SessionClosedError,
    TransportError,
    TransportTimeoutError,
)
from cardwire.handshakes.bac import open_bac
from cardwire.handshakes.scp03 import open_scp03
from cardwire.sim import profile as profiles
from cardwire.sim.applets.epassport.issuance import ISSUED_EF_COM
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.applets.security_domain import DEFAULT_AID as SECURITY_DOMAIN_AID
from cardwire.sim.card import SimCard
from cardwire.sm.base import HostSecureSession
from cardwire.sm.scp03 import StaticKeys
from cardwire.transport.pcsc import PcscTransport

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

FILESYSTEM = bytes.fromhex("F0636172647769726500")
DF_APP1, EF_RECORDS = bytes.fromhex("5000"), bytes.fromhex("5005")  # EF 5005: append always
INITIAL_RECORDS = [b"one", b"two", b"three"]
MRZ = "L898902C<,690806,940623"  # the default ePassport's MRZ (ICAO 9303-11 Appendix D)


def connect(reader: str, *, transmit_timeout: float | None = 30.0) -> Card:
    """A new session on ``reader`` once the card answers: a client recovering from a fault
    retries while pcscd settles (a card just restarted may flap: removed, then inserted)."""
    end = time.monotonic() + DEADLINE
    while True:
        try:
            card = within(
                OPERATION_DEADLINE,
                lambda: Card(PcscTransport(reader, timeout=1.0, transmit_timeout=transmit_timeout)),
            )
        except TransportError:
            card = None
        if card is not None:
            try:
                within(OPERATION_DEADLINE, lambda c=card: c.select(FILESYSTEM))  # type: ignore[misc]
                return card
            except TransportError:
                close_quietly(card)
        if time.monotonic() > end:
            pytest.fail(f"no answering card in {reader!r} within {DEADLINE:g} s")
        time.sleep(0.2)


def append_record(card: Card, payload: bytes) -> Response:
    # APPEND RECORD, ISO/IEC 7816-4:2020 11.4.6: P1 = 00, P2 = 00 (current EF).
    return card.send(Command(0x00, 0xE2, 0x00, 0x00, payload))


def select_records(card: Card) -> None:
    card.select(FILESYSTEM)
    card.select(DF_APP1)
    card.select(EF_RECORDS)


def bac_session(card: Card) -> HostSecureSession:
    card.select(EPASSPORT_AID)
    session = open_bac(card, MRZ)
    card.secure(session)
    return session


def read_ef_com(card: Card) -> bytes:
    card.select(bytes.fromhex("011E"))
    return card.read_file()


def typed_failure(call: object) -> CardwireError:
    """Run ``call`` under the deadline; it must fail with a cardwire error (returned)."""
    assert callable(call)
    with pytest.raises(CardwireError) as caught:
        within(OPERATION_DEADLINE, call)
    return caught.value


def old_session_unusable(card: Card, session: HostSecureSession) -> None:
    """After a fault, the old secure session never serves again: it has ended (the card was
    removed or reset, or a check failed), or its connection is dead for good."""
    if session.active:
        error = typed_failure(lambda: card.send(Command(0x00, 0xB0, 0, 0, ne=4)))
        assert isinstance(error, TransportError), error


def close_quietly(card: Card) -> None:
    with contextlib.suppress(CardwireError):  # the connection may be gone already
        within(OPERATION_DEADLINE, card.close)


@pytest.fixture(scope="module")
def fault_card(pcsc_stack: PcscStack) -> Iterator[FaultCard]:
    yield from fault_card_on(pcsc_stack)


@pytest.fixture(scope="session")
def pcscd_restarts(pcsc_stack: PcscStack) -> Iterator[PcscdRestarts]:
    yield from pcscd_restarts_on(pcsc_stack)


@pytest.fixture
def fresh(fault_card: FaultCard) -> Iterator[FaultCard]:
    """The fault card up and answering (restarted if a test left it down)."""
    if fault_card.process is None or fault_card.process.poll() is not None:
        fault_card.start()
    wait_until("fault card present", lambda: card_present(fault_card.reader))
    yield fault_card


# --- one test per fault ------------------------------------------------------------------------


def test_card_process_killed_mid_session(fresh: FaultCard) -> None:
    card = connect(fresh.reader)
    session = bac_session(card)
    assert read_ef_com(card) == ISSUED_EF_COM
    fresh.kill()
    error = typed_failure(lambda: read_ef_com(card))
    assert isinstance(error, TransportError), error
    old_session_unusable(card, session)
    close_quietly(card)
    fresh.start()
    again = connect(fresh.reader)
    bac_session(again)  # re-established
    assert read_ef_com(again) == ISSUED_EF_COM
    close_quietly(again)


@pytest.mark.parametrize("mid_frame", [True, False], ids=["mid-frame", "between frames"])
def test_tcp_connection_dropped(fresh: FaultCard, mid_frame: bool) -> None:
    card = connect(fresh.reader)
    session = bac_session(card)
    assert read_ef_com(card) == ISSUED_EF_COM
    cuts = fresh.proxy.cuts
    if mid_frame:
        fresh.proxy.cut_mid_frame()  # the next answer reaches vpcd cut in half
    else:
        fresh.proxy.cut_now()
    error = typed_failure(lambda: read_ef_com(card))
    # Cut mid-frame, vpcd hands pcscd the half answer it got (vsmartcard's vpcd reads what
    # arrived before the close): only the MAC of the secure session can tell. Between frames
    # the reader reports the card gone.
    expected = (TransportError, SecureChannelError) if mid_frame else (TransportError,)
    assert isinstance(error, expected), error
    assert fresh.proxy.cuts > cuts
    old_session_unusable(card, session)
    close_quietly(card)
    again = connect(fresh.reader)  # the card reconnects by itself (every 0.5 s)
    bac_session(again)
    assert read_ef_com(again) == ISSUED_EF_COM
    close_quietly(again)


def test_card_reset_by_another_program_during_a_secure_session(fresh: FaultCard) -> None:
    card = connect(fresh.reader)
    card.select(SECURITY_DOMAIN_AID)
    session = open_scp03(card, StaticKeys.default(), level=0x33)
    card.secure(session)
    key_info = card.send(Command(0x80, 0xCA, 0x00, 0xE0, ne=256)).data  # GET DATA E0 (GPC 11.3)
    other = connect(fresh.reader)
    within(OPERATION_DEADLINE, other.reset)
    close_quietly(other)
    # PC/SC part 5: the next call on our handle reports the reset (then reconnects).
    error = typed_failure(lambda: card.send(Command(0x80, 0xCA, 0x00, 0xE0, ne=256)))
    assert isinstance(error, CardRemovedError), error
    # The card lost the session with the reset; the host ended it too (like Card.reset()).
    assert not session.active
    assert card.session is None
    # Fail closed (issue 15): nothing goes out in plain until the caller decides.
    refused = typed_failure(lambda: card.select(SECURITY_DOMAIN_AID))
    assert isinstance(refused, SessionClosedError), refused
    assert "reset or removed" in str(refused)
    card.secure(None)
    card.select(SECURITY_DOMAIN_AID)
    card.secure(open_scp03(card, StaticKeys.default(), level=0x33))  # re-established
    assert card.send(Command(0x80, 0xCA, 0x00, 0xE0, ne=256)).data == key_info
    close_quietly(card)


def test_card_removed_during_a_transaction(fresh: FaultCard) -> None:
    card = connect(fresh.reader)
    transport = card.transport
    assert isinstance(transport, PcscTransport)

    def inside_a_transaction() -> None:
        with transport.transaction():
            select_records(card)
            fresh.kill()  # the card leaves the reader while we hold the transaction
            card.read_record(1)

    error = typed_failure(inside_a_transaction)
    assert isinstance(error, TransportError), error
    close_quietly(card)
    fresh.start()
    again = connect(fresh.reader)
    select_records(again)
    assert again.read_record(1) == INITIAL_RECORDS[0]
    close_quietly(again)


def test_pcscd_restarted(
    fresh: FaultCard, pcscd_restarts: PcscdRestarts, pcsc_stack: PcscStack
) -> None:
    card = connect(fresh.reader)
    session = bac_session(card)
    assert read_ef_com(card) == ISSUED_EF_COM
    within(DEADLINE * 2, pcscd_restarts.restart)
    error = typed_failure(lambda: read_ef_com(card))
    assert isinstance(error, TransportError), error
    old_session_unusable(card, session)
    close_quietly(card)
    for reader in (fresh.reader, pcsc_stack.reader):  # both simulated cards come back
        wait_until(f"card back in {reader!r}", lambda r=reader: card_present(r))  # type: ignore[misc]
    again = connect(fresh.reader)
    bac_session(again)
    assert read_ef_com(again) == ISSUED_EF_COM
    close_quietly(again)


# --- the ledger: every committed change once ---------------------------------------------------


@dataclass
class Ledger:
    acknowledged: list[bytes] = field(default_factory=list)
    uncertain: list[bytes] = field(default_factory=list)
    faults: int = 0
    recoveries: int = 0


def _append_until_fault(card: Card, ledger: Ledger, first: int, count: int) -> int:
    """Append ``count`` records; stop at the first transport error. The next number."""
    number = first
    for number in range(first, first + count):
        payload = f"entry {number:04d}".encode()
        try:
            within(OPERATION_DEADLINE, lambda p=payload: append_record(card, p))  # type: ignore[misc]
        except CardwireError:  # TransportError, or a cut-off answer that does not decode
            ledger.uncertain.append(payload)  # maybe committed, maybe not: never resent
            return number + 1
        ledger.acknowledged.append(payload)
    return number + 1


def _stored_records(state: object) -> list[bytes]:
    card = SimCard(profiles.load(state))  # type: ignore[arg-type]
    records = []
    for command in ("00A4040C0A" + FILESYSTEM.hex(), "00A4000C025000", "00A4000C025005"):
        assert card.process(bytes.fromhex(command))[-2:] == b"\x90\x00"
    for number in range(1, 255):
        # READ RECORD, P2 = 04: record number in P1 (ISO/IEC 7816-4:2020 11.4.3).
        answer = card.process(bytes((0x00, 0xB2, number, 0x04, 0x00)))
        if answer[-2:] != b"\x90\x00":
            break
        records.append(answer[:-2])
    return records


def test_every_committed_change_is_in_the_state_file_once(fresh: FaultCard) -> None:
    ledger = Ledger()
    before = _stored_records(fresh.state)
    number = 0
    faults = ["kill", "cut mid-frame", "cut between frames", "kill"]
    for fault in faults:
        card = connect(fresh.reader)
        select_records(card)
        ledger.recoveries += 1
        number = _append_until_fault(card, ledger, number, 5)
        if fault == "kill":
            fresh.kill()
        elif fault == "cut mid-frame":
            fresh.proxy.cut_mid_frame()
        else:
            fresh.proxy.cut_now()
        ledger.faults += 1
        number = _append_until_fault(card, ledger, number, 3)  # runs into the fault
        close_quietly(card)
        if fresh.process is None or fresh.process.poll() is not None:
            time.sleep(0.2)
            fresh.start()
    fresh.stop()  # SIGTERM: the card saves and exits
    after = _stored_records(fresh.state)
    assert after[: len(before)] == before
    added = after[len(before) :]
    assert len(set(added)) == len(added), "a change was committed twice"
    assert set(ledger.acknowledged) <= set(added), "an acknowledged change was lost"
    assert set(added) <= set(ledger.acknowledged) | set(ledger.uncertain)
    assert ledger.faults == len(faults) and len(ledger.acknowledged) >= 5 * len(faults)


def test_mute_card_times_out_fails_closed_and_reconnects(fresh: FaultCard) -> None:
    """A card process stopped with SIGSTOP: the watchdog (issue 15) ends the transmit with a
    TransportTimeoutError, the secure session is lost (nothing plain goes out), the transport
    refuses until reconnect(), and after SIGCONT the connection and BAC come back."""
    process = fresh.process
    assert process is not None
    # connect() retries while pcscd settles after the previous test's faults (80100016 otherwise).
    card = connect(fresh.reader, transmit_timeout=2.0)
    transport = card.transport
    assert isinstance(transport, PcscTransport)
    bac_session(card)
    assert read_ef_com(card) == ISSUED_EF_COM
    os.kill(process.pid, signal.SIGSTOP)
    try:
        error = typed_failure(lambda: card.read_binary(0, 4))
        assert isinstance(error, TransportTimeoutError), error
        assert error.exit_code == 3
        refused = typed_failure(lambda: card.verify(1, "1234"))
        assert isinstance(refused, SessionClosedError), refused
        assert "did not answer in time" in str(refused)
        refused = typed_failure(lambda: card.transmit(bytes.fromhex("00B0000004")))
        assert isinstance(refused, SessionClosedError), refused
        card.secure(None)  # even in plain, the stuck connection refuses until reconnect
        stuck = typed_failure(lambda: card.send(Command(0x00, 0x84, 0, 0, ne=8)))
        assert "re-established" in str(stuck), stuck
    finally:
        os.kill(process.pid, signal.SIGCONT)
    within(OPERATION_DEADLINE, transport.reconnect)
    bac_session(card)
    assert read_ef_com(card) == ISSUED_EF_COM
    close_quietly(card)
