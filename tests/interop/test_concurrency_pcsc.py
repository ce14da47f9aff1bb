"""Many threads and asyncio tasks on one card over the real PC/SC stack: several logical
channels, some with their own secure session (BAC, SCP03), all at once.

A response carries no channel number (ISO/IEC 7816-4:2020 5.4.2), so the Card's one lock must
keep every command-response sequence alone on the wire. Each worker checks every answer it
gets against what only its own command can produce (a file at a random offset, an echo of its
own unique bytes, a file read under its own secure session), so any interleaving shows as a
mismatch or a MAC failure. Every join has a deadline: a deadlock fails the test.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from cardwire.aio import AsyncCard, AsyncChannel
from cardwire.apdu import Command
from cardwire.card import Card, CardCommands
from cardwire.cla import SmIndication, parse_cla
from cardwire.errors import SessionClosedError, UsageError
from cardwire.handshakes.bac import open_bac
from cardwire.handshakes.scp03 import open_scp03
from cardwire.sim.applets.epassport.issuance import ISSUED_EF_COM
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.applets.security_domain import DEFAULT_AID as SECURITY_DOMAIN_AID
from cardwire.sm.scp03 import StaticKeys
from cardwire.transport.pcsc import PcscTransport

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

FILESYSTEM = bytes.fromhex("F0636172647769726500")
ECHO = bytes.fromhex("F0636172647769726503")
MRZ = "L898902C<,690806,940623"  # the default ePassport's MRZ (ICAO 9303-11 Appendix D)
ROUNDS = 40  # command-response sequences per worker
JOIN_DEADLINE = 60.0  # seconds for every worker to finish (else: a deadlock)


def pattern_file(channel: CardCommands) -> None:
    channel.select(FILESYSTEM)
    channel.select(bytes.fromhex("5000"))
    channel.select(bytes.fromhex("5006"))  # 40000 bytes, byte i = i mod 251


def check_pattern(channel: CardCommands, source: random.Random) -> None:
    offset, length = source.randrange(0, 32000), source.randrange(1, 200)
    assert channel.read_binary(offset, length) == bytes((offset + i) % 251 for i in range(length))


def check_echo(channel: CardCommands, source: random.Random) -> None:
    mine = source.randbytes(source.randrange(1, 120))
    assert channel.send(Command(0x00, 0x00, 0x00, 0x00, mine, ne=256)).data == mine


def check_bac_file(channel: CardCommands, source: random.Random) -> None:
    channel.select(bytes.fromhex("011E"))  # EF.COM, readable under secure messaging only
    assert channel.read_file() == ISSUED_EF_COM


def scp03_key_information(channel: CardCommands) -> bytes:
    return channel.send(Command(0x80, 0xCA, 0x00, 0xE0, ne=256)).data  # GET DATA E0 (GPC 11.3)


@pytest.fixture
def card(pcsc_stack: PcscStack) -> Iterator[Card]:
    with Card(PcscTransport(pcsc_stack.reader)) as session:
        session.reset()
        yield session


def _run_threads(jobs: list[Callable[[], None]]) -> None:
    errors: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_DEADLINE)
    assert not any(thread.is_alive() for thread in threads), "deadlock: a worker never finished"
    assert not errors, errors


def test_threads_on_channels_and_secure_sessions(card: Card) -> None:
    jobs: list[Callable[[], None]] = []

    def repeat(channel: CardCommands, check: Callable[[CardCommands, random.Random], None],
               seed: int) -> Callable[[], None]:  # fmt: skip
        def job() -> None:
            source = random.Random(seed)
            for _ in range(ROUNDS):
                check(channel, source)

        return job

    # Two BAC sessions first: ISO SM with an authenticated header needs the first
    # interindustry class, channels 1-3 (ISO/IEC 7816-4:2020 5.4.1).
    for seed in range(2):
        channel = card.open_channel()
        channel.select(EPASSPORT_AID)
        channel.secure(open_bac(channel, MRZ, rng=random.Random(20 + seed).randbytes))
        jobs.append(repeat(channel, check_bac_file, 20 + seed))
    for seed in range(4):  # plain file reads on four channels
        channel = card.open_channel()
        pattern_file(channel)
        jobs.append(repeat(channel, check_pattern, seed))
    echo = card.open_channel()
    echo.select(ECHO)
    jobs.append(repeat(echo, check_echo, 10))
    for _ in range(2):  # two SCP03 sessions
        channel = card.open_channel()
        channel.select(SECURITY_DOMAIN_AID)
        channel.secure(open_scp03(channel, StaticKeys.default(), level=0x33))
        jobs.append(repeat(channel, same_key_information(scp03_key_information(channel)), 0))
    pattern_file(card)  # and the basic channel too
    jobs.append(repeat(card, check_pattern, 99))
    _run_threads(jobs)
    assert len(card.channels) == 9
    for channel in list(card.channels.values()):
        # The card ends a channel's session as it closes the channel, so it cannot protect
        # the answer: end the session first (as tests/interop/test_bac_pcsc.py does).
        channel.secure(None)
        channel.close()


def same_key_information(expected: bytes) -> Callable[[CardCommands, random.Random], None]:
    """A check that GET DATA E0 under the channel's SCP03 session gives ``expected``."""

    def check(channel: CardCommands, _source: random.Random) -> None:
        assert scp03_key_information(channel) == expected

    return check


def test_asyncio_tasks_and_threads_together(card: Card) -> None:
    async def scenario() -> None:
        async_card = AsyncCard(card)
        bac = await async_card.open_channel()  # channel 1: ISO SM needs channels 0-3
        await bac.select(EPASSPORT_AID)
        await bac.secure(await bac.run(lambda c: open_bac(c, MRZ, rng=random.Random(7).randbytes)))
        channels: list[AsyncChannel] = []
        for _ in range(3):
            channel = await async_card.open_channel()
            await channel.run(pattern_file)
            channels.append(channel)

        async def reader(channel: AsyncChannel, seed: int) -> None:
            source = random.Random(seed)
            for _ in range(ROUNDS):
                offset, length = source.randrange(0, 32000), source.randrange(1, 200)
                data = await channel.read_binary(offset, length)
                assert data == bytes((offset + i) % 251 for i in range(length))

        async def secure_reader() -> None:
            for _ in range(ROUNDS // 2):
                await bac.select(bytes.fromhex("011E"))
                assert await bac.read_file() == ISSUED_EF_COM

        # A blocking thread on the basic channel at the same time as the tasks.
        pattern_file(card)
        thread_errors: list[BaseException] = []

        def blocking() -> None:
            try:
                source = random.Random(5)
                for _ in range(ROUNDS):
                    check_pattern(card, source)
            except BaseException as exc:
                thread_errors.append(exc)

        thread = threading.Thread(target=blocking, daemon=True)
        thread.start()
        tasks = [reader(channel, seed) for seed, channel in enumerate(channels)]
        await asyncio.wait_for(asyncio.gather(*tasks, secure_reader()), JOIN_DEADLINE)
        await asyncio.to_thread(thread.join, JOIN_DEADLINE)
        assert not thread.is_alive(), "deadlock: the blocking thread never finished"
        assert not thread_errors, thread_errors
        await bac.secure(None)  # see above: the session ends with the channel
        for channel in [*channels, bac]:
            await channel.close()

    asyncio.run(scenario())
    assert card.channels == {}


RACE_TRIALS = 25


def test_send_racing_close_through_pcscd_fails_closed(pcsc_stack: PcscStack) -> None:
    """Issue 15: a thread hammers READ BINARY on a BAC channel while the main thread closes it
    and another thread opens and closes channels. No command may go out in plain, none may land
    after the close, and no open may meet a number the host still holds."""
    card = Card(PcscTransport(pcsc_stack.reader), trace=True)
    card.reset()
    assert card.trace is not None
    attempts = refusals = leaks = landings = 0
    churn_errors: list[BaseException] = []
    try:
        for trial in range(RACE_TRIALS):
            channel = card.open_channel()
            channel.select(EPASSPORT_AID)
            channel.secure(open_bac(channel, MRZ, rng=random.Random(trial).randbytes))
            channel.select(bytes.fromhex("011E"))
            card.trace.clear()
            counts = {"sent": 0, "refused": 0}
            started = threading.Event()

            def hammer(
                target: CardCommands = channel,
                counts: dict[str, int] = counts,
                started: threading.Event = started,
            ) -> None:
                started.set()
                while True:
                    try:
                        target.read_binary(0, 4)
                    except (SessionClosedError, UsageError):
                        counts["refused"] += 1
                        return
                    counts["sent"] += 1

            def churn() -> None:
                try:
                    for _ in range(3):
                        card.open_channel().close()
                except BaseException as exc:  # reported below
                    churn_errors.append(exc)

            workers = [threading.Thread(target=hammer), threading.Thread(target=churn)]
            for worker in workers:
                worker.start()
            started.wait()
            number = channel.number
            channel.close()
            for worker in workers:
                worker.join()
            attempts += counts["sent"] + counts["refused"]
            refusals += counts["refused"]
            wire = [entry.command for entry in card.trace.entries]
            close_at = next(
                i for i, apdu in enumerate(wire) if apdu[1:4] == bytes([0x70, 0x80, number])
            )
            reads = [(i, apdu) for i, apdu in enumerate(wire) if apdu[1] == 0xB0]
            leaks += sum(1 for _, apdu in reads if parse_cla(apdu[0]).sm == SmIndication.NONE)
            landings += sum(1 for i, _ in reads if i > close_at)
    finally:
        card.close()
    print(f"race: {attempts} attempts, {refusals} refusals, {leaks} leaks, {landings} landings")
    assert churn_errors == []
    assert (leaks, landings) == (0, 0)
    assert refusals == RACE_TRIALS
    assert attempts > refusals
