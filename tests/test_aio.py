"""AsyncCard / AsyncChannel: the Card for asyncio tasks, one sequence in flight."""

from __future__ import annotations

import asyncio

import pytest

from cardwire import commands
from cardwire.aio import AsyncCard
from cardwire.card import Card
from cardwire.errors import StatusError
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
