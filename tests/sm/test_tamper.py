"""Tamper matrix: for each suite, any single-bit flip of a protected command or response, a
replayed, dropped or reordered message is detected and ends the session (issue 6)."""

from __future__ import annotations

import pytest

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError, SecureChannelError, SessionClosedError
from cardwire.sm.iso7816 import AesSuite, IsoSmCard, IsoSmHost, SmMode, SmSuite, TdesSuite

SUITES = {"3des": 16, "aes128": 16, "aes192": 24, "aes256": 32}
COMMAND = Command(0x00, 0xD6, 0x00, 0x10, b"\x01\x02\x03\x04\x05", ne=0)
READ = Command(0x00, 0xB0, 0x00, 0x00, ne=8)
REPLY = Response(b"\xaa\xbb\xcc\xdd", 0x9000)


def make_suite(name: str) -> SmSuite:
    size = SUITES[name]
    kenc, kmac = bytes(range(1, size + 1)), bytes(range(100, 100 + size))
    return TdesSuite(kenc, kmac) if name == "3des" else AesSuite(kenc, kmac)


def pair(name: str, mode: SmMode) -> tuple[IsoSmHost, IsoSmCard]:
    suite = make_suite(name)
    start = b"\x00" * (suite.ssc_width - 2) + b"\x12\x34"
    return IsoSmHost(make_suite(name), start, mode=mode), IsoSmCard(suite, start, mode=mode)


def flips(raw: bytes) -> list[bytes]:
    out = []
    for index in range(len(raw)):
        for bit in range(8):
            changed = bytearray(raw)
            changed[index] ^= 1 << bit
            out.append(bytes(changed))
    return out


def card_receives(card: IsoSmCard, raw: bytes) -> int:
    """What the card OS answers: the status word of a rejected command (it must reject)."""
    try:
        command = Command.decode(raw)
    except DecodeError:
        return 0x6700  # the OS answers "wrong length" unprotected; the card session is untouched
    with pytest.raises(SecureChannelError) as info:
        card.unwrap(command)
    assert not card.active
    return info.value.card_sw


def assert_host_ended_by(host: IsoSmHost, sw: int) -> None:
    with pytest.raises(SecureChannelError):
        host.unprotect(Response(sw=sw))
    assert not host.active
    with pytest.raises(SessionClosedError):
        host.protect(READ)


@pytest.mark.parametrize("mode", list(SmMode))
@pytest.mark.parametrize("name", sorted(SUITES))
def test_every_bit_flip_of_a_command_is_detected(name: str, mode: SmMode) -> None:
    raw = pair(name, mode)[0].protect(COMMAND).encode()
    for tampered in flips(raw):
        host, card = pair(name, mode)
        assert host.protect(COMMAND).encode() == raw
        assert_host_ended_by(host, card_receives(card, tampered))


@pytest.mark.parametrize("mode", list(SmMode))
@pytest.mark.parametrize("name", sorted(SUITES))
def test_every_bit_flip_of_a_response_is_detected(name: str, mode: SmMode) -> None:
    host, card = pair(name, mode)
    card.unwrap(host.protect(READ))
    raw = card.wrap(REPLY).encode()
    for tampered in flips(raw):
        host, card = pair(name, mode)
        card.unwrap(host.protect(READ))
        assert card.wrap(REPLY).encode() == raw
        with pytest.raises(SecureChannelError):
            host.unprotect(Response.decode(tampered))
        assert not host.active


@pytest.mark.parametrize("name", sorted(SUITES))
def test_replayed_command(name: str) -> None:
    host, card = pair(name, SmMode.COMBINED)
    first = host.protect(COMMAND)
    card.unwrap(first)
    host.unprotect(card.wrap(REPLY))
    assert_host_ended_by(host, card_receives(card, first.encode()))


@pytest.mark.parametrize("name", sorted(SUITES))
def test_replayed_response(name: str) -> None:
    host, card = pair(name, SmMode.COMBINED)
    card.unwrap(host.protect(READ))
    old = card.wrap(REPLY)
    host.unprotect(old)
    card.unwrap(host.protect(READ))
    with pytest.raises(SecureChannelError):
        host.unprotect(old)
    assert not host.active


@pytest.mark.parametrize("name", sorted(SUITES))
def test_dropped_command(name: str) -> None:
    host, card = pair(name, SmMode.COMBINED)
    host.protect(COMMAND)  # never reaches the card
    second = host.protect(READ)
    assert_host_ended_by(host, card_receives(card, second.encode()))


@pytest.mark.parametrize("name", sorted(SUITES))
def test_dropped_response(name: str) -> None:
    host, card = pair(name, SmMode.COMBINED)
    card.unwrap(host.protect(READ))
    card.wrap(REPLY)  # lost on the way back: the host never counts it
    assert_host_ended_by(host, card_receives(card, host.protect(READ).encode()))


@pytest.mark.parametrize("name", sorted(SUITES))
def test_reordered_commands(name: str) -> None:
    host, card = pair(name, SmMode.COMBINED)
    first, second = host.protect(COMMAND), host.protect(READ)
    assert_host_ended_by(host, card_receives(card, second.encode()))
    _, fresh_card = pair(name, SmMode.COMBINED)
    fresh_card.unwrap(first)
    with pytest.raises(SecureChannelError):
        fresh_card.unwrap(first)  # the first one arriving second is a replay
