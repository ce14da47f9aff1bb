"""GlobalPlatform SCP03 over a card or logical channel (GP Card Spec v2.3 Amendment D 7.1).

:func:`open_scp03` sends INITIALIZE UPDATE and EXTERNAL AUTHENTICATE through
:class:`cardwire.sm.scp03.Scp03Handshake` on the card or channel it is given, installs the
host session there and returns it. Selecting the Security Domain
is the caller's job; the handshake runs in plain, so a session already installed on that channel
is removed first (INITIALIZE UPDATE ends it on the card too, GP Card Spec v2.3 10.2.3).
"""

from __future__ import annotations

import os

from cardwire.card import CardCommands
from cardwire.errors import UsageError
from cardwire.sm.base import Rng
from cardwire.sm.scp03 import FULL_SECURITY, Mode, Scp03Handshake, Scp03HostSession, StaticKeys


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
        if len(host_challenge) != mode:
            raise UsageError(f"the host challenge is {int(mode)} bytes in {mode.name} mode")
        fixed = host_challenge
        rng = lambda _n: fixed  # noqa: E731 - the injected challenge
    handshake = Scp03Handshake(
        keys,
        level=level,
        mode=mode,
        channel=card.number,
        aid=aid,
        rng=rng,
        diversify=diversify,
    )
    card.secure(None)
    answer = card.send(handshake.initialize_update(), check=False)
    done = card.send(handshake.external_authenticate(answer), check=False)
    session = handshake.complete(done)
    card.secure(session)  # bound to card.number, the channel in its CLA (GPC 11.1.4)
    return session


__all__ = ["open_scp03"]
