"""VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER in the file-system applet
(ISO/IEC 7816-4:2020 11.5.6, 11.5.7, 11.5.10)."""

from __future__ import annotations

from collections.abc import Mapping

from cardwire.apdu import Command, Response
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.filesystem.state import ChannelState
from cardwire.sim.pin import ReferenceData
from cardwire.sw import SW

Pins = Mapping[int, ReferenceData]


def _pin(pins: Pins, p2: int) -> ReferenceData:
    # P2: b8 = 0 global / 1 specific reference data, b5-b1 number; the profile's reference
    # is the whole P2 byte.
    pin = pins.get(p2)
    if pin is None:
        raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)  # 6A88
    return pin


def verify(pins: Pins, ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    p1, p2, data = command.p1, command.p2, command.data
    if p1 == 0xFF:
        # 11.5.6: P1 = FF with no data resets the verification status of the reference.
        if data:
            raise CardStatus(SW.WRONG_LENGTH)
        _pin(pins, p2)
        state.verified.discard(p2)
        return Response()
    if p1 != 0x00:
        raise CardStatus(SW.INCORRECT_P1_P2)
    pin = _pin(pins, p2)
    if not data:
        # 11.5.6: no data field asks for the verification status: 9000 when verified on
        # this channel, else 63Cx (tries left) or 6983 (blocked).
        if p2 in state.verified:
            return Response()
        raise CardStatus(pin.status_sw())
    try:
        pin.check(data, ctx.card.commit)
    except CardStatus:
        state.verified.discard(p2)
        raise
    state.verified.add(p2)
    return Response()


def change_reference_data(
    pins: Pins, ctx: ChannelContext, state: ChannelState, command: Command
) -> Response:
    p1, p2, data = command.p1, command.p2, command.data
    if p1 not in (0x00, 0x01):
        raise CardStatus(SW.INCORRECT_P1_P2)
    pin = _pin(pins, p2)
    if p1 == 0x00:
        # P1 = 00: current value || new value; the card splits at the current length.
        old, new = data[: pin.length], data[pin.length :]
        if len(data) <= pin.length or not pin.fits(new):
            raise CardStatus(SW.INCORRECT_DATA)
        pin.check(old, ctx.card.commit)
    else:
        # P1 = 01: new value only, allowed once the reference is verified on this channel.
        if p2 not in state.verified:
            raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
        if pin.blocked:
            raise CardStatus(SW.AUTHENTICATION_METHOD_BLOCKED)
        new = data
        if not pin.fits(new):
            raise CardStatus(SW.INCORRECT_DATA)
    pin.set_value(new)
    ctx.card.commit()
    state.verified.add(p2)
    return Response()


def reset_retry_counter(pins: Pins, ctx: ChannelContext, command: Command) -> Response:
    p1, p2, data = command.p1, command.p2, command.data
    if p1 not in (0x00, 0x01):
        raise CardStatus(SW.INCORRECT_P1_P2)  # 02 and 03 (no PUK) are not offered
    target = _pin(pins, p2)
    if target.unblocked_by is None or target.unblocked_by not in pins:
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
    puk = pins[target.unblocked_by]
    if p1 == 0x00:  # PUK || new PIN
        given, new = data[: puk.length], data[puk.length :]
        if len(data) <= puk.length or not target.fits(new):
            raise CardStatus(SW.INCORRECT_DATA)
    else:  # PUK only
        given, new = data, b""
    puk.check(given, ctx.card.commit)
    if new:
        target.set_value(new)
    target.reset_counter()
    ctx.card.commit()
    return Response()
