"""The one interface between cardwire and a card: bytes in, bytes out.

A plain card, a card behind PC/SC, the simulated card in the same process, a recorded trace:
each is a :class:`Transport`. Layers (chaining, secure messaging, GET RESPONSE, tracing) wrap
a transport and work on ``Command``/``Response`` values above it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cardwire.errors import TransportError


@runtime_checkable
class Transport(Protocol):
    """A connection to one card.

    ``transmit`` sends one command APDU and returns the response APDU (data ‖ SW1 SW2). It
    raises :class:`cardwire.errors.TransportError` (or a subclass) when the card cannot be
    reached; it never interprets status words.
    """

    @property
    def atr(self) -> bytes:
        """The card's answer to reset, as last received."""
        ...

    @property
    def name(self) -> str:
        """A human-readable name for the reader or card (shown in traces)."""
        ...

    def transmit(self, apdu: bytes) -> bytes:
        """Send one command APDU, return the response APDU."""
        ...

    def reset(self, cold: bool = False) -> bytes:
        """Reset the card (warm unless ``cold``); return the new ATR."""
        ...

    def close(self) -> None:
        """Release the card and the reader. Idempotent."""
        ...


class LocalTransport:
    """What the transports with nothing to release share (the simulated card in the same
    process, a recorded trace): a ``name`` and a closed flag. After :meth:`close` every
    ``transmit`` and ``reset`` raises :class:`TransportError`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise TransportError(f"{self.name}: the transport is closed")

    def close(self) -> None:
        """Make every later call a TransportError. Idempotent."""
        self._closed = True
