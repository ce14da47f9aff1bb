"""One layer stack per logical channel, top to bottom (docs/design.md):

    command chaining -> secure messaging slot -> GET RESPONSE on 61xx -> re-send on 6Cxx -> wire

(a protected command goes from the secure messaging slot to GET RESPONSE and the wire, without
the 6Cxx re-send).

The wire (the transport, with the trace recorder when tracing) is shared by every channel of a
card; the caller holds the card's lock around :meth:`LayerStack.exchange`.
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.layers.base import Exchanger
from cardwire.layers.chaining import ChainingLayer, LengthLimits
from cardwire.layers.get_response import DEFAULT_MAX_ROUNDS, GetResponseLayer
from cardwire.layers.secure_messaging import SecureMessagingLayer
from cardwire.layers.wrong_le import WrongLengthLayer
from cardwire.sm.base import HostSecureSession


class LayerStack:
    """The layers of one logical channel over a shared bottom exchanger."""

    def __init__(
        self,
        bottom: Exchanger,
        limits: LengthLimits,
        *,
        max_get_response_rounds: int = DEFAULT_MAX_ROUNDS,
    ) -> None:
        self.wrong_le = WrongLengthLayer(bottom)
        self.get_response = GetResponseLayer(self.wrong_le, max_get_response_rounds)
        # Protected commands (and their GET RESPONSE continuations) skip the 6Cxx layer: Ne is
        # inside the MAC (cardwire.layers.wrong_le).
        protected_path = GetResponseLayer(bottom, max_get_response_rounds)
        self.secure_messaging = SecureMessagingLayer(self.get_response, protected_path)
        self.chaining = ChainingLayer(self.secure_messaging, limits, self.secure_messaging)

    @property
    def plain(self) -> Exchanger:
        """The plain path below the secure-messaging slot (GET RESPONSE, 6Cxx, wire), for the
        commands the card OS answers in plain whatever the slot holds (MANAGE CHANNEL close)."""
        return self.get_response

    @property
    def session(self) -> HostSecureSession | None:
        return self.secure_messaging.session

    def secure(self, session: HostSecureSession | None, *, close_previous: bool = True) -> None:
        """Install ``session`` in this stack's secure-messaging slot (None empties it)."""
        self.secure_messaging.install(session, close_previous=close_previous)

    def end_secure_session(self) -> None:
        """End the session on the caller's request: the slot is plain again."""
        self.secure_messaging.end()

    def lose_secure_session(self, reason: str) -> None:
        """End the session without the caller asking: later commands raise SessionClosedError
        naming ``reason`` until a new session or ``secure(None)`` (fail closed, issue 15)."""
        self.secure_messaging.lose(reason)

    def forget_ended_session(self) -> None:
        """Before a new handshake: drop an ended or lost session (a live one stays)."""
        self.secure_messaging.forget_ended()

    def refuse_if_lost(self) -> None:
        """Raise SessionClosedError if this channel's session was lost."""
        self.secure_messaging.refuse_if_lost()

    @property
    def lost(self) -> str | None:
        """Why this channel's session was lost, or None."""
        return self.secure_messaging.lost

    def exchange(self, command: Command) -> Response:
        return self.chaining.exchange(command)
