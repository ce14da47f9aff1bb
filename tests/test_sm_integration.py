"""Host (Card + layers) and simulated card (ePassport applet) in memory under BAC secure
messaging: whole sessions, two channels at once, the 60 KB DG2 short and extended, chaining,
GET RESPONSE and 6Cxx under SM, and the tamper matrix against the real card."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.errors import SecureChannelError, SessionClosedError
from cardwire.handshakes.bac import open_bac
from cardwire.sim.applets.epassport.config import large_dg2_config
from cardwire.sim.applets.epassport.lds import (
    DEFAULT_EF_COM,
    EPASSPORT_AID,
    Td3Mrz,
    dg1_content,
    dg2_content,
)
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.sm.bac import BacHost, BacKeys, external_authenticate_command
from cardwire.sm.iso7816 import IsoSmHost
from cardwire.transport.memory import MemoryTransport
from tamper import (
    SCRATCH,
    assert_flipped_answer_ends_session,
    assert_flipped_command_refused,
    scratch_of,
    select_scratch,
    send,
)

h = bytes.fromhex
SPECIMEN = "L898902C<,690806,940623"
SCRATCH_SIZE = 1000


def passport_profile() -> Profile:
    config = large_dg2_config()  # the 60 KB DG2 (READ BINARY B1) and the Appendix D EF.COM
    config["files"].append(
        {
            "fid": f"{SCRATCH:04X}",
            "sfi": 16,
            "size": SCRATCH_SIZE,
            "access": {"read": "sm", "update": "sm"},
        }
    )
    section = {k: v for k, v in config.items() if k not in ("type", "aid")}
    return Profile(CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, section),))


def open_card(sim: SimCard, *, extended: bool | None = None) -> Card:
    card = Card(MemoryTransport(sim), trace=True, extended_length=extended)
    card.select(EPASSPORT_AID)
    return card


def secured(card: Card) -> IsoSmHost:
    session = open_bac(card, SPECIMEN)
    card.secure(session)
    return session


def wire_after(card: Card, start: int) -> list[tuple[bytes, bytes]]:
    assert card.trace is not None
    return [(e.command, e.response) for e in card.trace.entries[start:]]


def trace_length(card: Card) -> int:
    assert card.trace is not None
    return len(card.trace.entries)


# --- whole sessions ----------------------------------------------------------------------------


def test_a_whole_bac_session_reads_every_file() -> None:
    card = open_card(SimCard(passport_profile()))
    secured(card)
    contents = {}
    for fid in ("011E", "0101", "011D"):
        card.select(h(fid))
        contents[fid] = card.read_file()
    assert contents["011E"] == DEFAULT_EF_COM
    assert contents["0101"] == dg1_content(Td3Mrz())
    assert contents["011D"][:1] == b"\x77"
    for command, _ in wire_after(card, 3):  # every command after BAC is protected
        assert command[0] & 0x0C == 0x0C


def test_two_channels_hold_independent_sessions() -> None:
    sim = SimCard(passport_profile())
    card = open_card(sim)
    channel = card.open_channel()
    channel.select(EPASSPORT_AID)
    zero, one = secured(card), open_bac(channel, SPECIMEN)
    channel.secure(one)
    assert zero.ssc != one.ssc
    card.select(h("0101"))
    channel.select(h("011E"))
    before_zero, before_one = int.from_bytes(zero.ssc, "big"), int.from_bytes(one.ssc, "big")
    for _ in range(3):  # interleaved: each counter moves only with its own channel
        assert channel.read_binary(0, 4) == DEFAULT_EF_COM[:4]
        assert card.read_binary(0, 5) == dg1_content(Td3Mrz())[:5]
    assert int.from_bytes(zero.ssc, "big") == before_zero + 6
    assert int.from_bytes(one.ssc, "big") == before_one + 6
    # A plain command on channel 1 ends that session only (ICAO 9303-11 9.8).
    channel.secure(None)
    assert channel.send(Command(0, 0xB0, 0, 0, ne=4), check=False).sw == 0x6982
    assert card.read_binary(0, 5) == dg1_content(Td3Mrz())[:5]


# --- the 60 KB DG2 ------------------------------------------------------------------------------


def test_dg2_over_short_apdus() -> None:
    card = open_card(SimCard(passport_profile()), extended=False)
    secured(card)
    card.select(h("0102"))
    start = trace_length(card)
    assert card.read_file(chunk=256) == dg2_content()
    wire = wire_after(card, start)
    assert all(len(c) <= 5 + 255 + 1 and len(r) <= 256 + 2 for c, r in wire)
    odd = [c for c, _ in wire if c[1] == 0xB1]
    assert odd, "offsets above 32767 need READ BINARY B1"
    assert all(c[0] == 0x0C and c[5] == 0x85 for c in odd)  # DO54 travels in DO85
    assert any(c[1] == 0xC0 and c[0] == 0x00 for c, _ in wire)  # plain GET RESPONSE


def test_dg2_over_extended_length() -> None:
    card = open_card(SimCard(passport_profile()), extended=True)
    secured(card)
    card.select(h("0102"))
    start = trace_length(card)
    assert card.read_file(chunk=65536) == dg2_content()
    wire = wire_after(card, start)
    assert len(wire) <= 2
    assert len(wire[0][1]) > len(dg2_content()) // 2  # one long protected answer


# --- layers under secure messaging --------------------------------------------------------------


def test_chaining_splits_the_plain_data_and_protects_each_piece() -> None:
    sim = SimCard(passport_profile())
    card = open_card(sim, extended=False)
    session = secured(card)
    card.select(h(f"{SCRATCH:04X}"))
    data = bytes(range(256)) * 2 + b"tail"
    start = trace_length(card)
    card.update_binary(0, data)
    pieces = [c for c, _ in wire_after(card, start)]
    expected = -(-len(data) // session.max_payload)
    assert session.max_payload == 231  # 3DES: derived from block and MAC size
    assert len(pieces) == expected
    assert [p[0] for p in pieces] == [0x1C] * (expected - 1) + [0x0C]  # chaining bit in CLA
    assert all(len(p) <= 5 + 255 + 1 for p in pieces)
    assert scratch_of(sim)[: len(data)] == data


def test_get_response_is_plain_and_the_answer_unwrapped_once() -> None:
    card = open_card(SimCard(passport_profile()), extended=False)
    session = secured(card)
    card.select(h("0102"))
    before = int.from_bytes(session.ssc, "big")
    start = trace_length(card)
    assert card.read_binary(0, 256) == dg2_content()[:256]
    wire = wire_after(card, start)
    assert [c[:2] for c, _ in wire] == [h("0CB0"), h("00C0")]
    assert wire[0][1][-2:-1] == b"\x61"
    assert int.from_bytes(session.ssc, "big") == before + 2  # one command, one response


class WrongLeOnce(MemoryTransport):
    """Answers 6C04 to the first protected command after it is armed (a misbehaving card)."""

    armed = False

    def transmit(self, apdu: bytes) -> bytes:
        if self.armed and apdu[0] & 0x0C:
            self.armed = False
            return h("6C04")
        return super().transmit(apdu)


def test_6cxx_is_not_retried_under_secure_messaging() -> None:
    transport = WrongLeOnce(SimCard(passport_profile()))
    card = Card(transport, trace=True)
    card.select(EPASSPORT_AID)
    secured(card)
    card.select(h("011E"))
    transport.armed = True
    start = trace_length(card)
    with pytest.raises(SecureChannelError):
        card.read_binary(0, 8)
    assert len(wire_after(card, start)) == 1  # no re-send with Le = 04
    with pytest.raises(SessionClosedError):
        card.read_binary(0, 4)


# --- tamper matrix against the real card ----------------------------------------------------------

KEYS = BacKeys.from_mrz("L898902C<", "690806", "940623")


def fresh_session(sim: SimCard) -> IsoSmHost:
    """Reset the card, run BAC on channel 0 and select the scratch EF under SM."""
    sim.reset()  # the ePassport applet is the default applet: implicitly selected
    host = BacHost(KEYS, os.urandom)
    challenge = send(sim, Command(0, 0x84, 0, 0, ne=8)).data
    answer = send(sim, external_authenticate_command(host.authenticate(challenge)))
    session = host.finish(answer.data).host_session()
    select_scratch(sim, session)
    return session


def update(offset: int, data: bytes) -> Command:
    return Command(0, 0xD6, offset >> 8, offset & 0xFF, data)


READ = Command(0, 0xB0, 0, 0, ne=8)


def assert_card_session_ended(sim: SimCard, session: IsoSmHost) -> None:
    """Later protected commands are refused (6987/6988) and a plain read answers 6982."""
    if session.active:
        assert send(sim, session.protect(READ)).sw in (0x6987, 0x6988)
    assert send(sim, READ).sw == 0x6982


@pytest.fixture(scope="module")
def sim() -> SimCard:
    return SimCard(passport_profile())


def protected_update_bits() -> list[int]:
    session = fresh_session(SimCard(passport_profile()))
    return list(range(len(session.protect(update(0, b"TAMPERED")).encode()) * 8))


@pytest.mark.parametrize("bit", protected_update_bits())
def test_flipped_command_bit_is_refused_and_changes_nothing(sim: SimCard, bit: int) -> None:
    session = fresh_session(sim)
    assert_flipped_command_refused(sim, session, update(0, b"TAMPERED"), bit)
    assert_card_session_ended(sim, session)


def protected_read_response_bits() -> list[int]:
    sim = SimCard(passport_profile())
    session = fresh_session(sim)
    return list(range(len(send(sim, session.protect(READ)).encode()) * 8))


@pytest.mark.parametrize("bit", protected_read_response_bits())
def test_flipped_response_bit_ends_the_host_session(sim: SimCard, bit: int) -> None:
    session = fresh_session(sim)
    before = scratch_of(sim)
    assert_flipped_answer_ends_session(sim, session, READ, bit)
    assert scratch_of(sim) == before
    assert_card_session_ended(sim, session)


Scenario = Callable[[SimCard, IsoSmHost], Response]


def replay_command(sim: SimCard, session: IsoSmHost) -> Response:
    first = session.protect(update(0, b"AAAAAAAA"))
    assert session.unprotect(send(sim, first)).sw == 0x9000
    assert session.unprotect(send(sim, session.protect(update(0, b"BBBBBBBB")))).sw == 0x9000
    return send(sim, first)


def drop_command(sim: SimCard, session: IsoSmHost) -> Response:
    session.protect(update(0, b"AAAAAAAA"))  # never sent
    return send(sim, session.protect(update(0, b"BBBBBBBB")))


def reorder_commands(sim: SimCard, session: IsoSmHost) -> Response:
    first = session.protect(update(0, b"AAAAAAAA"))
    second = session.protect(update(8, b"BBBBBBBB"))
    refused = send(sim, second)
    assert send(sim, first).sw in (0x6987, 0x6988)
    return refused


def drop_response(sim: SimCard, session: IsoSmHost) -> Response:
    send(sim, session.protect(READ))  # its answer never reaches the host
    return send(sim, session.protect(update(0, b"AAAAAAAA")))


@pytest.mark.parametrize(
    "scenario", [replay_command, drop_command, reorder_commands, drop_response]
)
def test_replayed_dropped_or_reordered_commands(sim: SimCard, scenario: Scenario) -> None:
    session = fresh_session(sim)
    answer = scenario(sim, session)
    assert answer.sw in (0x6987, 0x6988)
    after = scratch_of(sim)
    assert after[:16] in (bytes(16), b"BBBBBBBB" + bytes(8))  # only accepted writes landed
    assert_card_session_ended(sim, session)
    assert scratch_of(sim) == after


def test_replayed_or_reordered_responses_end_the_host_session(sim: SimCard) -> None:
    session = fresh_session(sim)
    first = send(sim, session.protect(READ))
    assert session.unprotect(first).sw == 0x9000
    send(sim, session.protect(READ))
    with pytest.raises(SecureChannelError):
        session.unprotect(first)  # an earlier answer in place of the current one
    assert not session.active
    assert_card_session_ended(sim, session)
