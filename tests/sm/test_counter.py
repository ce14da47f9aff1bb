"""The generic send-sequence-counter mode of seed 003 (cardwire.sm.counter), both placements:
round trips, and inserted, deleted or replayed APDUs end the session."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.errors import SecureChannelError, SessionClosedError, UsageError
from cardwire.sm.counter import (
    CounterCard,
    CounterHost,
    card_initial_value,
    initial_value_command,
)
from cardwire.sm.iso7816 import TAG_COUNTER, AesSuite, CounterPlacement, SmSuite, TdesSuite

PLACEMENTS = [CounterPlacement.DATA_OBJECT, CounterPlacement.XOR]
KENC, KMAC = bytes(range(16)), bytes(range(16, 32))


def suite(name: str) -> SmSuite:
    return TdesSuite(KENC, KMAC) if name == "3des" else AesSuite(KENC, KMAC)


def pair(
    placement: CounterPlacement, name: str = "aes", width: int = 2, initial: bytes | None = None
) -> tuple[CounterHost, CounterCard]:
    start = initial if initial is not None else card_initial_value(os.urandom, width)
    host = CounterHost.from_challenge(suite(name), start, width=width, placement=placement)
    return host, CounterCard(suite(name), start, placement=placement)


def test_get_challenge_asks_for_width_bytes() -> None:
    assert initial_value_command().encode() == bytes.fromhex("0084000002")
    assert initial_value_command(4).ne == 4
    assert len(card_initial_value(os.urandom, 3)) == 3


def test_data_object_carries_the_counter_first() -> None:
    host, card = pair(CounterPlacement.DATA_OBJECT, initial=b"\x12\x34")
    protected = host.protect(Command(0x00, 0xB0, 0, 0, ne=4))
    assert protected.data[:4] == bytes((TAG_COUNTER, 2, 0x12, 0x35))
    card.unwrap(protected)
    wrapped = card.wrap(Response(b"data"))
    assert wrapped.data[:4] == bytes((TAG_COUNTER, 2, 0x12, 0x36))
    assert host.unprotect(wrapped) == Response(b"data")


def test_xor_placement_transmits_nothing_extra() -> None:
    xor_host = pair(CounterPlacement.XOR, initial=b"\x00\x01")[0]
    do_host = pair(CounterPlacement.DATA_OBJECT, initial=b"\x00\x01")[0]
    command = Command(0x00, 0xB0, 0, 0, ne=4)
    assert len(do_host.protect(command).data) == len(xor_host.protect(command).data) + 4
    assert do_host.max_payload <= xor_host.max_payload


def test_counter_wraps_at_its_width() -> None:
    host, card = pair(CounterPlacement.XOR, initial=b"\xff\xff")
    card.unwrap(host.protect(Command(0x00, 0xB0, 0, 0, ne=4)))
    assert host.ssc == card.ssc == b"\x00\x00"


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_replayed_command_ends_the_session(placement: CounterPlacement) -> None:
    host, card = pair(placement)
    first = host.protect(Command(0x00, 0xB0, 0, 0, ne=4))
    card.unwrap(first)
    host.unprotect(card.wrap(Response(b"ok")))
    with pytest.raises(SecureChannelError):
        card.unwrap(first)
    with pytest.raises(SessionClosedError):
        card.wrap(Response())


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_deleted_command_ends_the_session(placement: CounterPlacement) -> None:
    host, card = pair(placement)
    host.protect(Command(0x00, 0xB0, 0, 0, ne=4))  # lost on the way
    host.protect(Command(0x00, 0xB0, 0, 0, ne=4))  # host goes on (counter +2)
    with pytest.raises(SecureChannelError):
        card.unwrap(host.protect(Command(0x00, 0xB0, 0, 4, ne=4)))
    assert not card.active


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_inserted_response_ends_the_session(placement: CounterPlacement) -> None:
    host, card = pair(placement)
    card.unwrap(host.protect(Command(0x00, 0xB0, 0, 0, ne=4)))
    first = card.wrap(Response(b"one"))
    assert host.unprotect(first) == Response(b"one")
    with pytest.raises(SecureChannelError):
        host.unprotect(first)  # an attacker inserts the old response again
    assert not host.active


def test_challenge_length_and_width_are_checked() -> None:
    with pytest.raises(SecureChannelError):
        CounterHost.from_challenge(suite("aes"), b"\x01\x02\x03", width=2)
    with pytest.raises(UsageError):
        CounterHost(suite("3des"), bytes(9))
    with pytest.raises(UsageError):
        CounterHost(suite("aes"), bytes(2), placement=CounterPlacement.PREFIX)


@settings(max_examples=40, deadline=None)
@given(
    placement=st.sampled_from(PLACEMENTS),
    name=st.sampled_from(["3des", "aes"]),
    width=st.integers(1, 8),
    messages=st.lists(st.tuples(st.binary(max_size=40), st.binary(max_size=40)), max_size=5),
)
def test_round_trips(
    placement: CounterPlacement, name: str, width: int, messages: list[tuple[bytes, bytes]]
) -> None:
    host, card = pair(placement, name, width)
    for data, reply in messages:
        assert card.unwrap(host.protect(Command(0x00, 0xD6, 0, 0, data))).data == data
        assert host.unprotect(card.wrap(Response(reply))) == Response(reply)


# --- a counter value never numbers two messages of one session -------------------------------
# Seed 003: a replayed APDU breaks the sequence and ends the session. The counter wraps at its
# width, so after 2^(8 * width) messages every value has been used once and the next message
# would carry the number of an earlier one: a command recorded then would verify again. The
# session must end there instead.


def exchange(host: CounterHost, card: CounterCard, p2: int) -> Command:
    command = host.protect(Command(0x00, 0xB0, 0, p2, ne=4))
    card.unwrap(command)
    host.unprotect(card.wrap(Response(b"ok")))
    return command


@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("initial", [b"\x00", b"\x7f", b"\xff"])
def test_counter_exhausted_after_every_value_numbered_one_message(
    placement: CounterPlacement, initial: bytes
) -> None:
    host, card = pair(placement, width=1, initial=initial)
    first = exchange(host, card, 0)
    for p2 in range(1, 128):  # 128 exchanges: 256 messages, each counter value once
        exchange(host, card, p2)
    assert host.ssc == card.ssc == initial  # the counter is back where it started
    # The first command, replayed now, would carry exactly the counter the card expects next.
    with pytest.raises(SecureChannelError):
        card.unwrap(first)
    assert not card.active
    with pytest.raises(SecureChannelError):
        host.protect(Command(0x00, 0xB0, 0, 0, ne=4))
    assert not host.active
