"""The secure-messaging slot: empty until a secure session is installed.

With a session installed, every command is protected by the session and every (already
reassembled) response unprotected by it. The layers below see only protected commands, except
for the GET RESPONSE continuations, which travel unprotected (ISO/IEC 7816-4 section 10 and
ICAO Doc 9303-11 9.8: the whole answer is unwrapped once). The 6Cxx layer stays out under secure
messaging because Ne is part of the authenticated command.
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.layers.base import Exchanger
from cardwire.layers.wrong_le import WrongLengthLayer
from cardwire.sm.base import HostSecureSession


class SecureMessagingLayer:
    """Holds at most one :class:`HostSecureSession` and applies it to every exchange."""

    def __init__(self, lower: Exchanger, wrong_le: WrongLengthLayer | None = None) -> None:
        self.lower = lower
        self.wrong_le = wrong_le
        self.session: HostSecureSession | None = None

    def install(self, session: HostSecureSession | None, *, close_previous: bool = True) -> None:
        """Use ``session`` from now on (``None`` empties the slot); ends the previous one unless
        ``close_previous`` is False (the new session wraps and owns it)."""
        if close_previous and self.session is not None and self.session is not session:
            self.session.close()
        self.session = session

    def end(self) -> None:
        """End the installed session, if any, and empty the slot."""
        self.install(None)

    @property
    def max_payload(self) -> int | None:
        """The largest plain data one protected APDU carries, or None without a session."""
        return None if self.session is None else self.session.max_payload

    def exchange(self, command: Command) -> Response:
        session = self.session
        if session is None:
            return self.lower.exchange(command)
        # protect() raises SessionClosedError once the session has ended (cardwire.sm.base).
        protected = session.protect(command)
        if self.wrong_le is None:
            response = self.lower.exchange(protected)
        else:
            with self.wrong_le.stay_out():
                response = self.lower.exchange(protected)
        return session.unprotect(response)
