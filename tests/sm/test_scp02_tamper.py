"""SCP02 tamper matrix (i = 15 and 55, levels 01 and 03): every single-bit flip, replay, drop and
reorder of a protected command is detected by the card and ends the session.

Not covered, by design of GP Card Spec v2.3.1 E.4.4: the Le byte is outside the C-MAC, the
logical channel bits of CLA are zeroed for the MAC (a flip there routes the command to another
channel: modelled as a command dropped from this channel's sequence), and responses carry no
R-MAC under i = 15 / 55, so there is nothing to tamper-check on the response path.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from cardwire.apdu import Command, Response
from cardwire.cla import channel_of
from cardwire.errors import DecodeError, SecureChannelError, SessionClosedError
from cardwire.sm.scp02 import I_15, I_55, Scp02Card, Scp02Handshake, StaticKeys
from cardwire.sm.scp02.sessions import Scp02CardSession, Scp02HostSession

AID = bytes.fromhex("A000000151000000")
KEYS = StaticKeys(bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48)), 0x20)
SCRIPT = [
    Command(0x80, 0xCA, 0x00, 0x66, ne=256),
    Command(0x80, 0xE2, 0x91, 0x00, bytes.fromhex("BF3E035C015A"), 256),
    Command(0x80, 0xF2, 0x20, 0x02),
]


def open_pair(option: int, level: int) -> tuple[Scp02HostSession, Scp02CardSession]:
    source = random.Random(option * 100 + level)
    card = Scp02Card([KEYS], AID, option=option, rng=source.randbytes)
    host = Scp02Handshake(KEYS, level=level, option=option, aid=AID, rng=source.randbytes)
    answer = card.initialize_update(host.initialize_update(), 9)
    done, card_session = card.external_authenticate(host.external_authenticate(answer))
    return host.complete(done), card_session


def at_step(option: int, level: int, step: int) -> tuple[Scp02HostSession, Scp02CardSession]:
    host, card = open_pair(option, level)
    for done in range(step):
        assert card.unwrap(host.protect(SCRIPT[done])) == SCRIPT[done]
        assert host.unprotect(card.wrap(Response())) == Response()
    return host, card


def assert_card_detects(card: Scp02CardSession, command: Command) -> None:
    with pytest.raises(SecureChannelError) as caught:
        card.unwrap(command)
    assert caught.value.card_sw == 0x6982
    assert not card.active
    with pytest.raises(SessionClosedError):
        card.unwrap(command)


def le_length(command: Command) -> int:
    return 1 if command.ne else 0


@pytest.mark.parametrize("option", [I_15, I_55])
@pytest.mark.parametrize("level", [0x01, 0x03])
@pytest.mark.parametrize("step", [0, 1])
def test_every_bit_flip_of_a_protected_command_is_detected(
    option: int, level: int, step: int
) -> None:
    host, _ = at_step(option, level, step)
    wire = host.protect(SCRIPT[step])
    raw = wire.encode()
    checked = 0
    for index in range(len(raw) - le_length(wire)):
        for bit in range(8):
            flipped = bytearray(raw)
            flipped[index] ^= 1 << bit
            host, card = at_step(option, level, step)
            host.protect(SCRIPT[step])
            try:
                tampered = Command.decode(bytes(flipped))
            except DecodeError:
                continue  # broken framing: the card answers 6700 before any SM processing
            if channel_of(tampered.cla) != channel_of(wire.cla):
                assert_card_detects(card, host.protect(SCRIPT[step + 1]))
                continue
            assert card.handles(tampered)
            assert_card_detects(card, tampered)
            checked += 1
    assert checked > 8 * 8


def replayed(host: Scp02HostSession, card: Scp02CardSession) -> Command:
    first = host.protect(SCRIPT[0])
    card.unwrap(first)
    return first


def skipped(host: Scp02HostSession, card: Scp02CardSession) -> Command:
    host.protect(SCRIPT[0])
    return host.protect(SCRIPT[1])


def stripped_sm(host: Scp02HostSession, card: Scp02CardSession) -> Command:
    return SCRIPT[0]  # a plain command below the session's level


@pytest.mark.parametrize("scenario", [replayed, skipped, stripped_sm])
@pytest.mark.parametrize("option", [I_15, I_55])
@pytest.mark.parametrize("level", [0x01, 0x03])
def test_replayed_dropped_reordered_or_plain_command_is_detected(
    option: int, level: int, scenario: Callable[[Scp02HostSession, Scp02CardSession], Command]
) -> None:
    host, card = open_pair(option, level)
    command = scenario(host, card)
    assert card.handles(command)
    assert_card_detects(card, command)


@pytest.mark.parametrize("option", [I_15, I_55])
def test_a_replayed_session_opening_is_refused(option: int) -> None:
    """Replaying a recorded EXTERNAL AUTHENTICATE to a new INITIALIZE UPDATE (new counter) fails."""
    card = Scp02Card([KEYS], AID, option=option)
    host = Scp02Handshake(KEYS, option=option, aid=AID)
    external = host.external_authenticate(card.initialize_update(host.initialize_update(), 1))
    card.initialize_update(Command(0x80, 0x50, 0x20, 0x00, host.initialize_update().data), 2)
    with pytest.raises(SecureChannelError):
        card.external_authenticate(external)
