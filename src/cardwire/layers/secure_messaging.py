"""The secure-messaging slot: empty until a secure session is installed.

With a session installed, every command is protected by the session and every (already
reassembled) response unprotected by it. The layers below see only protected commands, except
for the GET RESPONSE continuations, which travel unprotected (ISO/IEC 7816-4 section 10 and
ICAO Doc 9303-11 9.8: the whole answer is unwrapped once). Protected commands go down a path
without the 6Cxx layer (``protected_lower``), because Ne is part of the authenticated command
(cardwire.layers.wrong_le).

Errors: a failure of the layers below after a command was protected (a TransportError, or any
other exception) ends the session: it is closed, the slot emptied, and the error re-raised. The
host cannot know whether the card received and ran the command, so the two sides' counters or
chaining values may differ (ICAO Doc 9303-11 9.8: the SSC advances with each command and each
response; GlobalPlatform Amendment D 6.2.4: the MAC chaining value); a new secure session must be
established. A failure of ``unprotect`` ends the session inside the codec (cardwire.sm.base);
that ended session stays in the slot, so later commands raise SessionClosedError until the
caller installs another session or empties the slot.
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.layers.base import Exchanger
from cardwire.sm.base import HostSecureSession


class SecureMessagingLayer:
    """Holds at most one :class:`HostSecureSession` and applies it to every exchange."""

    def __init__(self, lower: Exchanger, protected_lower: Exchanger | None = None) -> None:
        """Plain commands (empty slot) go to ``lower``, protected ones to ``protected_lower``
        (by default ``lower`` too)."""
        self.lower = lower
        self.protected_lower = lower if protected_lower is None else protected_lower
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
        try:
            response = self.protected_lower.exchange(protected)
        except BaseException:
            # The card may or may not have run the command: the counters can no longer be
            # trusted to agree, so the session ends here (see the module docstring).
            self._abandon(session)
            raise
        return session.unprotect(response)

    def _abandon(self, session: HostSecureSession) -> None:
        session.close()
        if self.session is session:
            self.session = None
