"""The asyncio facade: ``AsyncCard`` and ``AsyncChannel`` over a blocking :class:`Card`.

Each call runs the blocking command-response sequence in a worker thread
(``asyncio.to_thread``), so the event loop never waits on the card. The Card's one lock still
guarantees a single sequence in flight, whichever tasks and threads share the card; tasks of one
AsyncCard additionally queue on an ``asyncio.Lock`` so they do not each occupy a worker thread
while they wait for the card.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Self, TypeVar

from cardwire.apdu import Command, Response
from cardwire.card import Card, CardCommands, ReadProgress
from cardwire.channels import Channel
from cardwire.sm.base import HostSecureSession

T = TypeVar("T")


class _AsyncCommands:
    """The async forms of the :class:`CardCommands` helpers."""

    def __init__(
        self, target: CardCommands, queue: asyncio.Lock, close: Callable[[], None]
    ) -> None:
        self._target = target
        self._queue = queue
        self._close = close

    async def close(self) -> None:
        await self._run(self._close)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _run(self, call: Callable[[], T]) -> T:
        async with self._queue:
            return await asyncio.to_thread(call)

    async def run(self, job: Callable[[CardCommands], T]) -> T:
        """Run ``job(card_or_channel)`` (several blocking calls) in a worker thread, in turn
        with the other tasks of this card. Each command inside still holds the card's lock."""
        return await self._run(lambda: job(self._target))

    async def send(self, command: Command, check: bool = True) -> Response:
        return await self._run(lambda: self._target.send(command, check))

    async def transmit(self, apdu: bytes) -> bytes:
        return await self._run(lambda: self._target.transmit(apdu))

    async def select(self, aid_or_fid: bytes, *, check: bool = True) -> Response:
        return await self._run(lambda: self._target.select(aid_or_fid, check=check))

    async def read_binary(
        self, offset: int = 0, length: int = 256, *, sfi: int | None = None
    ) -> bytes:
        return await self._run(lambda: self._target.read_binary(offset, length, sfi=sfi))

    async def read_file(
        self,
        *,
        sfi: int | None = None,
        chunk: int = 256,
        size: int | None = None,
        progress: ReadProgress | None = None,
    ) -> bytes:
        """``CardCommands.read_file``; ``progress`` is called in the worker thread."""
        return await self._run(
            lambda: self._target.read_file(sfi=sfi, chunk=chunk, size=size, progress=progress)
        )

    async def read_record(self, number: int, *, sfi: int | None = None, ne: int = 256) -> bytes:
        return await self._run(lambda: self._target.read_record(number, sfi=sfi, ne=ne))

    async def update_binary(self, offset: int, data: bytes, *, sfi: int | None = None) -> None:
        await self._run(lambda: self._target.update_binary(offset, data, sfi=sfi))

    async def verify(self, reference: int, pin: bytes | str, *, check: bool = True) -> Response:
        return await self._run(lambda: self._target.verify(reference, pin, check=check))

    async def pin_status(self, reference: int) -> Response:
        return await self._run(lambda: self._target.pin_status(reference))

    async def get_challenge(self, length: int = 8) -> bytes:
        return await self._run(lambda: self._target.get_challenge(length))

    async def secure(
        self, session: HostSecureSession | None, *, close_previous: bool = True
    ) -> None:
        """Install ``session`` (None removes it). The swap takes the card's lock, which a command
        may hold in a worker thread, so it waits its turn like any other call."""
        await self._run(lambda: self._target.secure(session, close_previous=close_previous))

    async def open_channel(self) -> AsyncChannel:
        channel = await self._run(self._target.open_channel)
        return AsyncChannel(channel, self._queue)


class AsyncChannel(_AsyncCommands):
    """A logical channel for asyncio tasks (see :class:`cardwire.channels.Channel`)."""

    def __init__(self, channel: Channel, queue: asyncio.Lock) -> None:
        super().__init__(channel, queue, channel.close)
        self.channel = channel

    @property
    def number(self) -> int:
        return self.channel.number


class AsyncCard(_AsyncCommands):
    """Wraps a :class:`Card` for asyncio; the Card may be used by threads at the same time."""

    def __init__(self, card: Card) -> None:
        super().__init__(card, asyncio.Lock(), card.close)
        self.card = card

    def wrap(self, channel: Channel) -> AsyncChannel:
        """An AsyncChannel for a channel opened with the blocking API."""
        return AsyncChannel(channel, self._queue)

    async def reset(self, cold: bool = False) -> bytes:
        return await self._run(lambda: self.card.reset(cold))
