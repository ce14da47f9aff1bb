"""Rebuild a recorded SCP03 session from its handshake, for trace decoding."""

from __future__ import annotations

import hmac

from cardwire.apdu import Command, Response
from cardwire.cla import channel_of
from cardwire.errors import DecodeError, MacError, UsageError
from cardwire.sm.scp03.host import Scp03Handshake
from cardwire.sm.scp03.keys import StaticKeys
from cardwire.sm.scp03.sessions import Scp03Observer
from cardwire.sm.scp03_levels import Mode, security_level


def observe(
    keys: StaticKeys,
    initialize_update: Command,
    card_answer: Response,
    external_authenticate: Command,
    aid: bytes | None = None,
    *,
    check_challenge: bool = True,
    keep_going: bool = False,
    diversify: str | None = None,
) -> Scp03Observer:
    """Rebuild a recorded session from its handshake (trace decoding): the card cryptogram, the
    pseudo-random challenge (``aid`` needed then) and the recorded EXTERNAL AUTHENTICATE (host
    cryptogram and C-MAC) are all checked; raises CryptogramError or MacError otherwise.

    - ``check_challenge=False``: a pseudo-random card challenge is not checked (no ``aid``
      needed); the card cryptogram still is, and it covers the card challenge.
    - ``keep_going=True``: a failed C-MAC or R-MAC raises for that exchange only; the session
      stays open and decodes the exchanges after it (see
      ``Scp03Channel.keep_going_after_failures`` for how the chaining value moves on).
    - ``diversify``: ``keys`` are master keys diversified with the card's diversification data
      (``cardwire.sm.scp03.diversification``).
    """
    if initialize_update.nc not in (Mode.S8, Mode.S16):
        raise DecodeError(f"host challenge of {initialize_update.nc} bytes is neither S8 nor S16")
    try:
        level = security_level(external_authenticate.p1)
    except UsageError:
        raise DecodeError(f"EXTERNAL AUTHENTICATE P1 {external_authenticate.p1:02X}", 2) from None
    challenge = initialize_update.data
    handshake = Scp03Handshake(
        StaticKeys(keys.enc, keys.mac, keys.dek, initialize_update.p1),
        level=level,
        mode=Mode(initialize_update.nc),
        channel=channel_of(initialize_update.cla) or 0,
        aid=aid,
        rng=lambda _n: challenge,
        diversify=diversify,
        check_challenge=check_challenge,
    )
    handshake.initialize_update()
    expected = handshake.external_authenticate(card_answer)
    if not hmac.compare_digest(expected.encode(), external_authenticate.encode()):
        raise MacError("the recorded EXTERNAL AUTHENTICATE does not match the derived one")
    channel = handshake._take_channel()
    if keep_going:
        channel.keep_going_after_failures()
    return Scp03Observer(channel)
