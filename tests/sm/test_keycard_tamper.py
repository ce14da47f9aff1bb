"""Tamper matrix for the Keycard secure channel v1: bit flips, truncation, replay, reordering and
dropped messages are detected, and the session ends on the side that detects it (the card
answers a plain 6982, seed 001; the host raises and refuses to go on).

First on the sans-IO sessions (every bit of one command and one response), then end to end
through the simulated card's OS and Keycard applet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.commands import select_by_aid
from cardwire.errors import MacError, SecureChannelError, SessionClosedError
from cardwire.handshakes import keycard as keycard_io
from cardwire.sim.card import SimCard
from cardwire.sm import keycard
from cardwire.sm.keycard import KeycardCardSession, KeycardSession, SessionKeys
from cardwire.sm.keycard import codec as keycard_codec
from cardwire.sm.keycard.codec import KeycardCodec
from cardwire.transport.memory import MemoryTransport

GET_STATUS = Command(0x80, 0xF2, 0x00, 0x00)
VERIFY_PIN = Command(0x80, 0x20, 0x00, 0x00, b"123456")
LONG_DATA = Command(0x80, 0x21, 0x02, 0x00, bytes(range(32)))  # three ciphertext blocks


def _rng(seed: int) -> Callable[[int], bytes]:
    counter = [seed]

    def rng(n: int) -> bytes:
        counter[0] += 1
        return hashlib.sha512(counter[0].to_bytes(4, "big")).digest()[:n]

    return rng


def _sessions() -> tuple[KeycardSession, KeycardCardSession]:
    rng = _rng(5)
    keys, iv = SessionKeys(rng(32), rng(32)), rng(16)
    return KeycardSession(keys, iv), KeycardCardSession(keys, iv)


def _flip(raw: bytes, bit: int) -> bytes:
    out = bytearray(raw)
    out[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(out)


def _exchange(
    host: KeycardSession, card: KeycardCardSession, command: Command, answer: bytes = b"ok"
) -> tuple[Command, Response]:
    wire = host.protect(command)
    card.unwrap(wire)
    response = card.wrap(Response(answer))
    assert host.unprotect(response) == Response(answer)
    return wire, response


def _card_refuses(card: KeycardCardSession, wire: Command) -> None:
    with pytest.raises(SecureChannelError) as caught:
        card.unwrap(wire)
    assert caught.value.card_sw == 0x6982
    assert not card.active


# --- bit flips ---------------------------------------------------------------------------------

_COMMAND_BITS = (4 + 16 + 48) * 8  # P1 P2 (and CLA INS) + MAC + three ciphertext blocks


@pytest.mark.parametrize("bit", range(0, _COMMAND_BITS, 3))
def test_any_flipped_command_bit_is_refused_and_ends_the_card_session(bit: int) -> None:
    host, card = _sessions()
    wire = host.protect(LONG_DATA)
    raw = wire.header + wire.data
    tampered = _flip(raw, bit)
    _card_refuses(card, Command(tampered[0], tampered[1], tampered[2], tampered[3], tampered[4:]))
    # The card answers 6982 without MAC: the host learns the channel is gone.
    with pytest.raises(SessionClosedError, match="6982"):
        host.unprotect(Response(b"", 0x6982))


@pytest.mark.parametrize("bit", range((16 + 16) * 8))
def test_any_flipped_response_bit_is_refused_and_ends_the_host_session(bit: int) -> None:
    host, card = _sessions()
    card.unwrap(host.protect(GET_STATUS))
    response = card.wrap(Response(b"\xa3\x00"))
    with pytest.raises(SecureChannelError):
        host.unprotect(Response(_flip(response.data, bit), response.sw))
    assert not host.active
    with pytest.raises(SessionClosedError):
        host.protect(GET_STATUS)


@pytest.mark.parametrize("sw", [0x6A80, 0x9001, 0x6100])
def test_changed_outer_status_word_is_refused(sw: int) -> None:
    host, card = _sessions()
    card.unwrap(host.protect(GET_STATUS))
    response = card.wrap(Response(b"\xa3\x00"))
    with pytest.raises(SecureChannelError):
        host.unprotect(Response(response.data, sw))
    assert not host.active


@pytest.mark.parametrize("cut", [1, 15, 16, 32])
def test_truncated_messages_are_refused(cut: int) -> None:
    host, card = _sessions()
    wire = host.protect(LONG_DATA)
    _card_refuses(card, wire.replace(data=wire.data[:-cut]))
    host, card = _sessions()
    card.unwrap(host.protect(LONG_DATA))
    response = card.wrap(Response(bytes(40)))
    with pytest.raises(SecureChannelError):
        host.unprotect(Response(response.data[:-cut]))
    assert not host.active


# --- replay, reordering, dropped messages --------------------------------------------------------


@pytest.mark.parametrize("command", [VERIFY_PIN, LONG_DATA], ids=["one-block", "three-blocks"])
def test_replayed_command_is_refused(command: Command) -> None:
    host, card = _sessions()
    first, _ = _exchange(host, card, command)
    _exchange(host, card, GET_STATUS)
    _card_refuses(card, first)


def test_replayed_command_right_away_is_refused() -> None:
    host, card = _sessions()
    first, _ = _exchange(host, card, LONG_DATA)
    _card_refuses(card, first)


@pytest.mark.parametrize("command", [GET_STATUS, LONG_DATA], ids=["short", "long"])
def test_replayed_response_is_refused(command: Command) -> None:
    host, card = _sessions()
    _, old = _exchange(host, card, command, answer=bytes(40))
    wire = host.protect(command)
    card.unwrap(wire)
    with pytest.raises(MacError, match="replayed"):
        host.unprotect(old)
    assert not host.active


def test_older_command_in_place_of_the_current_one_is_refused() -> None:
    host, card = _sessions()
    recorded = [_exchange(host, card, c)[0] for c in (LONG_DATA, GET_STATUS, VERIFY_PIN)]
    host.protect(GET_STATUS)  # the real fourth command is withheld by the attacker
    _card_refuses(card, recorded[1])


def test_older_response_in_place_of_the_current_one_is_refused() -> None:
    host, card = _sessions()
    recorded = [_exchange(host, card, c, answer=bytes(20))[1] for c in (LONG_DATA, GET_STATUS)]
    card.unwrap(host.protect(VERIFY_PIN))
    with pytest.raises(MacError):
        host.unprotect(recorded[0])


def test_dropped_answer_ends_the_host_session_before_the_next_command() -> None:
    host, card = _sessions()
    _exchange(host, card, GET_STATUS)
    card.unwrap(host.protect(VERIFY_PIN))  # the card acts, but its answer never arrives
    with pytest.raises(SessionClosedError, match="no answer"):
        host.protect(GET_STATUS)
    assert not host.active


def test_answer_without_a_command_is_refused() -> None:
    host, card = _sessions()
    _exchange(host, card, GET_STATUS)
    with pytest.raises(SecureChannelError, match="without a protected command"):
        host.unprotect(card.wrap(Response(b"")))


# --- replays, however old, and the session limit (codec.MAX_RECEIVED) ---------------------------

_HEADER = LONG_DATA.header  # CLA INS P1 P2 (the codec adds Lc to the MAC input)


def _codecs() -> tuple[KeycardCodec, KeycardCodec]:
    rng = _rng(7)
    keys, iv = SessionKeys(rng(32), rng(32)), rng(16)
    return KeycardCodec(keys, iv), KeycardCodec(keys, iv)


def _replay_after(newer: int) -> tuple[bytes, KeycardCodec]:
    """The card opens a three-block command, then ``newer`` further commands; returns the first
    command's data field, to be replayed, and the card's codec."""
    host, card = _codecs()
    first = host.seal_command(_HEADER, LONG_DATA.data)
    assert card.open_command(_HEADER, first) == LONG_DATA.data
    for index in range(newer):
        plain = index.to_bytes(4, "big")
        assert card.open_command(_HEADER, host.seal_command(_HEADER, plain)) == plain
    return first, card


def test_an_old_multi_block_replay_is_refused() -> None:
    """A stale IV garbles only the first block of a three-block message, which the padding
    check cannot see (docs/keycard.md, "Replays"): the remembered MAC refuses it, however old."""
    first, card = _replay_after(300)
    with pytest.raises(MacError, match="replayed"):
        card.open_command(_HEADER, first)


def test_the_session_ends_at_its_message_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keycard_codec, "MAX_RECEIVED", 5)
    host, card = _codecs()
    for index in range(5):
        plain = index.to_bytes(4, "big")
        assert card.open_command(_HEADER, host.seal_command(_HEADER, plain)) == plain
    with pytest.raises(SecureChannelError, match="open a new secure channel"):
        card.open_command(_HEADER, host.seal_command(_HEADER, b"late"))


# --- end to end through the simulated card -----------------------------------------------------


class TamperingCard:
    """A SimCard behind a man in the middle that can rewrite the next command or answer."""

    def __init__(self, card: SimCard) -> None:
        self.card = card
        self.on_command: Callable[[bytes], bytes] | None = None
        self.on_response: Callable[[bytes], bytes] | None = None
        self.commands: list[bytes] = []

    @property
    def atr(self) -> bytes:
        return self.card.atr

    def process(self, apdu: bytes) -> bytes:
        if self.on_command is not None:
            apdu, self.on_command = self.on_command(apdu), None
        self.commands.append(apdu)
        answer = self.card.process(apdu)
        if self.on_response is not None:
            answer, self.on_response = self.on_response(answer), None
        return answer

    def power_on(self) -> bytes:
        return self.card.power_on()

    def power_off(self) -> None:
        self.card.power_off()

    def reset(self) -> bytes:
        return self.card.reset()


def _open_channel() -> tuple[Card, TamperingCard, keycard.ApplicationInfo]:
    middle = TamperingCard(SimCard(rng=_rng(21)))
    card = Card(MemoryTransport(middle))
    info = keycard_io.select_keycard(card)
    secret = keycard.pairing_secret(keycard.DEFAULT_PAIRING_PASSWORD)
    pairing = keycard_io.pair(card, secret, rng=_rng(22))
    keycard_io.open_keycard(card, pairing, info.public_key, rng=_rng(23))
    return card, middle, info


def test_flipped_command_on_the_wire_closes_the_channel_on_both_sides() -> None:
    card, middle, _info = _open_channel()
    middle.on_command = lambda apdu: _flip(apdu, 8 * 10)  # a bit of the MAC
    with pytest.raises(SessionClosedError, match="6982"):
        card.send(GET_STATUS)
    with pytest.raises(SessionClosedError):
        card.send(GET_STATUS)
    # The card closed its side too: a channel command now answers 6982 plain.
    assert card.transmit(bytes.fromhex("80F2000000")) == b"\x69\x82"


def test_flipped_answer_on_the_wire_ends_the_host_session() -> None:
    card, middle, _info = _open_channel()
    middle.on_response = lambda answer: _flip(answer, 3)
    with pytest.raises(MacError):
        card.send(GET_STATUS)
    with pytest.raises(SessionClosedError):
        card.send(GET_STATUS)


def test_replayed_verify_pin_is_refused_by_the_card_and_costs_no_try() -> None:
    card, middle, _info = _open_channel()
    card.send(VERIFY_PIN)
    recorded = middle.commands[-1]
    card.send(GET_STATUS)
    assert card.transmit(recorded) == b"\x69\x82"
    info_after = keycard_io.select_keycard(card)
    status = _status_after_reopen(card, info_after)
    assert status.startswith(bytes.fromhex("A309020103"))  # three PIN tries left


def _status_after_reopen(card: Card, info: keycard.ApplicationInfo) -> bytes:
    secret = keycard.pairing_secret(keycard.DEFAULT_PAIRING_PASSWORD)
    pairing = keycard_io.pair(card, secret, rng=_rng(31))
    keycard_io.open_keycard(card, pairing, info.public_key, rng=_rng(32))
    return card.send(GET_STATUS).data


def test_select_ends_the_channel_on_both_sides() -> None:
    card, _middle, _info = _open_channel()
    card.send(GET_STATUS)
    answer = card.send(select_by_aid(keycard.KEYCARD_AID, ne=256))
    assert answer.data[:1] == b"\xa4"  # the application info, plain
    with pytest.raises(SessionClosedError, match="SELECT"):
        card.send(GET_STATUS)
    card.secure(None)
    assert card.transmit(bytes.fromhex("80F2000000")) == b"\x69\x82"


def test_reset_ends_the_channel_on_both_sides() -> None:
    card, _middle, _info = _open_channel()
    card.reset()
    assert card.session is None
    keycard_io.select_keycard(card)
    assert card.transmit(bytes.fromhex("80F2000000")) == b"\x69\x82"
