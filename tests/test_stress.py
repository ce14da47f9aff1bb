"""Many threads and asyncio tasks on several logical channels of one simulated card.

Each channel is given one job whose answers identify that channel's state (its application,
its current file, its security status); every worker on that channel repeats the job and
checks each answer. A wrapper around the transport records how many transmit calls were in
flight at once: the Card's one lock must keep it at one (responses carry no channel number,
seed 003). A control test shows the wrapper does catch overlapping calls when nothing
serialises them. Bounded by pytest-timeout and join timeouts; nothing asserts on durations.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from cardwire.aio import AsyncCard, AsyncChannel
from cardwire.apdu import Command
from cardwire.card import Card, CardCommands
from cardwire.channels import Channel
from cardwire.cla import channel_of, parse_cla
from cardwire.sim.card import SimCard
from cardwire.transport.base import Transport
from cardwire.transport.memory import MemoryTransport

APP_1 = bytes.fromhex("F0636172647769726501")
APP_2 = bytes.fromhex("F0636172647769726502")
ECHO = bytes.fromhex("F0636172647769726503")
THREADS = 8
TASKS = 50
ROUNDS = 12


@dataclass
class OverlapDetector:
    """A transport wrapper that records overlapping transmit calls."""

    inner: Transport
    pause: Callable[[], object] = lambda: None
    in_flight: int = 0
    most_in_flight: int = 0
    calls: int = 0
    _guard: threading.Lock = field(default_factory=threading.Lock)

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    @property
    def name(self) -> str:
        return self.inner.name

    def transmit(self, apdu: bytes) -> bytes:
        with self._guard:
            self.in_flight += 1
            self.calls += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.pause()
            return self.inner.transmit(apdu)
        finally:
            with self._guard:
                self.in_flight -= 1

    def reset(self, cold: bool = False) -> bytes:
        return self.inner.reset(cold)

    def close(self) -> None:
        self.inner.close()


# One job per channel: (application, how to read, what the channel's state makes it answer).
def job_app1_ef5001(ch: CardCommands) -> bytes:
    ch.select(APP_1)
    ch.select(bytes.fromhex("5001"))
    return ch.read_binary(0, 29)


def job_app2_ef6001(ch: CardCommands) -> bytes:
    ch.select(APP_2)
    ch.select(bytes.fromhex("6001"))
    return ch.read_binary(0, 18)


def job_pin_ef5003(ch: CardCommands) -> bytes:
    ch.select(APP_1)
    ch.verify(1, "1234")
    return ch.read_binary(0, 14, sfi=3)


def job_record_5002(ch: CardCommands) -> bytes:
    ch.select(APP_1)
    return ch.read_record(3, sfi=2)


def job_mf_2f00(ch: CardCommands) -> bytes:
    ch.select(bytes.fromhex("3F00"))
    ch.select(bytes.fromhex("2F00"))
    return ch.read_binary(0, 23)


def job_long_5006(ch: CardCommands) -> bytes:
    ch.select(APP_1)
    ch.select(bytes.fromhex("5006"))
    return ch.read_binary(1000, 300)  # > 256: extended Le on this card


JOBS: list[tuple[Callable[[CardCommands], bytes], bytes]] = [
    (job_app1_ef5001, b"Hello from the cardwire card."),
    (job_app2_ef6001, b"second application"),
    (job_pin_ef5003, b"top secret: 42"),
    (job_record_5002, bytes([3]) * 16),
    # EF.DIR (ISO 7816-4 8.2.1.1): the first application template, 61 27 4F 0A <AID> 50 19 ...
    (job_mf_2f00, bytes.fromhex("61274F0AF0636172647769726500501963617264776972")),
    (job_long_5006, bytes(i % 251 for i in range(1000, 1300))),
]


def make_card() -> tuple[Card, OverlapDetector, list[CardCommands]]:
    detector = OverlapDetector(MemoryTransport(SimCard()))
    card = Card(detector)
    lanes: list[CardCommands] = [card] + [card.open_channel() for _ in JOBS[1:]]
    return card, detector, lanes


# A channel's state (current file, PIN status) belongs to whoever drives a job on it, so the
# workers sharing a channel take turns per job; jobs on *different* channels interleave
# freely, command sequence by command sequence, which is what the Card must keep apart.
LANE_LOCKS = [threading.Lock() for _ in JOBS]


def run_job(lane: int, lanes: list[CardCommands]) -> bytes:
    job, _ = JOBS[lane]
    with LANE_LOCKS[lane]:
        return job(lanes[lane])


@pytest.mark.timeout(60)
def test_threads_and_tasks_share_the_card() -> None:
    card, detector, lanes = make_card()
    failures: list[str] = []

    def thread_worker(index: int) -> None:
        lane = index % len(lanes)
        expected = JOBS[lane][1]
        try:
            for _ in range(ROUNDS):
                got = run_job(lane, lanes)
                if got != expected:
                    failures.append(f"thread {index} on channel {lane}: {got!r}")
        except Exception as exc:  # collected and reported by the main thread
            failures.append(f"thread {index}: {exc!r}")

    async def task_worker(index: int, async_lanes: list[AsyncChannel | AsyncCard]) -> None:
        lane = index % len(lanes)
        expected = JOBS[lane][1]
        target = async_lanes[lane]
        for _ in range(ROUNDS):
            got = await target.run(lambda _: run_job(lane, lanes))
            if got != expected:
                failures.append(f"task {index} on channel {lane}: {got!r}")

    async def all_tasks() -> None:
        acard = AsyncCard(card)
        async_lanes: list[AsyncChannel | AsyncCard] = [acard]
        async_lanes += [acard.wrap(lane) for lane in lanes[1:] if isinstance(lane, Channel)]
        await asyncio.gather(*(task_worker(i, async_lanes) for i in range(TASKS)))

    threads = [threading.Thread(target=thread_worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    asyncio.run(all_tasks())
    for thread in threads:
        thread.join(timeout=50)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    assert failures == []
    assert detector.calls >= (THREADS + TASKS) * ROUNDS * 2
    assert detector.most_in_flight == 1


@pytest.mark.timeout(30)
def test_the_detector_sees_unserialised_overlap() -> None:
    # Two threads calling the transport directly (no Card, no lock) meet inside transmit.
    barrier = threading.Barrier(2, timeout=10)

    def meet() -> None:
        barrier.wait()

    detector = OverlapDetector(MemoryTransport(SimCard()), pause=meet)
    threads = [
        threading.Thread(
            target=detector.transmit, args=(bytes.fromhex("00A4040C0AF0636172647769726501"),)
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert detector.most_in_flight == 2


@pytest.mark.timeout(30)
def test_a_chained_sequence_is_not_split() -> None:
    # On a short-only session a 300-byte echo goes out as a chain of two commands and comes
    # back as 256 bytes + 61xx + GET RESPONSE: the four commands of one sequence must be
    # adjacent on the wire, whatever the threads on the other channels do.
    card = Card(MemoryTransport(SimCard()), trace=True, extended_length=False)
    echo_lane = card
    echo_lane.select(ECHO)
    file_lanes = [card.open_channel(), card.open_channel()]
    for lane in file_lanes:
        lane.select(APP_1)
        lane.select(bytes.fromhex("5006"))
    errors: list[str] = []

    def echo_worker(seed: int) -> None:
        for n in range(15):
            data = bytes((seed + n + i) % 256 for i in range(300))
            if echo_lane.send(Command(0x00, 0x00, 0, 0, data, ne=256)).data != data:
                errors.append(f"echo {seed}/{n}")

    def file_worker(lane: CardCommands, offset: int) -> None:
        for _ in range(30):
            if lane.read_binary(offset, 200) != bytes(i % 251 for i in range(offset, offset + 200)):
                errors.append(f"channel {lane.number} offset {offset}")

    threads = [threading.Thread(target=echo_worker, args=(seed,)) for seed in (1, 2)]
    threads += [
        threading.Thread(target=file_worker, args=(lane, 500 * n))
        for n, lane in enumerate(file_lanes)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert card.trace is not None
    wire = [Command.decode(entry.command) for entry in card.trace.entries]
    echoes = [i for i, c in enumerate(wire) if c.ins == 0x00 and parse_cla(c.cla).chaining]
    assert len(echoes) == 30
    for start in echoes:  # chain piece, last piece, GET RESPONSE: adjacent, channel 0
        sequence = wire[start : start + 3]
        assert [c.ins for c in sequence] == [0x00, 0x00, 0xC0]
        assert all(channel_of(c.cla) == 0 for c in sequence)
