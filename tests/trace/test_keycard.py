"""Decoding the Keycard secure channel in traces: a session recorded from cardwire against the
simulated Keycard applet (data/keycard_session.trace), and sessions made in memory with the
host and card codec objects of cardwire.sm.keycard."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardwire.apdu import Command, Response
from cardwire.errors import UsageError
from cardwire.sm.keycard import KeycardCardSession, KeycardSession, SessionKeys
from cardwire.trace.decode import decode_trace
from cardwire.trace.keycard import KeycardObserver
from cardwire.trace.text import parse, read

DATA = Path(__file__).parent / "data"
# Printed by `cardwire keycard open --sim --show-keys --trace data/keycard_session.trace`.
RECORDED_ENC = bytes.fromhex("3C5B662919ED53DA04B3E65E3EED6DF5CF5E4C8F007A7E339576AAAFCD1F610D")
RECORDED_MAC = bytes.fromhex("7C8BA41497721B18B0957184193BF5E4FA2C44495E13469EA5433D668FEACA8F")


def test_recorded_session_decodes() -> None:
    trace = read(DATA / "keycard_session.trace")
    entries = decode_trace(trace, KeycardObserver.from_keys(RECORDED_ENC, RECORDED_MAC))
    # SELECT, PAIR x2, OPEN SECURE CHANNEL: outside the channel.
    assert [entry.decoded for entry in entries[:4]] == [None] * 4
    authenticate = entries[4].decoded
    assert authenticate is not None and authenticate.mac_ok
    assert authenticate.plain_command is not None and authenticate.plain_response is not None
    # Keycard docs, MUTUALLY AUTHENTICATE: 32 random bytes in, 32 bytes and 9000 out.
    assert authenticate.plain_command[:5] == bytes.fromhex("8011000020")
    assert len(authenticate.plain_command) == 5 + 32
    assert len(authenticate.plain_response) == 32 + 2
    assert authenticate.plain_response[-2:] == b"\x90\x00"


def test_recorded_session_with_wrong_keys_fails_every_mac() -> None:
    trace = read(DATA / "keycard_session.trace")
    entries = decode_trace(trace, KeycardObserver.from_keys(RECORDED_MAC, RECORDED_ENC))
    assert entries[4].decoded is not None and not entries[4].decoded.mac_ok


KEYS = SessionKeys(bytes(range(32)), bytes(range(32, 64)))
IV = bytes(range(100, 116))
COMMANDS = [
    (Command(0x80, 0xF2, 0x00, 0x00), Response(bytes(range(20)), 0x9000)),
    (Command(0x80, 0x20, 0x00, 0x00, b"123456"), Response(b"", 0x63C2)),
    (Command(0x80, 0xC0, 0x00, 0x00, bytes(32)), Response(bytes(100), 0x9000)),
]


def memory_lines(flip: int | None = None) -> list[str]:
    """An OPEN SECURE CHANNEL answer with IV, then COMMANDS through host and card sessions.
    ``flip`` alters one bit in the ciphertext of that command's protected response."""
    host, card = KeycardSession(KEYS, IV), KeycardCardSession(KEYS, IV)
    lines = ["> 8010010041" + "04" * 65, f"< {(bytes(32) + IV).hex()}9000"]
    for index, (command, response) in enumerate(COMMANDS):
        wire = host.protect(command)
        assert card.unwrap(wire) == command
        answer = card.wrap(response)
        assert host.unprotect(answer) == response
        wrapped = bytearray(answer.encode())
        if index == flip:
            wrapped[20] ^= 0x01
        lines += [f"> {wire.encode().hex()}", f"< {wrapped.hex()}"]
    return lines


def test_memory_session_decodes_with_the_iv_from_the_trace() -> None:
    entries = decode_trace(parse("\n".join(memory_lines())), KeycardObserver(KEYS))
    for entry, (command, response) in zip(entries[1:], COMMANDS, strict=True):
        assert entry.decoded is not None and entry.decoded.mac_ok
        assert entry.decoded.plain_command == command.encode()
        assert entry.decoded.plain_response == response.encode()


def test_given_iv_starts_the_session_with_the_trace() -> None:
    lines = memory_lines()[2:]  # the trace starts inside the channel
    entries = decode_trace(parse("\n".join(lines)), KeycardObserver(KEYS, IV))
    assert all(entry.decoded is not None and entry.decoded.mac_ok for entry in entries)
    entries = decode_trace(parse("\n".join(lines)), KeycardObserver(KEYS))
    assert [entry.decoded for entry in entries] == [None] * 3  # no IV: nothing to decode


@pytest.mark.parametrize("flip", [0, 1])
def test_bad_mac_keeps_the_command_and_the_iv_chain_goes_on(flip: int) -> None:
    entries = decode_trace(parse("\n".join(memory_lines(flip))), KeycardObserver(KEYS))
    decoded = [entry.decoded for entry in entries[1:]]
    failed = decoded[flip]
    # The response was changed: the command that opened is still shown, with the reason.
    assert failed is not None and not failed.mac_ok and failed.plain_response is None
    assert failed.plain_command is not None and failed.error == "MAC mismatch"
    assert all(d is not None and d.mac_ok for d in decoded[flip + 1 :])


@pytest.mark.parametrize(
    ("inserted", "expect_plain_6982"),
    [("> 00A4040008A000000804000101\n< 9000", False), (None, True)],
)
def test_select_and_plain_6982_end_the_session(
    inserted: str | None, expect_plain_6982: bool
) -> None:
    lines = memory_lines()
    if inserted is not None:
        lines.insert(4, inserted)
    else:
        lines[5] = "< 6982"  # the card closed the channel after the second command
    entries = decode_trace(parse("\n".join(lines)), KeycardObserver(KEYS))
    if expect_plain_6982:
        assert entries[2].decoded is not None
        assert entries[2].decoded.plain_response == b"\x69\x82"
    assert [entry.decoded for entry in entries[3:]] == [None] * (len(entries) - 3)


def test_iv_length_is_checked() -> None:
    with pytest.raises(UsageError):
        KeycardObserver(KEYS, bytes(15))


# --- Secure Channel V2 (applet 4.x) ---------------------------------------------------------


def v2_lines(flip: int | None = None) -> tuple[list[str], tuple[bytes, bytes]]:
    """OPEN SECURE CHANNEL (V2) answered 9000, then COMMANDS through the V2 host and card
    sessions of cardwire.sm.keycard.v2; ``flip`` alters that command's protected answer."""
    from cardwire.sm.keycard.v2 import KeycardV2CardSession, KeycardV2Session, derive_keys

    keys = derive_keys(bytes(32), bytes(range(32)))
    host, card = KeycardV2Session(*keys), KeycardV2CardSession(*keys)
    lines = ["> 8010000061" + "00" * 32 + "04" * 65, "< " + "04" * 65 + "3006020101020101" + "9000"]
    for index, (command, response) in enumerate(COMMANDS):
        wire = host.protect(command)
        card.unwrap(wire)
        answer = card.wrap(response)
        data = bytearray(answer.data)
        if index == flip:
            data[0] ^= 1
        lines += [f"> {wire.encode().hex()}", f"< {bytes(data).hex()}9000"]
        host.unprotect(answer)  # the host got the genuine answer; only the trace is altered
    return lines, keys


def test_v2_session_decodes_command_and_answer() -> None:
    from cardwire.trace.keycard import KeycardV2Observer

    lines, keys = v2_lines()
    entries = decode_trace(parse("\n".join(lines)), KeycardV2Observer(*keys))
    assert entries[0].decoded is None  # the handshake is plain
    decoded = [entry.decoded for entry in entries[1:]]
    for item, (command, response) in zip(decoded, COMMANDS, strict=True):
        assert item is not None and item.mac_ok
        assert (
            item.plain_command
            == bytes((0x80, command.ins, command.p1, command.p2, len(command.data))) + command.data
        )
        assert item.plain_response == response.encode()


def test_v2_a_forged_answer_shows_failed_and_decoding_goes_on() -> None:
    from cardwire.trace.keycard import KeycardV2Observer

    lines, keys = v2_lines(flip=1)
    entries = decode_trace(parse("\n".join(lines)), KeycardV2Observer(*keys))
    assert entries[2].decoded is not None and not entries[2].decoded.mac_ok
    assert entries[3].decoded is not None and entries[3].decoded.mac_ok


def test_v2_keys_are_16_bytes() -> None:
    from cardwire.trace.keycard import KeycardV2Observer

    with pytest.raises(UsageError):
        KeycardV2Observer(bytes(32), bytes(32))


def test_v2_keys_decode_one_session_and_repr_hides_them() -> None:
    from cardwire.trace.keycard import KeycardV2Observer

    lines, keys = v2_lines()
    observer = KeycardV2Observer(*keys)
    assert repr(observer) == "KeycardV2Observer(idle, <keys hidden>)"
    decode_trace(parse("\n".join(lines[:2])), observer)
    assert observer.active and repr(observer) == "KeycardV2Observer(active, <keys hidden>)"
    observer.reset()  # a reset ends the session; a second OPEN SECURE CHANNEL starts none
    decode_trace(parse("\n".join(lines)), observer)
    assert not observer.active
    assert keys[0].hex() not in repr(observer).lower()
