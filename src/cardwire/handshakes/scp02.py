"""GlobalPlatform SCP02 over a card or logical channel (GP Card Spec v2.3.1 Annex E).

:func:`open_scp02` sends INITIALIZE UPDATE and EXTERNAL AUTHENTICATE through
:class:`cardwire.sm.scp02.Scp02Handshake` on the card or channel it is given, installs the host
session there and returns it (the one handshake shape, docs/design.md). Selecting the Security
Domain is the caller's job.
"""

from __future__ import annotations

import os

from cardwire.card import CardCommands
from cardwire.handshakes.scp03 import fixed_challenge, run_gp_handshake
from cardwire.sm.base import Rng
from cardwire.sm.scp02 import I_15, Scp02Handshake, Scp02HostSession, StaticKeys


def open_scp02(
    card: CardCommands,
    keys: StaticKeys,
    *,
    level: int = 0x01,
    option: int = I_15,
    host_challenge: bytes | None = None,
    aid: bytes | None = None,
    rng: Rng = os.urandom,
    diversify: str | None = None,
) -> Scp02HostSession:
    """Run the SCP02 handshake on ``card`` (a Card or a Channel), install the session there
    and return it.

    ``option`` is the card's "i" parameter (15 or 55; the card does not announce it in its
    answer); with 55 ``aid`` checks the pseudo-random card challenge. ``diversify`` (``emv``,
    ``visa2``) makes ``keys`` master keys, diversified with the card's key diversification
    data (``cardwire.sm.scp02.diversification``). Raises CryptogramError
    when the keys or key version are wrong, StatusError when the card refuses a command.
    """
    if host_challenge is not None:
        rng = fixed_challenge(host_challenge, 8, "in SCP02")
    handshake = Scp02Handshake(
        keys,
        level=level,
        option=option,
        channel=card.number,
        aid=aid,
        rng=rng,
        diversify=diversify,
    )
    return run_gp_handshake(card, handshake)


__all__ = ["open_scp02"]
