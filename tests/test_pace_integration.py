"""Host (Card + handshakes.pace) against the simulated card in memory: PACE for every domain
parameter id and cipher suite (profile variations), every password kind, the eID PIN
suspension and blocking flow, and a tamper matrix: bit flips in each GENERAL AUTHENTICATE step
and in the secure messaging afterwards end the exchange and change nothing."""

from __future__ import annotations

import os
from typing import Any

import pytest

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.errors import CardwireError, SessionClosedError, StatusError
from cardwire.handshakes.bac import MrzInformation
from cardwire.handshakes.pace import open_pace, select_application
from cardwire.sim.applets.eid import DEFAULT_PIN, DEFAULT_PUK, EID_AID, EidApplet
from cardwire.sim.applets.eid import default_config as eid_config
from cardwire.sim.applets.epassport.config import DEFAULT_CAN, default_config
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID, Td3Mrz, dg1_content
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.sm.card_access import PaceInfo
from cardwire.sm.iso7816 import IsoSmHost
from cardwire.sm.pace import (
    ALGORITHMS,
    SUPPORTED_PARAMETER_IDS,
    MappingKind,
    PaceHost,
    PacePassword,
    PasswordType,
    domain_parameters,
)
from cardwire.transport.memory import MemoryTransport
from tamper import (
    SCRATCH,
    assert_flipped_answer_ends_session,
    assert_flipped_command_refused,
    flipped,
    scratch_of,
    select_scratch,
    send,
)

h = bytes.fromhex
SPECIMEN = MrzInformation("L898902C<", "690806", "940623")  # the default card's MRZ
DG1 = h("0101")


def section(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k not in ("type", "aid")}


def passport_profile(infos: list[dict[str, Any]] | None = None) -> Profile:
    config = default_config()
    if infos is not None:
        config["pace"]["infos"] = infos
    config["files"].append(
        {"fid": f"{SCRATCH:04X}", "size": 64, "access": {"read": "sm", "update": "sm"}}
    )
    return Profile(CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, section(config)),))


def eid_profile() -> Profile:
    return Profile(CardOptions(), (AppletSpec("eid", EID_AID, section(eid_config())),))


def open_card(sim: SimCard, aid: bytes = EPASSPORT_AID) -> Card:
    card = Card(MemoryTransport(sim))
    select_application(card, aid)
    return card


# --- every domain parameter id and cipher suite ------------------------------------------------

SUITES = [
    (oid, pid)
    for oid, algorithm in sorted(ALGORITHMS.items())
    if algorithm.mapping is MappingKind.GENERIC
    for pid in SUPPORTED_PARAMETER_IDS
    if domain_parameters(pid).agreement is algorithm.agreement
]


def test_the_matrix_covers_every_curve_group_and_cipher() -> None:
    assert {pid for _, pid in SUITES} == {0, 1, 2, 12, 13, 15, 16, 17, 18}
    assert len(SUITES) == 9 * 4  # 3 DH groups + 6 curves, each with 3DES and AES-128/192/256


@pytest.mark.parametrize(("protocol", "parameter_id"), SUITES)
def test_pace_then_dg1_for_every_suite(protocol: str, parameter_id: int) -> None:
    sim = SimCard(passport_profile([{"protocol": protocol, "parameter_id": parameter_id}]))
    card = open_card(sim)
    session = open_pace(card, DEFAULT_CAN)  # parameters from EF.CardAccess
    assert session.ssc == bytes(len(session.ssc))  # ICAO 9303-11 9.8.2: SSC 0
    card.secure(session)
    card.select(DG1)
    assert card.read_file() == dg1_content(Td3Mrz())
    assert int.from_bytes(session.ssc, "big") == 4  # two commands, two responses


def test_several_infos_announce_the_parameter_id() -> None:
    infos = [
        {"protocol": "0.4.0.127.0.7.2.2.4.2.2", "parameter_id": 12},
        {"protocol": "0.4.0.127.0.7.2.2.4.2.2", "parameter_id": 13},
    ]
    card = open_card(SimCard(passport_profile(infos)))
    card.secure(open_pace(card, DEFAULT_CAN, parameter_id=13))
    card.select(DG1)
    assert card.read_file() == dg1_content(Td3Mrz())


# --- every password kind -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aid", "password", "kind"),
    [
        (EPASSPORT_AID, DEFAULT_CAN, "can"),
        (EPASSPORT_AID, "L898902C<,690806,940623", "mrz"),
        (EPASSPORT_AID, SPECIMEN, "mrz"),
        (EID_AID, DEFAULT_CAN, "can"),
        (EID_AID, DEFAULT_PIN, "pin"),
        (EID_AID, DEFAULT_PUK, "puk"),
    ],
)
def test_every_password_kind(aid: bytes, password: str | MrzInformation, kind: str) -> None:
    sim = SimCard()  # the default card holds both applets
    card = open_card(sim, aid)
    card.secure(open_pace(card, password, kind=kind))
    card.select(DG1)
    assert card.read_file()[:1] == b"\x61"  # DG1 of either applet


@pytest.mark.parametrize(
    ("aid", "kind"),
    [(EPASSPORT_AID, "can"), (EPASSPORT_AID, "mrz"), (EID_AID, "can"), (EID_AID, "puk")],
)
def test_a_wrong_password_is_refused_with_6300(aid: bytes, kind: str) -> None:
    card = open_card(SimCard(), aid)
    wrong = "L898902C<,690806,940624" if kind == "mrz" else "999999"
    with pytest.raises(StatusError) as refused:
        open_pace(card, wrong, kind=kind)
    assert refused.value.sw == 0x6300
    assert card.send(Command(0, 0xB0, 0x81, 0, ne=4), check=False).sw == 0x6982


def test_pace_on_two_channels_at_once() -> None:
    card = open_card(SimCard())
    channel = card.open_channel()
    select_application(channel, EPASSPORT_AID)
    zero, one = open_pace(card, DEFAULT_CAN), open_pace(channel, DEFAULT_CAN)
    card.secure(zero)
    channel.secure(one)
    card.select(DG1)
    channel.select(DG1)
    assert card.read_binary(0, 5) == channel.read_binary(0, 5) == dg1_content(Td3Mrz())[:5]


def test_bac_still_works_beside_pace() -> None:
    from cardwire.handshakes.bac import open_bac

    card = open_card(SimCard())
    card.secure(open_bac(card, SPECIMEN))
    card.select(DG1)
    assert card.read_file() == dg1_content(Td3Mrz())


# --- the eID PIN: suspension, resumption with the CAN, blocking, unblocking with the PUK -------


def eid_applet(sim: SimCard) -> EidApplet:
    applet = sim.applet(EID_AID)
    assert isinstance(applet, EidApplet)
    return applet


def wrong_pin(card: Card) -> int:
    with pytest.raises(StatusError) as refused:
        open_pace(card, "000000", kind="pin")
    return refused.value.sw


def test_pin_suspended_after_two_wrong_tries_resumed_with_the_can() -> None:
    sim = SimCard(eid_profile())
    card = open_card(sim, EID_AID)
    assert wrong_pin(card) == 0x63C2
    assert wrong_pin(card) == 0x63C1
    # Suspended: MSE:Set AT warns 63C1 and no PACE runs without a CAN session (6985).
    assert wrong_pin(card) == 0x6985
    assert eid_applet(sim).pin_tries_left == 1
    # TR-03110-2: PACE with the CAN, then PACE with the PIN inside that channel resumes it.
    card.secure(open_pace(card, DEFAULT_CAN, kind="can"))
    card.secure(open_pace(card, DEFAULT_PIN, kind="pin"))
    assert eid_applet(sim).pin_tries_left == 3
    card.select(DG1)
    assert card.read_file() == h("610413024944")  # 61 { 13 "ID" }


def test_third_wrong_try_under_the_can_blocks_and_the_puk_unblocks() -> None:
    sim = SimCard(eid_profile())
    card = open_card(sim, EID_AID)
    wrong_pin(card)
    wrong_pin(card)
    card.secure(open_pace(card, DEFAULT_CAN, kind="can"))
    assert wrong_pin(card) == 0x63C0  # the resumed last try, wrong: blocked
    card.secure(None)
    select_application(card, EID_AID)
    with pytest.raises(StatusError) as blocked:
        open_pace(card, DEFAULT_PIN, kind="pin")
    assert blocked.value.sw == 0x63C0  # even the right PIN: blocked
    # Unblock: PACE with the PUK, RESET RETRY COUNTER 2C 03 03 under its secure messaging.
    card.secure(open_pace(card, DEFAULT_PUK, kind="puk"))
    assert card.send(Command(0, 0x2C, 0x03, 0x03), check=False).sw == 0x9000
    assert eid_applet(sim).pin_tries_left == 3
    card.secure(open_pace(card, DEFAULT_PIN, kind="pin"))


def test_reset_retry_counter_needs_a_puk_session() -> None:
    card = open_card(SimCard(eid_profile()), EID_AID)
    assert card.send(Command(0, 0x2C, 0x03, 0x03), check=False).sw == 0x6982
    card.secure(open_pace(card, DEFAULT_CAN, kind="can"))
    assert card.send(Command(0, 0x2C, 0x03, 0x03), check=False).sw == 0x6982


# --- tamper matrix: the GENERAL AUTHENTICATE steps ---------------------------------------------

INFO = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", parameter_id=13)  # the default card's PACEInfo
CAN = PacePassword.from_text(PasswordType.CAN, DEFAULT_CAN)


READ_DG1 = Command(0, 0xB0, 0x81, 0, ne=4)  # READ BINARY of EF.DG1 by its SFI


def assert_dg1_refused(sim: SimCard) -> None:
    """A plain read of DG1 is refused (6982); a flip that opened a command chain (CLA 10 with
    another INS) first answers 6883, which ends that chain (ISO 7816-4 5.3.3)."""
    assert send(sim, READ_DG1).sw in (0x6982, 0x6883)
    assert send(sim, READ_DG1).sw == 0x6982


def card_session(sim: SimCard) -> object:
    context = sim._os.context(0)  # inspection: which session the card holds on channel 0
    assert context is not None
    return context.secure_session


def exchange_until(sim: SimCard, step: int) -> tuple[PaceHost, Command]:
    """Reset the card, select the applet and run PACE up to the command of ``step`` (0: MSE)."""
    sim.reset()
    assert send(sim, h("00A4040C07A0000002471001")).sw == 0x9000
    host = PaceHost(CAN, INFO, os.urandom)
    command: Command | None = host.start()
    for _ in range(step):
        assert command is not None
        command = host.receive(send(sim, command))
    assert command is not None
    return host, command


def finish(sim: SimCard, host: PaceHost, response: Response) -> None:
    command = host.receive(response)
    while command is not None:
        command = host.receive(send(sim, command))


def sampled_bits(wire: bytes, header: int, stride: int = 1) -> list[int]:
    """Every bit of the first ``header`` bytes, then one bit in every ``stride``-th later byte
    (rotating through the bit positions); the last byte is always included."""
    bits = list(range(header * 8))
    later = [*range(header, len(wire) - 1, stride), len(wire) - 1] if len(wire) > header else []
    bits += [i * 8 + i % 8 for i in sorted(set(later))]
    return bits


GA_STRIDE = 4  # public keys are long: one byte in four keeps the file near 20 s


GA_STEPS = (1, 2, 3, 4)


def command_cases() -> list[tuple[int, int]]:
    sim = SimCard(passport_profile())
    cases = []
    for step in GA_STEPS:
        _, command = exchange_until(sim, step)
        wire = command.encode()[:-1]  # the trailing Le is outside the protocol: not flipped
        cases += [(step, bit) for bit in sampled_bits(wire, 5, GA_STRIDE)]
    return cases


@pytest.fixture(scope="module")
def sim() -> SimCard:
    return SimCard(passport_profile())


@pytest.mark.parametrize(("step", "bit"), command_cases())
def test_flipped_command_bit_ends_pace(sim: SimCard, step: int, bit: int) -> None:
    host, command = exchange_until(sim, step)
    with pytest.raises(CardwireError):
        finish(sim, host, Response.decode(sim.process(flipped(command.encode(), bit))))
    assert card_session(sim) is None
    assert_dg1_refused(sim)


def response_cases() -> list[tuple[int, int]]:
    sim = SimCard(passport_profile())
    cases = []
    for step in GA_STEPS:
        _, command = exchange_until(sim, step)
        wire = send(sim, command).encode()
        cases += [(step, bit) for bit in sampled_bits(wire[-2:], 2)]
        cases += [(step, bit + 16) for bit in sampled_bits(wire[:-2], 0, GA_STRIDE)]
    return cases


@pytest.mark.parametrize(("step", "bit"), response_cases())
def test_flipped_response_bit_ends_pace_on_the_host(sim: SimCard, step: int, bit: int) -> None:
    host, command = exchange_until(sim, step)
    wire = bytearray(sim.process(command.encode()))
    # bits 0-15 address the status word, the rest the data field
    position = len(wire) - 2 + bit // 8 if bit < 16 else (bit - 16) // 8
    wire[position] ^= 0x80 >> (bit % 8)
    with pytest.raises(CardwireError):
        finish(sim, host, Response.decode(bytes(wire)))
    with pytest.raises((SessionClosedError, CardwireError)):
        host.receive(Response())
    # The card may have completed PACE (a flip in its last answer): the next plain command
    # ends that session (ICAO 9303-11 9.8) and nothing was read.
    assert_dg1_refused(sim)
    assert card_session(sim) is None


# --- tamper matrix: the secure messaging after PACE --------------------------------------------


def fresh_session(sim: SimCard) -> IsoSmHost:
    host, command = exchange_until(sim, 0)
    finish(sim, host, send(sim, command))
    session = host.result.session
    select_scratch(sim, session)
    return session


UPDATE = Command(0, 0xD6, 0, 0, b"TAMPERED")
READ = Command(0, 0xB0, 0, 0, ne=8)


def sm_command_bits() -> list[int]:
    wire = fresh_session(SimCard(passport_profile())).protect(UPDATE).encode()
    return sampled_bits(wire, 5)


@pytest.mark.parametrize("bit", sm_command_bits())
def test_flipped_protected_command_is_refused_and_ends_the_session(sim: SimCard, bit: int) -> None:
    session = fresh_session(sim)
    before = scratch_of(sim)
    assert_flipped_command_refused(sim, session, UPDATE, bit)
    # A flip that sent the command to another channel left channel 0 alone; the next protected
    # command then no longer matches the card's counter, and that ends the session.
    if card_session(sim) is not None:
        assert send(sim, session.protect(READ)).sw in (0x6987, 0x6988)
    assert card_session(sim) is None
    assert scratch_of(sim) == before


def sm_response_bits() -> list[int]:
    sim = SimCard(passport_profile())
    session = fresh_session(sim)
    wire = send(sim, session.protect(READ)).encode()
    return sampled_bits(wire, 0)


@pytest.mark.parametrize("bit", sm_response_bits())
def test_flipped_protected_response_ends_the_host_session(sim: SimCard, bit: int) -> None:
    session = fresh_session(sim)
    assert_flipped_answer_ends_session(sim, session, READ, bit, then=UPDATE)
