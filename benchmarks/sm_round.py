"""cardwire's contender in the secure-messaging round rows (ISO SM, SCP03, Keycard).

A round: the host protects a command and unprotects the card's answer. The card's protected
answers are computed once with cardwire's card side and kept (:class:`RoundScript`); each timed
batch starts a fresh host session in the same state, so the same answers verify again (a host
in another state would fail on the first MAC).
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.harness import Batch, Contender, Role
from cardwire.apdu import Command, Response
from cardwire.sm.base import CardSecureSession, HostSecureSession

NewHost = Callable[[], HostSecureSession]


class RoundScript:
    """One plain command, the card's plain answer, and the protected answers of one session."""

    def __init__(
        self,
        command: Command,
        answer: Response,
        host: HostSecureSession,
        card: CardSecureSession,
    ) -> None:
        self.command = command
        self.answer = answer
        self._host = host
        self._card = card
        self.responses: list[Response] = []

    def upto(self, count: int) -> list[Response]:
        """The card's first ``count`` protected answers, computed on demand and kept."""
        while len(self.responses) < count:
            self._card.unwrap(self._host.protect(self.command))
            response = self._card.wrap(self.answer)
            self._host.unprotect(response)
            self.responses.append(response)
        return self.responses[:count]


def cardwire_round(script: RoundScript, new_host: NewHost) -> Contender:
    """``items`` rounds of a host from ``new_host()`` (outside the timing) over the kept answers."""

    def prepare(items: int) -> Batch:
        responses = script.upto(items)
        host = new_host()
        command = script.command
        protect, unprotect = host.protect, host.unprotect

        def batch() -> None:
            for response in responses:
                protect(command)
                unprotect(response)

        return batch

    return Contender(Role.CARDWIRE, "cardwire", prepare)
