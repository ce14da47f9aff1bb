"""Logical channels on the host: MANAGE CHANNEL and the Channel object.

ISO/IEC 7816-4 5.4.2 and the MANAGE CHANNEL command (INS 70): P1 = 00 opens a channel (P2 = 00:
the card assigns the number and answers it in one byte), P1 = 80 closes the channel named in P2
(or in CLA). Each channel has its own current application, files, security status and secure
session on the card, so each host-side Channel has its own layer stack with its own secure-
messaging slot. Responses carry no channel number (ISO/IEC 7816-4 5.4.2): the Card's
one lock keeps a whole command-response sequence of any channel alone on the wire.
"""

from __future__ import annotations

from typing import Self

from cardwire import commands
from cardwire.apdu import Command, Response
from cardwire.card import Card, CardCommands
from cardwire.cla import MAX_CHANNEL, with_channel
from cardwire.errors import DecodeError, SessionClosedError, UsageError
from cardwire.layers.stack import LayerStack
from cardwire.sm.base import HostSecureSession


def assigned_channel(response: Response) -> int:
    """The channel number a card assigned in its MANAGE CHANNEL open answer (one byte, 1-19)."""
    if len(response.data) != 1:
        raise DecodeError(
            f"MANAGE CHANNEL open should answer one byte, got {len(response.data)}", 0
        )
    number = response.data[0]
    if not 1 <= number <= MAX_CHANNEL:
        raise DecodeError(f"the card assigned channel {number}, outside 1-{MAX_CHANNEL}", 0)
    return number


class Channel(CardCommands):
    """A logical channel other than the basic one, with the same API as :class:`Card`.

    Every command sent here gets this channel's number in its CLA (``cla.with_channel``).
    """

    def __init__(self, card: Card, number: int, stack: LayerStack) -> None:
        self.card = card
        self.number = number
        self._stack = stack
        self._closed = False  # only changed under the card's lock

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"Channel({self.number}, {state})"

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        """Refuse a closed (or closing) channel; the caller holds the card's lock. A channel
        that had a secure session raises SessionClosedError, one in plain UsageError."""
        if self._closed:
            if self._stack.lost is not None:
                raise SessionClosedError(
                    f"logical channel {self.number} is closed; its secure session ended: "
                    f"{self._stack.lost}"
                )
            raise UsageError(f"logical channel {self.number} is closed")

    def on_channel(self, command: Command) -> Command:
        """``command`` with this channel's number in its class byte."""
        cla = with_channel(command.cla, self.number)
        return command if cla == command.cla else command.replace(cla=cla)

    def send(self, command: Command | bytes, check: bool = True) -> Response:
        # The open check runs under the lock of the exchange: a close() from another thread is
        # either wholly before it (refused) or wholly after it.
        return self.card._send_on(
            self._stack, self.on_channel(self._as_command(command)), check, self._check_open
        )

    def transmit(self, apdu: bytes) -> bytes:
        with self.card._lock:
            self._check_open()
            return self.card._transmit_on(self._stack, apdu)

    def secure(self, session: HostSecureSession | None, *, close_previous: bool = True) -> None:
        with self.card._lock:  # not in the middle of a sequence of this channel (Card.secure)
            self._check_open()
            self._install(session, close_previous)

    def forget_ended_session(self) -> None:
        with self.card._lock:
            self._check_open()
            self._stack.forget_ended_session()

    def open_channel(self) -> Channel:
        with self.card._lock:
            self._check_open()
            return self.card._open_channel_from(self)

    def close(self) -> None:
        """Send MANAGE CHANNEL close on this channel and forget it. Idempotent.

        One critical section under the card's lock (issue 15): the secure session ends and the
        channel is marked closed first, so no command of another thread can follow in plain or
        land on the number once the card frees it; then MANAGE CHANNEL close goes out in plain
        (the card OS answers it in plain; closing a channel ends its security status on the
        card, ISO/IEC 7816-4:2020 5.4.2), and the channel leaves the card's registry before the
        lock is released. If the close fails, the channel is forgotten all the same.
        """
        with self.card._lock:
            if self._closed:
                return
            self.forget(f"logical channel {self.number} was closed")
            command = commands.manage_channel_close(self.number, origin=self.number)
            # The plain path below the secure-messaging slot: the slot is closed by now.
            self.card._send_on(self._stack, command, True, exchanger=self._stack.plain)

    def forget(self, reason: str = "the channel was forgotten") -> None:
        """End the secure session and mark the channel closed without telling the card; a
        session it had is reported as ended by ``reason`` on later use."""
        with self.card._lock:
            self._stack.lose_secure_session(reason)
            self._closed = True
            self.card._unregister(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
