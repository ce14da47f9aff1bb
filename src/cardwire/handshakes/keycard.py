"""The host-side Keycard exchanges over a card session: SELECT, PAIR, OPEN SECURE CHANNEL with
MUTUALLY AUTHENTICATE, UNPAIR."""

from __future__ import annotations

import os

from cardwire.apdu import MAX_SHORT_NE
from cardwire.card import CardCommands
from cardwire.sm.base import Rng
from cardwire.sm.keycard.application_info import ApplicationInfo
from cardwire.sm.keycard.constants import KEYCARD_AID
from cardwire.sm.keycard.host import KeycardSession, OpenSecureChannel
from cardwire.sm.keycard.pairing import Pairing, PairingHandshake, unpair_command


def select_keycard(card: CardCommands, aid: bytes = KEYCARD_AID) -> ApplicationInfo:
    """SELECT the Keycard applet (ends any channel open with it) and decode its answer."""
    from cardwire.commands import select_by_aid

    card.secure(None)
    response = card.send(select_by_aid(aid, ne=MAX_SHORT_NE))
    return ApplicationInfo.decode(response.data)


def pair(card: CardCommands, secret: bytes, *, rng: Rng = os.urandom, mode: int = 0) -> Pairing:
    """PAIR in two steps with a 32-byte secret (see :func:`pairing_secret` for a password)."""
    handshake = PairingHandshake(secret, rng=rng, mode=mode)
    first = card.send(handshake.first_command(), check=False)
    final = card.send(handshake.final_command(first), check=False)
    return handshake.finish(final)


def open_keycard(
    card: CardCommands, pairing: Pairing, card_public_key: bytes, *, rng: Rng = os.urandom
) -> KeycardSession:
    """OPEN SECURE CHANNEL and MUTUALLY AUTHENTICATE; the session is left installed on ``card``."""
    card.secure(None)
    opener = OpenSecureChannel(pairing, card_public_key, rng=rng)
    session = opener.session(card.send(opener.command(), check=False))
    card.secure(session)
    try:
        answer = card.send(opener.mutual_authentication_command(), check=False)
        opener.check_mutual_authentication(answer)
    except BaseException:
        card.secure(None)
        raise
    return session


def unpair(card: CardCommands, index: int) -> None:
    """UNPAIR ``index`` through the open channel (the PIN must have been verified)."""
    card.send(unpair_command(index))
