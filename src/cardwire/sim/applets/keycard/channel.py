"""The Keycard applet's secure-channel commands: PAIR, OPEN SECURE CHANNEL, MUTUALLY
AUTHENTICATE, UNPAIR (Keycard docs, keycard.tech/docs/apdu; docs/keycard.md)."""

from __future__ import annotations

import hashlib
import hmac

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.keycard.settings import PAIRING_MODES
from cardwire.sim.applets.keycard.state import KeycardState
from cardwire.sm.keycard import (
    CHALLENGE_LENGTH,
    IV_LENGTH,
    PAIR_FINAL_STEP,
    PAIR_FIRST_STEP,
    SALT_LENGTH,
    KeycardCardSession,
    derive_session_keys,
)
from cardwire.sw import SW


def pair(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_initialized()
    state = applet.channel_state(ctx)
    if applet.session(ctx) is not None:  # Keycard docs, PAIR: 6985 if a channel is open
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    if command.p1 == PAIR_FIRST_STEP:
        if command.p2 not in PAIRING_MODES:
            raise CardStatus(SW.INCORRECT_P1_P2)
        if len(command.data) != CHALLENGE_LENGTH:
            raise CardStatus(SW.INCORRECT_DATA)
        card_challenge = ctx.card.random(CHALLENGE_LENGTH)
        state.pair_challenge = card_challenge
        cryptogram = hashlib.sha256(applet.secret + command.data).digest()
        return Response(cryptogram + card_challenge)
    challenge, state.pair_challenge = state.pair_challenge, None
    if command.p1 != PAIR_FINAL_STEP or challenge is None:
        raise CardStatus(SW.INCORRECT_P1_P2)  # Keycard docs: 6A86, also without step 1
    if len(command.data) != CHALLENGE_LENGTH:
        raise CardStatus(SW.INCORRECT_DATA)
    expected = hashlib.sha256(applet.secret + challenge).digest()
    if not hmac.compare_digest(command.data, expected):
        raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
    free = next((i for i, slot in enumerate(applet.slots) if slot is None), None)
    if free is None:
        raise CardStatus(SW.NOT_ENOUGH_MEMORY)  # 6A84: every pairing slot is taken
    salt = ctx.card.random(SALT_LENGTH)
    applet.slots[free] = hashlib.sha256(applet.secret + salt).digest()
    ctx.card.commit()
    return Response(bytes((free,)) + salt)


def open_secure_channel(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_initialized()
    # Keycard docs, OPEN SECURE CHANNEL: a new channel replaces any open one.
    ctx.end_secure_session()
    applet.channel_state(ctx).pin_verified = False
    if command.p1 >= len(applet.slots) or applet.slots[command.p1] is None:
        raise CardStatus(SW.INCORRECT_P1_P2)
    pairing_key = applet.slots[command.p1]
    assert pairing_key is not None
    try:
        shared = applet.identity(ctx).shared_secret(command.data)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None
    salt = ctx.card.random(SALT_LENGTH)
    iv = ctx.card.random(IV_LENGTH)
    keys = derive_session_keys(shared, pairing_key, salt)
    ctx.secure_session = KeycardCardSession(keys, iv)
    return Response(salt + iv)


def mutually_authenticate(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    session = applet.session(ctx)
    if not ctx.secured or session is None or session.authenticated:
        # Keycard docs, MUTUALLY AUTHENTICATE: 6985 without a fresh channel.
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    if len(command.data) != CHALLENGE_LENGTH:
        ctx.end_secure_session()
        raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
    session.authenticated = True
    return Response(ctx.card.random(CHALLENGE_LENGTH))


def unpair(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_pin(ctx)
    if command.p1 >= len(applet.slots):  # Keycard docs, UNPAIR: 6A86 for an invalid index
        raise CardStatus(SW.INCORRECT_P1_P2)
    applet.slots[command.p1] = None
    ctx.card.commit()
    return Response()
