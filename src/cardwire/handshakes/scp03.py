"""GlobalPlatform SCP03 over a card or logical channel (GP Card Spec v2.3 Amendment D 7.1).

:func:`open_scp03` sends INITIALIZE UPDATE and EXTERNAL AUTHENTICATE through
:class:`cardwire.sm.scp03.Scp03Handshake` on the card or channel it is given, installs the
host session there and returns it. Selecting the Security Domain
is the caller's job; the handshake runs in plain, so a session already installed on that channel
is removed first (INITIALIZE UPDATE ends it on the card too, GP Card Spec v2.3 10.2.3).
"""

from __future__ import annotations

import os
from typing import Protocol, TypeVar

from cardwire.apdu import Command, Response
from cardwire.card import CardCommands
from cardwire.errors import UsageError
from cardwire.sm.base import HostSecureSession, Rng
from cardwire.sm.scp03 import FULL_SECURITY, Mode, Scp03Handshake, Scp03HostSession, StaticKeys

SessionT_co = TypeVar("SessionT_co", bound=HostSecureSession, covariant=True)


class GpHostHandshake(Protocol[SessionT_co]):
    """The host side of an SCP02 or SCP03 handshake (cardwire.sm)."""

    def initialize_update(self) -> Command: ...

    def external_authenticate(self, response: Response) -> Command: ...

    def complete(self, response: Response) -> SessionT_co: ...


def fixed_challenge(host_challenge: bytes, length: int, where: str) -> Rng:
    """An rng that gives the caller's host challenge, once its length is checked."""
    if len(host_challenge) != length:
        raise UsageError(f"the host challenge is {length} bytes {where}")
    return lambda _n: host_challenge


def run_gp_handshake(card: CardCommands, handshake: GpHostHandshake[SessionT_co]) -> SessionT_co:
    """INITIALIZE UPDATE then EXTERNAL AUTHENTICATE in plain (a session already on the channel
    is removed first: INITIALIZE UPDATE ends it on the card, GP Card Spec 10.2.3), then the
    session is installed on ``card``."""
    card.secure(None)
    answer = card.send(handshake.initialize_update(), check=False)
    done = card.send(handshake.external_authenticate(answer), check=False)
    session = handshake.complete(done)
    card.secure(session)  # bound to card.number, the channel in its CLA (GPC 11.1.4)
    return session


def open_scp03(
    card: CardCommands,
    keys: StaticKeys,
    *,
    level: int = FULL_SECURITY,
    s16: bool = False,
    host_challenge: bytes | None = None,
    aid: bytes | None = None,
    rng: Rng = os.urandom,
    diversify: str | None = None,
) -> Scp03HostSession:
    """Run the SCP03 handshake on ``card`` (a Card or a Channel), install the session there
    and return it.

    ``host_challenge`` fixes the challenge (8 bytes, or 16 with ``s16``) instead of ``rng``;
    ``aid`` (the Security Domain's AID) is needed when the card uses a pseudo-random card
    challenge. ``diversify`` (``kdf3``) makes ``keys`` master keys, diversified with the card's
    key diversification data (``cardwire.sm.scp03.DIVERSIFICATION_SCHEMES``). Raises CryptogramError
    when the keys or key version are wrong, StatusError when the card refuses a command.
    """
    mode = Mode.S16 if s16 else Mode.S8
    if host_challenge is not None:
        rng = fixed_challenge(host_challenge, mode, f"in {mode.name} mode")
    handshake = Scp03Handshake(
        keys,
        level=level,
        mode=mode,
        channel=card.number,
        aid=aid,
        rng=rng,
        diversify=diversify,
    )
    return run_gp_handshake(card, handshake)


__all__ = ["open_scp03"]
