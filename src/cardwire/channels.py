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
from cardwire.errors import DecodeError, UsageError
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
        self.stack = stack
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"Channel({self.number}, {state})"

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise UsageError(f"logical channel {self.number} is closed")

    def on_channel(self, command: Command) -> Command:
        """``command`` with this channel's number in its class byte."""
        cla = with_channel(command.cla, self.number)
        return command if cla == command.cla else command.replace(cla=cla)

    def send(self, command: Command, check: bool = True) -> Response:
        self._check_open()
        return self.card.send_on(self.stack, self.on_channel(command), check)

    def transmit(self, apdu: bytes) -> bytes:
        self._check_open()
        return self.card.transmit(apdu)

    def secure(self, session: HostSecureSession | None, *, close_previous: bool = True) -> None:
        self._check_open()
        with self.card.lock:  # not in the middle of a sequence of this channel (Card.secure)
            self.stack.secure(session, close_previous=close_previous)

    def open_channel(self) -> Channel:
        self._check_open()
        return self.card.open_channel_from(self)

    def close(self) -> None:
        """Send MANAGE CHANNEL close on this channel and forget it. Idempotent.

        The channel's secure session ends first: closing a channel ends its security status on
        the card (ISO/IEC 7816-4:2020 5.4.2), and the card OS answers MANAGE CHANNEL in plain.
        """
        if self._closed:
            return
        self.secure(None)
        self.send(commands.manage_channel_close(self.number, origin=self.number))
        self.forget()

    def forget(self) -> None:
        """End the secure session and mark the channel closed without telling the card."""
        with self.card.lock:
            self.stack.end_secure_session()
            self._closed = True
        self.card.unregister(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
