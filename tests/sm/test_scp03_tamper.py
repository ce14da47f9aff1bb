"""SCP03 tamper matrix: every single-bit flip, replay, drop and reorder of protected commands
(levels with C-MAC) and protected responses (levels with R-MAC) is detected and ends the session.

Not covered, by design of GP Amendment D 6.2.4: the Le byte is outside the C-MAC, and the
logical channel bits of CLA are zeroed for the MAC (a flip there routes the command to another
channel, which this test models as a command dropped from this channel's sequence).
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from cardwire.apdu import Command, Response
from cardwire.cla import channel_of
from cardwire.errors import DecodeError, SecureChannelError, SessionClosedError
from cardwire.sm.scp03 import (
    Mode,
    Scp03Card,
    Scp03CardSession,
    Scp03Handshake,
    Scp03HostSession,
    StaticKeys,
)

AID = bytes.fromhex("A000000151000000")
C_MAC_LEVELS = (0x01, 0x03, 0x11, 0x13, 0x33)
R_MAC_LEVELS = (0x11, 0x13, 0x33)
KEYS = StaticKeys(bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48)), 0x30)

SCRIPT = [
    (Command(0x80, 0xCA, 0x00, 0x66, ne=256), Response(bytes(range(20)), 0x9000)),
    (Command(0x80, 0xE2, 0x91, 0x00, bytes.fromhex("BF3E035C015A"), 256), Response(b"Z", 0x6310)),
    (Command(0x80, 0xF2, 0x20, 0x02), Response(b"", 0x9000)),
]


def open_pair(level: int, mode: Mode) -> tuple[Scp03HostSession, Scp03CardSession]:
    source = random.Random(level * 100 + mode)
    card = Scp03Card([KEYS], aid=AID, mode=mode, rng=source.randbytes)
    host = Scp03Handshake(KEYS, level=level, mode=mode, rng=source.randbytes)
    done, card_session = card.external_authenticate(
        host.external_authenticate(card.initialize_update(host.initialize_update()))
    )
    return host.complete(done), card_session


def exchange(host: Scp03HostSession, card: Scp03CardSession, step: int) -> None:
    command, response = SCRIPT[step]
    assert card.unwrap(host.protect(command)) == command
    assert host.unprotect(card.wrap(response)) == response


def at_step(level: int, mode: Mode, step: int) -> tuple[Scp03HostSession, Scp03CardSession]:
    host, card = open_pair(level, mode)
    for done in range(step):
        exchange(host, card, done)
    return host, card


def le_length(command: Command) -> int:
    if not command.ne:
        return 0
    if not command.is_extended:
        return 1
    return 2 if command.data else 3


def flips(raw: bytes, limit: int) -> list[bytes]:
    out = []
    for index in range(limit):
        for bit in range(8):
            changed = bytearray(raw)
            changed[index] ^= 1 << bit
            out.append(bytes(changed))
    return out


def assert_card_detects(card: Scp03CardSession, command: Command) -> None:
    with pytest.raises(SecureChannelError) as caught:
        card.unwrap(command)
    assert caught.value.card_sw == 0x6982
    assert not card.active
    with pytest.raises(SessionClosedError):
        card.unwrap(command)


def assert_host_detects(host: Scp03HostSession, response: Response) -> None:
    with pytest.raises(SecureChannelError):
        host.unprotect(response)
    assert not host.active
    with pytest.raises(SessionClosedError):
        host.protect(SCRIPT[0][0])


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("level", C_MAC_LEVELS)
@pytest.mark.parametrize("step", [0, 1])
def test_every_bit_flip_of_a_protected_command_is_detected(
    level: int, mode: Mode, step: int
) -> None:
    host, _ = at_step(level, mode, step)
    wire = host.protect(SCRIPT[step][0])
    raw = wire.encode()
    for flipped in flips(raw, len(raw) - le_length(wire)):
        host, card = at_step(level, mode, step)
        host.protect(SCRIPT[step][0])
        try:
            tampered = Command.decode(flipped)
        except DecodeError:
            continue  # the framing is broken: the card answers 6700 before any SM processing
        if channel_of(tampered.cla) != channel_of(wire.cla):
            # routed to another channel: this channel's next command is out of sequence
            assert_card_detects(card, host.protect(SCRIPT[step + 1][0]))
            continue
        assert card.handles(tampered)
        assert_card_detects(card, tampered)


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("level", R_MAC_LEVELS)
@pytest.mark.parametrize("step", [0, 1, 2])
def test_every_bit_flip_of_a_protected_response_is_detected(
    level: int, mode: Mode, step: int
) -> None:
    host, card = at_step(level, mode, step)
    command, response = SCRIPT[step]
    card.unwrap(host.protect(command))
    raw = card.wrap(response).encode()
    for flipped in flips(raw, len(raw)):
        host, card = at_step(level, mode, step)
        card.unwrap(host.protect(command))
        assert_host_detects(host, Response.decode(flipped))


# --- replay, drop and reorder: each scenario returns what reaches the other side instead ------


def replayed_command(host: Scp03HostSession, card: Scp03CardSession) -> Command:
    first = host.protect(SCRIPT[0][0])
    card.unwrap(first)
    host.unprotect(card.wrap(SCRIPT[0][1]))
    return first


def skipped_command(host: Scp03HostSession, card: Scp03CardSession) -> Command:
    """The first command is dropped, or reordered after the second: either way the second one
    reaches the card while it expects the first."""
    host.protect(SCRIPT[0][0])
    return host.protect(SCRIPT[1][0])


def replayed_response(host: Scp03HostSession, card: Scp03CardSession, mode: Mode) -> Response:
    card.unwrap(host.protect(SCRIPT[0][0]))
    first = card.wrap(SCRIPT[0][1])
    host.unprotect(first)
    card.unwrap(host.protect(SCRIPT[0][0]))
    card.wrap(SCRIPT[0][1])
    return first


def stale_response(host: Scp03HostSession, card: Scp03CardSession, mode: Mode) -> Response:
    """Drop + reorder on the response path: the answer to the first command arrives as the
    answer to the second one (the real answer to the second command is dropped)."""
    card.unwrap(host.protect(SCRIPT[0][0]))
    stale = card.wrap(SCRIPT[0][1])
    card.unwrap(host.protect(SCRIPT[2][0]))
    card.wrap(SCRIPT[2][1])
    return stale


def mac_stripped_response(host: Scp03HostSession, card: Scp03CardSession, mode: Mode) -> Response:
    card.unwrap(host.protect(SCRIPT[0][0]))
    wrapped = card.wrap(SCRIPT[0][1])
    return Response(wrapped.data[: -int(mode)], wrapped.sw)


CommandScenario = Callable[[Scp03HostSession, Scp03CardSession], Command]
ResponseScenario = Callable[[Scp03HostSession, Scp03CardSession, Mode], Response]


@pytest.mark.parametrize("scenario", [replayed_command, skipped_command])
@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("level", C_MAC_LEVELS)
def test_replayed_dropped_or_reordered_command_is_detected(
    level: int, mode: Mode, scenario: CommandScenario
) -> None:
    host, card = open_pair(level, mode)
    assert_card_detects(card, scenario(host, card))


@pytest.mark.parametrize("scenario", [replayed_response, stale_response, mac_stripped_response])
@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("level", R_MAC_LEVELS)
def test_replayed_stale_or_stripped_response_is_detected(
    level: int, mode: Mode, scenario: ResponseScenario
) -> None:
    host, card = open_pair(level, mode)
    assert_host_detects(host, scenario(host, card, mode))
