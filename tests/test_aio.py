"""AsyncCard / AsyncChannel: the Card for asyncio tasks, one sequence in flight."""

from __future__ import annotations

import asyncio
import threading

import pytest

from cardwire import commands
from cardwire.aio import AsyncCard, AsyncChannel
from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.errors import SessionClosedError, StatusError, TransportError
from cardwire.sim.card import SimCard
from cardwire.transport.memory import MemoryTransport

APP_1 = bytes.fromhex("F0636172647769726501")
APP_2 = bytes.fromhex("F0636172647769726502")


def new_card() -> AsyncCard:
    return AsyncCard(Card(MemoryTransport(SimCard())))


def test_helpers_and_errors() -> None:
    async def main() -> None:
        async with new_card() as acard:
            await acard.select(APP_1)
            assert await acard.read_binary(0, 5, sfi=1) == b"Hello"
            assert await acard.read_record(3, sfi=2) == bytes([3]) * 16
            with pytest.raises(StatusError):
                await acard.verify(1, "0000")
            assert (await acard.pin_status(1)).sw == 0x63C2
            assert (await acard.verify(1, "1234")).sw == 0x9000
            assert await acard.read_file(sfi=3) == b"top secret: 42"
            seen: list[tuple[int, int | None]] = []
            assert await acard.read_file(sfi=3, chunk=4, progress=lambda n, t: seen.append((n, t)))
            assert seen[-1] == (14, 14) and len(seen) > 1  # one call per READ BINARY
            assert len(await acard.get_challenge(8)) == 8
            response = await acard.send(commands.select_fid(bytes.fromhex("5008")))
            assert response.sw == 0x9000
            await acard.update_binary(0, b"async")
            assert await acard.read_binary(0, 5) == b"async"
            assert await acard.transmit(bytes.fromhex("00A4040C0AF0636172647769726501")) == (
                b"\x90\x00"
            )

    asyncio.run(main())


def test_channels_from_tasks() -> None:
    async def main() -> None:
        acard = new_card()
        first = await acard.open_channel()
        second = await first.open_channel()
        assert (first.number, second.number) == (1, 2)
        await first.select(APP_1)
        await second.select(APP_2)

        async def read_first() -> bytes:
            return await first.read_binary(0, 29, sfi=1)

        async def read_second() -> bytes:
            return await second.read_binary(0, 18, sfi=1)

        results = await asyncio.gather(
            *(read_first() if i % 2 else read_second() for i in range(40))
        )
        for i, data in enumerate(results):
            expected = b"Hello from the cardwire card." if i % 2 else b"second application"
            assert data == expected
        async with second:
            pass
        assert second.channel.closed
        await first.close()
        assert acard.card.channels == {}
        await acard.reset()
        await acard.close()

    asyncio.run(main())


class IdleSession:
    """A HostSecureSession that is only installed and closed here (never used to send)."""

    def __init__(self) -> None:
        self.active = True
        self.max_payload = 223

    def protect(self, command: Command) -> Command:
        return command

    def unprotect(self, response: Response) -> Response:
        return response

    def close(self) -> None:
        self.active = False


class GatedCard:
    """A SimCard whose next command, once ``armed``, waits in the worker thread until the
    test opens the gate (a command in flight, holding the Card's lock)."""

    def __init__(self) -> None:
        self.sim = SimCard()
        self.armed = False
        self.entered = threading.Event()
        self.gate = threading.Event()

    @property
    def atr(self) -> bytes:
        return self.sim.atr

    def process(self, apdu: bytes) -> bytes:
        if self.armed:
            self.armed = False
            self.entered.set()
            # Deadlock guard only: a blocked event loop never opens the gate.
            self.gate.wait(GATE_GUARD_SECONDS)
        return self.sim.process(apdu)

    def power_on(self) -> bytes:
        return self.sim.power_on()

    def power_off(self) -> None:
        self.sim.power_off()

    def reset(self) -> bytes:
        return self.sim.reset()


GATE_GUARD_SECONDS = 10


@pytest.mark.parametrize("on_channel", [False, True])
def test_secure_waits_its_turn_without_blocking_the_loop(on_channel: bool) -> None:
    """The session swap takes the card's lock (Card.secure): it must queue like other calls
    rather than block the event loop while a command holds the lock in a worker thread."""
    gated = GatedCard()
    card = Card(MemoryTransport(gated))

    async def main() -> None:
        acard = AsyncCard(card)
        target: AsyncCard | AsyncChannel = await acard.open_channel() if on_channel else acard
        plain = target.channel if isinstance(target, AsyncChannel) else card
        session = IdleSession()
        gated.armed = True
        in_flight = asyncio.create_task(target.select(APP_1))
        await asyncio.to_thread(gated.entered.wait)
        swap = asyncio.create_task(target.secure(session))
        await asyncio.sleep(0)  # the loop still runs: the swap is queued, not blocking
        assert not swap.done() and plain.session is None
        gated.gate.set()
        assert (await in_flight).sw == 0x9000
        await swap
        assert plain.session is session
        await target.secure(None)
        assert plain.session is None and not session.active

    asyncio.run(main())


class FailingOnce(MemoryTransport):
    """Fails the next transmit with a TransportError once ``armed``; counts what was sent."""

    def __init__(self) -> None:
        super().__init__(SimCard())
        self.armed = False
        self.sent = 0

    def transmit(self, apdu: bytes) -> bytes:
        self.sent += 1
        if self.armed:
            self.armed = False
            raise TransportError("the reader went away")
        return super().transmit(apdu)


def test_fail_closed_through_the_async_api() -> None:
    async def scenario() -> None:
        wire = FailingOnce()
        card = AsyncCard(Card(wire))
        channel = await card.open_channel()
        await card.secure(IdleSession())
        await channel.secure(IdleSession())
        wire.armed = True
        with pytest.raises(TransportError):
            await card.send(commands.get_challenge(8))
        sent = wire.sent
        with pytest.raises(SessionClosedError, match="transport error"):
            await card.verify(1, "1234")
        with pytest.raises(SessionClosedError, match="transport error"):
            await card.transmit(bytes.fromhex("0020000104") + b"1234")
        await channel.close()
        with pytest.raises(SessionClosedError, match="was closed"):
            await channel.get_challenge()
        assert wire.sent == sent + 1  # only the MANAGE CHANNEL close went out

    asyncio.run(scenario())
