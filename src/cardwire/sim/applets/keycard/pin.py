"""The Keycard applet's credential commands: GET STATUS, VERIFY PIN, CHANGE PIN (PIN, PUK,
pairing secret), UNBLOCK PIN (Keycard docs, keycard.tech/docs/apdu)."""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.crypto.bip32 import encode_path
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.keycard.settings import (
    CHANGE_PAIRING_SECRET,
    CHANGE_PIN,
    CHANGE_PUK,
    GET_STATUS_APPLICATION,
    GET_STATUS_KEY_PATH,
    PIN_LENGTH,
    PUK_LENGTH,
    TAG_APPLICATION_STATUS,
    TAG_BOOLEAN,
    is_digits,
)
from cardwire.sim.applets.keycard.state import KeycardState
from cardwire.sim.pin import ReferenceData, tries_left_sw
from cardwire.sm.keycard import SECRET_LENGTH, TAG_INTEGER
from cardwire.sw import SW
from cardwire.tlv import tlv


def get_status(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_channel(ctx)
    if command.p1 == GET_STATUS_KEY_PATH:  # Keycard docs, GET STATUS P1 01: the current path
        return Response(encode_path(applet.key_path))
    if command.p1 != GET_STATUS_APPLICATION:
        raise CardStatus(SW.INCORRECT_P1_P2)
    body = (
        tlv(TAG_INTEGER, bytes((applet.pin.tries_left,)))
        + tlv(TAG_INTEGER, bytes((applet.puk.tries_left,)))
        + tlv(TAG_BOOLEAN, b"\xff" if applet.master is not None else b"\x00")
    )
    return Response(tlv(TAG_APPLICATION_STATUS, body))


def verify_pin(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_channel(ctx)
    applet.channel_state(ctx).pin_verified = False
    check(applet.pin, command.data, ctx)
    applet.channel_state(ctx).pin_verified = True
    return Response()


def check(reference: ReferenceData, candidate: bytes, ctx: ChannelContext) -> None:
    # Keycard docs, VERIFY PIN: 63CX with X tries left; a blocked PIN answers 63C0. The
    # counter is decremented and committed before the comparison (sim.pin rules).
    try:
        reference.check(candidate, ctx.card.commit)
    except CardStatus as status:
        if status.sw == SW.AUTHENTICATION_METHOD_BLOCKED:
            raise CardStatus(tries_left_sw(0)) from None
        raise


def change_pin(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_pin(ctx)
    data = command.data
    if command.p1 == CHANGE_PIN:
        if not is_digits(data, PIN_LENGTH):
            raise CardStatus(SW.INCORRECT_DATA)
        applet.pin.set_value(data)
        applet.pin.reset_counter()
    elif command.p1 == CHANGE_PUK:
        if not is_digits(data, PUK_LENGTH):
            raise CardStatus(SW.INCORRECT_DATA)
        applet.puk.set_value(data)
        applet.puk.reset_counter()
    elif command.p1 == CHANGE_PAIRING_SECRET:
        if len(data) != SECRET_LENGTH:
            raise CardStatus(SW.INCORRECT_DATA)
        applet.secret = data
    else:
        raise CardStatus(SW.INCORRECT_P1_P2)
    ctx.card.commit()
    return Response()


def unblock_pin(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_channel(ctx)
    if not applet.pin.blocked:  # Keycard docs, UNBLOCK PIN: 6985 if the PIN is not blocked
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    data = command.data
    if len(data) != PUK_LENGTH + PIN_LENGTH or not is_digits(data[PUK_LENGTH:], PIN_LENGTH):
        raise CardStatus(SW.INCORRECT_DATA)
    check(applet.puk, data[:PUK_LENGTH], ctx)
    applet.pin.set_value(data[PUK_LENGTH:])
    applet.pin.reset_counter()
    ctx.card.commit()
    applet.channel_state(ctx).pin_verified = True
    return Response()
