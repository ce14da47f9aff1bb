"""What every secure-messaging codec offers to the layers above and below it.

Codecs are sans-IO: they take a plain ``Command`` and give the protected one, take the protected
``Response`` and give the plain one, and keep their own state (counters, chaining values, IVs).
They never touch a transport, a clock or the OS random generator; randomness is injected.

Any verification failure raises :class:`cardwire.errors.SecureChannelError` and *ends* the
session: every later call raises :class:`cardwire.errors.SessionClosedError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from cardwire.apdu import Command, Response

Rng = Callable[[int], bytes]
"""Randomness source: ``rng(n)`` returns ``n`` random bytes (``os.urandom`` by default)."""


class HostSecureSession(Protocol):
    """Host side of an established secure channel."""

    @property
    def active(self) -> bool:
        """False once the session has ended (error, close, reset, deselect)."""
        ...

    @property
    def max_payload(self) -> int:
        """The largest plain command data that fits one protected short APDU."""
        ...

    def protect(self, command: Command) -> Command:
        """Protect a plain command for the wire."""
        ...

    def unprotect(self, response: Response) -> Response:
        """Verify and decrypt a protected response; raises SecureChannelError and ends the
        session on any failure."""
        ...

    def close(self) -> None:
        """End the session and drop its keys."""
        ...


class CardSecureSession(Protocol):
    """Card side of an established secure channel (used by the simulated card)."""

    @property
    def active(self) -> bool: ...

    def unwrap(self, command: Command) -> Command:
        """Verify and decrypt a protected command; raises SecureChannelError and ends the
        session on any failure."""
        ...

    def wrap(self, response: Response) -> Response:
        """Protect a plain response for the wire."""
        ...

    def close(self) -> None: ...
