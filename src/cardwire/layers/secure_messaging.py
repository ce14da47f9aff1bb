"""The secure-messaging slot: empty until a secure session is installed.

With a session installed, every command is protected by the session and every (already
reassembled) response unprotected by it. The layers below see only protected commands, except
for the GET RESPONSE continuations, which travel unprotected (ISO/IEC 7816-4 section 10 and
ICAO Doc 9303-11 9.8: the whole answer is unwrapped once). Protected commands go down a path
without the 6Cxx layer (``protected_lower``), because Ne is part of the authenticated command
(cardwire.layers.wrong_le).

Fail closed (issue 15). The slot is in one of three states: empty (plain), a session installed,
or *lost*: a session was installed and ended without the caller asking for it. A failure of the
layers below after a command was protected (a TransportError, a timeout, any other exception)
ends the session: the host cannot know whether the card received and ran the command, so the two
sides' counters or chaining values may differ (ICAO Doc 9303-11 9.8: the SSC advances with each
command and each response; GlobalPlatform Amendment D 6.2.4: the MAC chaining value). The slot
then becomes *lost* with the reason, and every later command raises SessionClosedError naming
that reason, before a byte reaches the wire: it never falls back to plain. The card's removal or
reset (:meth:`lose`, called by the Card) does the same. Only the caller leaves the lost state:
``install(new session)`` (a new handshake) or ``install(None)`` (``secure(None)``: continue in
plain on purpose). A failure of ``unprotect`` ends the session inside the codec
(cardwire.sm.base); that ended session stays in the slot, with the same effect.

SELECT by AID (cardwire.sm.selection, the table in docs/secure-messaging.md). A session whose
scope is ``SELECTION`` (SCP03, Keycard) does not protect it: the SELECT goes out plain, as the
card expects it (GP Card Spec v2.3 10.2.3: SELECT is CLA 00, never wrapped), and the slot
becomes *lost* before it is sent: the SELECT deselects the application holding the session, so
every later command raises SessionClosedError saying so. PACE (``CHIP``) and BAC or counter
mode (``APPLICATION``) protect it like any command and expect a protected answer.
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.errors import (
    CardRemovedError,
    SessionClosedError,
    TransportError,
    TransportTimeoutError,
)
from cardwire.layers.base import Exchanger
from cardwire.sm.base import HostSecureSession
from cardwire.sm.selection import (
    SELECTION_ENDED,
    host_sends_plain_and_ends,
    is_application_select,
)

_AFTERWARDS = "establish a new secure session, or call secure(None) to continue in plain"


def loss_reason(error: BaseException) -> str:
    """Why a session ended, in words, for an exception raised during its exchange."""
    if isinstance(error, TransportTimeoutError):
        return f"the card did not answer in time ({error})"
    if isinstance(error, CardRemovedError):
        return f"the card was reset or removed ({error})"
    if isinstance(error, TransportError):
        return f"a transport error ({error})"
    return f"an error during the exchange ({type(error).__name__}: {error})"


class SecureMessagingLayer:
    """Holds at most one :class:`HostSecureSession` and applies it to every exchange."""

    def __init__(self, lower: Exchanger, protected_lower: Exchanger | None = None) -> None:
        """Plain commands (empty slot) go to ``lower``, protected ones to ``protected_lower``
        (by default ``lower`` too)."""
        self.lower = lower
        self.protected_lower = lower if protected_lower is None else protected_lower
        self.session: HostSecureSession | None = None
        self.lost: str | None = None
        """Why the last session ended without the caller's say-so (None: not lost)."""

    def install(self, session: HostSecureSession | None, *, close_previous: bool = True) -> None:
        """Use ``session`` from now on (``None`` empties the slot); ends the previous one unless
        ``close_previous`` is False (the new session wraps and owns it). Leaves the lost state:
        this is the caller's explicit choice."""
        if close_previous and self.session is not None and self.session is not session:
            self.session.close()
        self.session = session
        self.lost = None

    def end(self) -> None:
        """End the installed session, if any, and empty the slot (the caller's choice)."""
        self.install(None)

    def lose(self, reason: str) -> None:
        """End the session without the caller asking (reset, removal, transport failure): the
        slot stays closed, every later command raises SessionClosedError naming ``reason``.
        A slot that held no session stays plain; a slot already lost keeps its first reason."""
        session = self.session
        if session is None:
            return
        session.close()
        self.session = None
        self.lost = reason

    def forget_ended(self) -> None:
        """Before a new handshake: empty the slot if its session has ended or was lost (the
        handshake replaces it); a live session stays, and the handshake runs inside it."""
        if self.session is None or not self.session.active:
            self.install(None)

    def refuse_if_lost(self) -> None:
        """Raise SessionClosedError (naming why) if the slot is lost."""
        if self.lost is not None:
            raise SessionClosedError(f"the secure session ended: {self.lost}; {_AFTERWARDS}")

    @property
    def max_payload(self) -> int | None:
        """The largest plain data one protected APDU carries, or None without a session."""
        return None if self.session is None else self.session.max_payload

    def exchange(self, command: Command) -> Response:
        session = self.session
        if session is None:
            self.refuse_if_lost()  # never plain after a lost session
            return self.lower.exchange(command)
        if session.active and is_application_select(command) and host_sends_plain_and_ends(session):
            # GP Card Spec v2.3 10.2.3 / Keycard docs: sent plain, and it ends the session.
            self.lose(SELECTION_ENDED)
            return self.lower.exchange(command)
        # protect() raises SessionClosedError once the session has ended (cardwire.sm.base).
        protected = session.protect(command)
        try:
            response = self.protected_lower.exchange(protected)
        except BaseException as error:
            # The card may or may not have run the command: the counters can no longer be
            # trusted to agree, so the session ends here (see the module docstring).
            if self.session is session:
                self.lose(loss_reason(error))
            else:
                session.close()
            raise
        return session.unprotect(response)
