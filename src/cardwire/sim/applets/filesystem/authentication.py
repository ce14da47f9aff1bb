"""GET CHALLENGE, INTERNAL AUTHENTICATE and EXTERNAL AUTHENTICATE in the file-system applet
(ISO/IEC 7816-4:2020 11.5.3-11.5.5), AES-CMAC challenge-response."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from cardwire.apdu import Command, Response
from cardwire.crypto.cmac import aes_cmac
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.filesystem.state import ChannelState
from cardwire.sim.applets.filesystem.symmetric_keys import SymmetricKey
from cardwire.sw import SW

CHALLENGE_LENGTHS = (8, 16)
CMAC_LENGTH = 16

Keys = Mapping[int, SymmetricKey]


def get_challenge(ctx: ChannelContext, state: ChannelState, command: Command) -> Response:
    if command.p1 or command.p2:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if command.data or command.ne not in CHALLENGE_LENGTHS:
        raise CardStatus(SW.WRONG_LENGTH)
    state.challenge = ctx.card.random(command.ne)
    return Response(state.challenge)


def _key(keys: Keys, command: Command) -> SymmetricKey:
    if command.p1 != 0x00:
        raise CardStatus(SW.INCORRECT_P1_P2)  # algorithm implicitly known
    key = keys.get(command.p2)
    if key is None:
        raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
    return key


def internal_authenticate(keys: Keys, command: Command) -> Response:
    key = _key(keys, command)
    if not command.data:
        raise CardStatus(SW.WRONG_LENGTH)
    return Response(aes_cmac(key.value, command.data))


def external_authenticate(keys: Keys, state: ChannelState, command: Command) -> Response:
    key = _key(keys, command)
    if len(command.data) != CMAC_LENGTH:
        raise CardStatus(SW.WRONG_LENGTH)
    challenge, state.challenge = state.challenge, None  # single use, whatever the outcome
    if challenge is None:
        raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # 6985: no challenge
    expected = aes_cmac(key.value, challenge)
    if not hmac.compare_digest(expected, command.data):
        state.authenticated.discard(key.reference)
        raise CardStatus(SW.VERIFICATION_FAILED)  # 6300
    state.authenticated.add(key.reference)
    return Response()
