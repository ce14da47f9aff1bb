"""The Card session against the simulated card (default profile, shared spec in the brief /
docs/simulator.md): helpers, status errors, extended length vs chaining, 6Cxx, reset, close."""

from __future__ import annotations

import threading

import pytest

from cardwire import commands
from cardwire.apdu import Command, Response
from cardwire.card import Card, CardCommands, binary_data
from cardwire.cla import parse_cla
from cardwire.errors import (
    CardRemovedError,
    DecodeError,
    SessionClosedError,
    StatusError,
    TransportError,
    TransportTimeoutError,
    UsageError,
)
from cardwire.sim import open_card
from cardwire.sim.card import SimCard
from cardwire.transport.memory import MemoryTransport

APP_1 = bytes.fromhex("F0636172647769726501")
ECHO = bytes.fromhex("F0636172647769726503")


class PassThroughSession:
    """A HostSecureSession that changes nothing (to watch the slot's life cycle)."""

    def __init__(self) -> None:
        self.active = True
        self.max_payload = 200
        self.seen = 0

    def protect(self, command: Command) -> Command:
        if not self.active:
            raise SessionClosedError("ended")
        self.seen += 1
        return command

    def unprotect(self, response: Response) -> Response:
        return response

    def close(self) -> None:
        self.active = False


def sim_card(*, extended_length: bool | None = None) -> Card:
    return Card(MemoryTransport(SimCard()), trace=True, extended_length=extended_length)


def wire(card: Card) -> list[Command]:
    assert card.trace is not None
    return [Command.decode(entry.command) for entry in card.trace.entries]


def test_limits_come_from_the_atr() -> None:
    assert sim_card().limits.extended  # the default card announces extended Lc/Le
    assert not sim_card(extended_length=False).limits.extended


def test_send_raises_the_typed_status_error() -> None:
    card = sim_card()
    command = commands.select_by_aid(bytes.fromhex("A000000000"))
    with pytest.raises(StatusError) as info:
        card.send(command)
    assert info.value.sw == 0x6A82
    assert info.value.command == command
    assert card.send(command, check=False).sw == 0x6A82


def test_select_and_read_files() -> None:
    card = sim_card()
    assert card.select(APP_1).data[:1] == b"\x6f"  # FCI template
    card.select(bytes.fromhex("5001"))
    assert card.read_file() == b"Hello from the cardwire card."
    assert card.read_binary(6, 4) == b"from"
    assert card.read_record(2, sfi=2) == bytes([2]) * 16


def test_read_file_past_32767_switches_to_odd_ins() -> None:
    card = sim_card()
    card.select(APP_1)
    content = card.read_file(sfi=6)
    assert content == bytes(i % 251 for i in range(40000))  # EF 5006: byte i = i mod 251
    reads = [c for c in wire(card) if c.ins in (0xB0, 0xB1)]
    even = [c for c in reads if c.ins == 0xB0 and not c.p1 & 0x80]  # offset in P1-P2
    odd = [c for c in reads if c.ins == 0xB1]
    assert even and odd
    assert max(c.p1 << 8 | c.p2 for c in even) <= 32767
    # ISO 7816-4 READ BINARY B1: the offset travels in DO54
    assert all(c.data[0] == 0x54 for c in odd)
    assert min(int.from_bytes(c.data[2:], "big") for c in odd) > 32767


def test_read_file_ending_on_a_chunk_boundary() -> None:
    card = sim_card()
    card.select(APP_1)
    assert card.read_file(sfi=8, chunk=32) == bytes(64)  # EF 5008: 64 zero bytes


def test_read_file_reports_its_progress_once_per_read_binary() -> None:
    card = sim_card()
    card.select(APP_1)
    seen: list[tuple[int, int | None]] = []
    assert card.read_file(sfi=8, chunk=32, progress=lambda *p: seen.append(p)) == bytes(64)
    # the third READ BINARY, past the end, is refused (6B00): only then is the size known
    assert seen == [(32, None), (64, None), (64, 64)]


def test_read_file_with_the_fcp_size_reads_no_further() -> None:
    card = sim_card()
    card.select(APP_1)
    seen: list[tuple[int, int | None]] = []
    content = card.read_file(sfi=8, chunk=32, size=64, progress=lambda *p: seen.append(p))
    assert content == bytes(64)
    assert seen == [(32, 64), (64, 64)]
    assert [c.ne for c in wire(card) if c.ins == 0xB0] == [32, 32]  # no read past the end


def test_read_file_with_a_size_past_32767_still_reads_every_byte() -> None:
    card = sim_card()
    card.select(APP_1)
    seen: list[tuple[int, int | None]] = []
    content = card.read_file(sfi=6, size=40000, progress=lambda *p: seen.append(p))
    assert content == bytes(i % 251 for i in range(40000))  # EF 5006: byte i = i mod 251
    assert seen[-1] == (40000, 40000)
    assert all(total == 40000 for _, total in seen)
    assert [done for done, _ in seen] == sorted({done for done, _ in seen})  # always forward


def test_read_file_with_a_size_of_zero_sends_nothing() -> None:
    card = sim_card()
    assert card.read_file(size=0) == b""
    assert wire(card) == []
    with pytest.raises(UsageError):
        card.read_file(size=-1)


def test_update_then_read_back() -> None:
    card = sim_card()
    card.select(APP_1)
    card.select(bytes.fromhex("5008"))
    card.update_binary(10, b"cardwire")
    assert card.read_binary(8, 12) == b"\x00\x00cardwire\x00\x00"


def test_verify_counts_down_then_succeeds() -> None:
    card = sim_card()
    card.select(APP_1)
    with pytest.raises(StatusError) as info:
        card.read_file(sfi=3)
    assert info.value.sw == 0x6982
    with pytest.raises(StatusError) as info:
        card.verify(1, "9999")
    assert info.value.sw == 0x63C2
    assert card.pin_status(1).sw == 0x63C2
    assert card.verify(1, "1234").sw == 0x9000
    assert card.read_file(sfi=3) == b"top secret: 42"


def test_get_challenge() -> None:
    assert len(sim_card().get_challenge(8)) == 8


def test_6cxx_is_fixed_by_the_stack() -> None:
    card = sim_card()
    card.select(APP_1)
    response = card.send(commands.read_record(2, sfi=2, ne=4))
    assert response.data == bytes([2]) * 16
    assert [c.ne for c in wire(card)[-2:]] == [4, 16]


@pytest.mark.parametrize(("extended", "pieces"), [(True, 1), (False, 3)])
def test_long_data_extended_or_chained(extended: bool, pieces: int) -> None:
    card = sim_card(extended_length=extended)
    card.select(ECHO)
    data = bytes(i % 256 for i in range(600))
    assert card.send(Command(0x00, 0x00, 0, 0, data, ne=65536)).data == data
    sent = [c for c in wire(card) if c.ins == 0x00]
    assert len(sent) == pieces
    assert [parse_cla(c.cla).chaining for c in sent] == [True] * (pieces - 1) + [False]
    if not extended:  # the 600-byte answer came back through 61xx and GET RESPONSE
        assert any(c.ins == 0xC0 for c in wire(card))


def test_binary_data_rejects_a_wrong_tag() -> None:
    odd = commands.read_binary(40000, ne=16)
    assert binary_data(odd, Response(bytes.fromhex("5302AABB"))) == b"\xaa\xbb"
    with pytest.raises(DecodeError):
        binary_data(odd, Response(bytes.fromhex("5402AABB")))


def test_reset_ends_sessions_and_forgets_channels() -> None:
    card = sim_card()
    session = PassThroughSession()
    card.secure(session)
    channel = card.open_channel()
    assert session.seen == 1  # MANAGE CHANNEL went through channel 0's slot
    atr = card.reset()
    assert atr == card.atr
    assert not session.active
    assert channel.closed
    assert card.channels == {}
    card.select(APP_1)  # the empty slot sends plain again


def test_close_releases_the_transport() -> None:
    with open_card() as card:
        card.select(APP_1)
    with pytest.raises(TransportError):
        card.select(APP_1)


def test_transmit_is_raw() -> None:
    card = sim_card()
    assert card.transmit(bytes.fromhex("00A4040C0AF0636172647769726501")) == b"\x90\x00"


# --- installing a session waits for the sequence in flight ------------------------------------


def lock_is_free_elsewhere(lock: object) -> bool:
    """Whether another thread could take ``lock`` right now (a non-blocking try, released)."""
    taken: list[bool] = []

    def probe() -> None:
        acquire = getattr(lock, "acquire")  # noqa: B009 - RLock and Lock alike
        got = bool(acquire(blocking=False))
        if got:
            getattr(lock, "release")()  # noqa: B009
        taken.append(got)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive() and taken
    return taken[0]


class LockProbeSession(PassThroughSession):
    """Records, when it is closed, whether the closing thread held the card's lock."""

    def __init__(self, lock: object) -> None:
        super().__init__()
        self.lock = lock
        self.closed_under_lock: bool | None = None

    def close(self) -> None:
        super().close()
        self.closed_under_lock = not lock_is_free_elsewhere(self.lock)


@pytest.mark.parametrize("where", ["card", "channel"])
def test_secure_swaps_sessions_under_the_card_lock(where: str) -> None:
    # The card's one lock keeps a whole command-response sequence (chain pieces, GET RESPONSE
    # rounds) alone on the wire; a session installed from another thread must wait for it, or
    # the sequence in flight would find its session closed (or its pieces protected by two).
    card = sim_card()
    target: CardCommands = card if where == "card" else card.open_channel()
    session = LockProbeSession(card._lock)
    target.secure(session)
    target.secure(None)  # ends ``session``
    assert session.closed_under_lock is True


@pytest.mark.parametrize("ending", ["close", "forget"])
def test_closing_a_channel_ends_its_session_under_the_card_lock(ending: str) -> None:
    card = sim_card()
    channel = card.open_channel()
    session = LockProbeSession(card._lock)
    channel.secure(session)
    getattr(channel, ending)()
    assert session.closed_under_lock is True


# -- fail closed after a lost session (issue 15, defect 2) ------------------------------------

VERIFY_PIN = Command(0x80, 0x20, 0x00, 0x00, b"123456")
PASSPORT = bytes.fromhex("A0000002471001")  # ICAO 9303-10: the eMRTD application


class FaultyWire:
    """A MemoryTransport on a SimCard that records every APDU and fails once when armed."""

    def __init__(self, sim: SimCard) -> None:
        self.inner = MemoryTransport(sim)
        self.sim = sim
        self.sent: list[bytes] = []
        self.fault: str | None = None

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    @property
    def name(self) -> str:
        return "faulty wire"

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(bytes(apdu))
        fault, self.fault = self.fault, None
        if fault == "transport":
            raise TransportError("the reader went away")
        if fault == "removed":
            raise CardRemovedError("the card was removed")
        if fault == "reset by another program":
            self.sim.reset()
            raise CardRemovedError("the card was reset by another program")
        if fault == "timeout":
            raise TransportTimeoutError("no answer within 1 s")
        answer = self.inner.transmit(apdu)
        return answer[:0] if fault == "death" else answer  # "death": 0 bytes come back

    def reset(self, cold: bool = False) -> bytes:
        return self.inner.reset(cold)

    def close(self) -> None:
        self.inner.close()


FAULTS = {
    "transport": "a transport error",
    "removed": "reset or removed",
    "reset by another program": "reset or removed",
    "timeout": "did not answer in time",
    "death": "a transport error",
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("on_channel", [False, True])
def test_no_plain_byte_after_a_lost_session(fault: str, on_channel: bool) -> None:
    wire = FaultyWire(SimCard())
    card = Card(wire)
    target: CardCommands = card.open_channel() if on_channel else card
    target.secure(PassThroughSession())
    target.send(commands.select_by_aid(APP_1))
    wire.fault = fault
    with pytest.raises(TransportError):
        target.send(commands.get_challenge(8))
    before = len(wire.sent)
    for attempt in (lambda: target.send(VERIFY_PIN), lambda: target.transmit(VERIFY_PIN.encode())):
        with pytest.raises(SessionClosedError, match=FAULTS[fault]) as refused:
            attempt()
        assert "secure session ended" in str(refused.value)
    assert len(wire.sent) == before  # zero bytes on the wire, never plain
    if not on_channel:
        card.secure(None)  # the caller's explicit choice: plain again
        assert card.send(commands.get_challenge(8)).sw == 0x9000


def test_card_death_mid_read_is_a_transport_error() -> None:
    wire = FaultyWire(SimCard())
    card = Card(wire)
    wire.fault = "death"
    with pytest.raises(TransportError, match="0 bytes") as raised:
        card.send(commands.get_challenge(8))
    assert raised.value.exit_code == 3


def test_a_plain_channel_stays_plain_after_a_transport_error() -> None:
    wire = FaultyWire(SimCard())
    card = Card(wire)
    wire.fault = "transport"
    with pytest.raises(TransportError):
        card.send(commands.get_challenge(8))
    assert card.send(commands.get_challenge(8)).sw == 0x9000  # no session, nothing to lose


def test_removal_on_channel_0_closes_the_secure_sessions_of_every_channel() -> None:
    wire = FaultyWire(SimCard())
    card = Card(wire)
    secured, plain = card.open_channel(), card.open_channel()
    secured.secure(PassThroughSession())
    wire.fault = "removed"
    with pytest.raises(CardRemovedError):
        card.send(commands.get_challenge(8))
    before = len(wire.sent)
    with pytest.raises(SessionClosedError, match="reset or removed"):
        secured.send(VERIFY_PIN)
    with pytest.raises(UsageError, match="closed"):
        plain.send(VERIFY_PIN)
    assert len(wire.sent) == before


def test_explicit_reset_returns_channel_0_to_plain_and_closes_the_others() -> None:
    card = Card(MemoryTransport(SimCard()))
    channel = card.open_channel()
    card.secure(PassThroughSession())
    channel.secure(PassThroughSession())
    card.reset()
    assert card.send(commands.get_challenge(8)).sw == 0x9000
    with pytest.raises(SessionClosedError, match=r"Card\.reset"):
        channel.send(VERIFY_PIN)


def test_bac_replaces_a_lost_session_and_runs_in_plain() -> None:
    from cardwire.handshakes.bac import open_bac
    from test_sm_integration import SPECIMEN, passport_profile

    wire = FaultyWire(SimCard(passport_profile()))
    card = Card(wire)
    card.select(PASSPORT)
    card.secure(open_bac(card, SPECIMEN))
    wire.fault = "reset by another program"
    with pytest.raises(CardRemovedError):
        card.read_binary(0, 4, sfi=0x1E)
    with pytest.raises(SessionClosedError):
        card.select(PASSPORT)
    card.secure(None)  # the reset deselected the application: select it again, in plain
    card.select(PASSPORT)
    wire.fault = "transport"
    with pytest.raises(TransportError):
        card.send(commands.get_challenge(8))  # plain: nothing lost
    card.secure(open_bac(card, SPECIMEN))
    wire.fault = "transport"
    with pytest.raises(TransportError):
        card.read_binary(0, 4, sfi=0x1E)
    card.secure(open_bac(card, SPECIMEN))  # the new handshake leaves the lost state
    assert card.read_binary(0, 4, sfi=0x1E)[:1] == b"\x60"  # EF.COM, read under BAC


def test_send_takes_the_bytes_of_an_apdu() -> None:
    with open_card() as card:
        # SELECT MF by its file identifier 3F00 (ISO/IEC 7816-4:2020 7.1.1), as bytes
        assert card.send(bytes.fromhex("00A4000C023F00")).sw == 0x9000
        channel = card.open_channel()
        assert channel.send(bytes.fromhex("00A4000C023F00")).sw == 0x9000


def test_send_refuses_what_is_not_an_apdu() -> None:
    with open_card() as card:
        with pytest.raises(UsageError, match="not str"):
            card.send("00A4000C023F00")  # type: ignore[arg-type]
        with pytest.raises(DecodeError):
            card.send(b"\x00")
