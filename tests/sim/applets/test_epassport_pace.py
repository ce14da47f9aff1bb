"""PACE in the ePassport applet, raw APDUs: EF.CardAccess generated from the profile, MSE:Set AT
and the GENERAL AUTHENTICATE steps (answered one by one by the card OS), order and chaining
rules, the session switch, the profile section; the card OS's ``chained_steps``."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.errors import UsageError
from cardwire.sim.applet import Applet, ChannelContext
from cardwire.sim.applets.epassport.applet import EpassportApplet
from cardwire.sim.applets.epassport.config import (
    DEFAULT_PACE_INFOS,
    PaceInfoConfig,
    PaceSettings,
    default_config,
)
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.sm.card_access import PaceInfo, build_card_access, parse_card_access
from cardwire.sm.pace import PaceHost, PacePassword, PasswordType

h = bytes.fromhex
SELECT_APP = h("00A4040C07A0000002471001")
READ_CARD_ACCESS = h("00B09C0000")  # READ BINARY, SFI 1C (ICAO 9303-10 EF.CardAccess)
READ_DG1 = h("00B0810004")
CAN = PacePassword.from_text(PasswordType.CAN, "123456")


def profile(**settings_: Any) -> Profile:
    config = default_config()
    config.update(settings_)
    section = {k: v for k, v in config.items() if k not in ("type", "aid")}
    return Profile(CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, section),))


def send(sim: SimCard, apdu: bytes | Command) -> Response:
    raw = apdu.encode() if isinstance(apdu, Command) else apdu
    return Response.decode(sim.process(raw))


@pytest.fixture
def sim() -> SimCard:
    card = SimCard(profile())
    assert send(card, SELECT_APP).sw == 0x9000
    return card


def run_pace(sim: SimCard, password: PacePassword = CAN) -> PaceHost:
    host = PaceHost(password, DEFAULT_PACE_INFOS[0], os.urandom)
    command: Command | None = host.start()
    while command is not None:
        command = host.receive(send(sim, command))
    return host


def test_ef_card_access_is_generated_and_readable_in_plain(sim: SimCard) -> None:
    answer = send(sim, READ_CARD_ACCESS)
    assert answer.sw == 0x6282  # the whole file, shorter than Le 256
    assert answer.data == build_card_access(DEFAULT_PACE_INFOS)
    assert parse_card_access(answer.data).pace == DEFAULT_PACE_INFOS


def test_pace_installs_a_session_with_ssc_0(sim: SimCard) -> None:
    session = run_pace(sim).result.session
    answer = session.unprotect(send(sim, session.protect(Command.decode(READ_DG1))))
    assert answer.sw == 0x9000 and answer.data == h("615B5F1F")
    assert send(sim, READ_DG1).sw == 0x6982  # a plain command ends it (ICAO 9303-11 9.8)


def test_every_ga_step_is_answered_with_data(sim: SimCard) -> None:
    host = PaceHost(CAN, DEFAULT_PACE_INFOS[0], os.urandom)
    command = host.start()
    assert send(sim, command).sw == 0x9000
    answers = []
    next_command = host.receive(Response())
    while next_command is not None:
        answer = send(sim, next_command)
        answers.append((next_command.cla, answer.data[:1], answer.sw))
        next_command = host.receive(answer)
    assert answers == [(0x10, b"\x7c", 0x9000)] * 3 + [(0x00, b"\x7c", 0x9000)]


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        ("10860000027C0000", 0x6985),  # GENERAL AUTHENTICATE without MSE:Set AT
        ("0022C1A403830102", 0x6A80),  # MSE:Set AT without a protocol
        ("0022C1A40F800A04007F00070202040202830105", 0x6A80),  # unknown password reference
        ("0022C1A40F800A04007F00070202040202830103", 0x6A88),  # PIN: an ePassport has none
        ("002241A40F800A04007F00070202040202830102", 0x6A86),  # not Set AT for PACE
    ],
)
def test_refusals(sim: SimCard, apdu: str, sw: int) -> None:
    assert send(sim, h(apdu)).sw == sw


def test_a_step_with_the_wrong_chaining_bit_ends_the_exchange(sim: SimCard) -> None:
    host = PaceHost(CAN, DEFAULT_PACE_INFOS[0], os.urandom)
    assert send(sim, host.start()).sw == 0x9000
    first = host.receive(Response())
    assert first is not None
    assert send(sim, first.replace(cla=0x00)).sw == 0x6985  # step 1 must be chained
    assert send(sim, first).sw == 0x6985  # and the exchange is over


def test_bac_after_pace_and_pace_after_bac(sim: SimCard) -> None:
    run_pace(sim)
    assert send(sim, h("0084000008")).sw == 0x9000  # GET CHALLENGE still there (BAC)
    run_pace(sim)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=80), cla=st.sampled_from([0x00, 0x10]))
def test_any_ga_data_gets_a_status_word(sim: SimCard, data: bytes, cla: int) -> None:
    host = PaceHost(CAN, DEFAULT_PACE_INFOS[0], os.urandom)
    assert send(sim, host.start()).sw == 0x9000
    answer = send(sim, Command(cla, 0x86, 0, 0, data, 256))
    assert answer.sw != 0x6F00  # an answer, never an internal error


def test_the_pace_section_of_the_profile() -> None:
    infos = [{"protocol": "0.4.0.127.0.7.2.2.4.1.4", "parameter_id": 2}]
    applet = EpassportApplet.from_config(default_config() | {"pace": {"can": "9", "infos": infos}})
    info = PaceInfoConfig(protocol="0.4.0.127.0.7.2.2.4.1.4", parameter_id=2)
    assert applet.pace.settings == PaceSettings(can="9", infos=(info,))
    assert applet.pace.settings.pace_infos == (PaceInfo("0.4.0.127.0.7.2.2.4.1.4", parameter_id=2),)
    again = EpassportApplet.from_config(applet.export_state())
    assert again.pace.settings == applet.pace.settings
    assert applet.export_state()["files"][0]["content"] == {"card_access": "pace"}


@pytest.mark.parametrize(
    "pace",
    [
        "123456",
        {"can": 123456},
        {"can": "1", "extra": 1},
        {"infos": []},
        {"infos": [{"protocol": "1.2.3", "parameter_id": 13}]},
        {"infos": [{"protocol": "0.4.0.127.0.7.2.2.4.2.2", "parameter_id": 0}]},  # ECDH on DH
        {"infos": [{"protocol": "0.4.0.127.0.7.2.2.4.2.2", "parameter_id": 99}]},
        {"infos": [{"protocol": "0.4.0.127.0.7.2.2.4.2.2"}]},
    ],
)
def test_bad_pace_sections_are_usage_errors(pace: object) -> None:
    with pytest.raises(UsageError):
        EpassportApplet.from_config(default_config() | {"pace": pace})


def test_files_without_ef_card_access_get_one() -> None:
    config = default_config()
    config["files"] = [f for f in config["files"] if f["fid"] != "011C"]
    sim = SimCard(Profile(CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, config),)))
    send(sim, SELECT_APP)
    assert send(sim, READ_CARD_ACCESS).data == build_card_access(DEFAULT_PACE_INFOS)


# --- the card OS: chained_steps (ISO 7816-4 5.3.3 vs. ICAO 9303-11 4.4.4.2) --------------------


class StepApplet(Applet):
    """Answers every command with its own data, and lists INS 86 in ``chained_steps``."""

    aid = h("F000000001")
    chained_steps = frozenset({0x86})

    def new_channel_state(self) -> None:
        return None

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        return Response()

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        return Response(bytes((command.cla,)) + command.data)

    def export_state(self) -> dict[str, Any]:
        return {}


def step_card() -> SimCard:
    spec = AppletSpec("steps", StepApplet.aid)
    return SimCard(Profile(CardOptions(), (spec,)), applet_types={"steps": lambda _: StepApplet()})


def test_chained_steps_reach_the_applet_one_by_one() -> None:
    sim = step_card()
    assert send(sim, h("1086000002AAAA00")) == Response(h("10AAAA"))
    assert send(sim, h("0086000001BB00")) == Response(h("00BB"))


def test_other_chains_are_still_collected() -> None:
    sim = step_card()
    assert send(sim, h("1088000002AAAA")) == Response()  # a piece: 9000, nothing yet
    assert send(sim, h("0088000001BB00")) == Response(h("00AAAABB"))
