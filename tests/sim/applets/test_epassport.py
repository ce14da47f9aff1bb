"""The ePassport applet on a simulated card: ICAO 9303-11 Appendix D reproduced byte for byte,
BAC status words, secure messaging enforced per channel, the LDS files, the profile section."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.errors import UsageError
from cardwire.sim import profile as profiles
from cardwire.sim.applets.epassport.applet import EpassportApplet
from cardwire.sim.applets.epassport.config import default_config, large_dg2_config
from cardwire.sim.applets.epassport.lds import (
    DEFAULT_EF_COM,
    DG2_SIZE,
    EPASSPORT_AID,
    Td3Mrz,
    dg1_content,
    dg2_content,
)
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.sm.bac import BacHost, BacKeys, external_authenticate_command
from cardwire.sm.iso7816 import IsoSmHost
from cardwire.tlv import parse, parse_one
from scripted_rng import scripted_rng

VECTORS = Path(__file__).parents[2] / "vectors" / "icao_9303_11_appendix_d.json"
ICAO = json.loads(VECTORS.read_text())
D3, D4 = ICAO["d3_authentication"], ICAO["d4_secure_messaging"]
h = bytes.fromhex

SELECT_APP = h("00A4040C07A0000002471001")
SPECIMEN_KEYS = BacKeys.from_mrz("L898902C<", "690806", "940623")
# The ICAO 9303 TD3 specimen MRZ as PersoSim ships it (PersoSim/de.persosim.simulator,
# de.persosim.simulator/src/de/persosim/simulator/documents/MrzTD3.java, defaultMRZ).
PERSOSIM_TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C<3UTO6908061F9406236ZE184226B<<<<<14"
)


def passport_profile(**settings_: Any) -> Profile:
    config = large_dg2_config()  # the Appendix D EF.COM and the 60 KB DG2
    config.update(settings_)
    section = {k: v for k, v in config.items() if k not in ("type", "aid")}
    return Profile(CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, section),))


def send(card: SimCard, apdu: bytes | Command) -> Response:
    raw = apdu.encode() if isinstance(apdu, Command) else apdu
    return Response.decode(card.process(raw))


def bac(card: SimCard, channel_cla: int = 0x00) -> IsoSmHost:
    """BAC over raw APDUs on the channel of ``channel_cla``; the host session."""
    host = BacHost(SPECIMEN_KEYS, os.urandom)
    challenge = send(card, Command(channel_cla, 0x84, 0, 0, ne=8))
    assert challenge.sw == 0x9000
    command = external_authenticate_command(host.authenticate(challenge.data))
    answer = send(card, command.replace(cla=channel_cla))
    assert answer.sw == 0x9000
    return host.finish(answer.data).host_session()


def secure(card: SimCard, session: IsoSmHost, command: Command) -> Response:
    return session.unprotect(send(card, session.protect(command)))


@pytest.fixture
def card() -> SimCard:
    sim = SimCard(passport_profile())
    assert send(sim, SELECT_APP).sw == 0x9000
    return sim


# --- LDS content ---------------------------------------------------------------------------


def test_default_mrz_is_the_icao_td3_specimen() -> None:
    mrz = Td3Mrz()
    assert mrz.text() == PERSOSIM_TD3
    assert (mrz.document_number, mrz.date_of_birth, mrz.date_of_expiry) == (
        "L898902C<",
        "690806",
        "940623",
    )


def test_dg1_is_tag_61_with_the_mrz_in_5f1f() -> None:
    # ICAO 9303-10, data group 1: 61 L { 5F1F L MRZ }; 88 characters for TD3.
    dg1 = dg1_content(Td3Mrz())
    assert dg1[:5] == h("615B5F1F58")
    node = parse_one(dg1)
    mrz = node.find(0x5F1F)
    assert mrz is not None
    assert mrz.value == PERSOSIM_TD3.encode()


def test_ef_com_is_the_appendix_d_file() -> None:
    # ICAO 9303-11 Appendix D.4 reads EF.COM as 60145F01 || 04303130365F3606...5C026175.
    plain = [h(step["plain_response"])[:-2] for step in D4[1:]]
    assert plain[0] + plain[1] == DEFAULT_EF_COM


def test_dg2_is_a_60_kb_template_around_pattern_bytes() -> None:
    dg2 = dg2_content()
    assert len(dg2) == DG2_SIZE > 32767
    node = parse_one(dg2)
    assert node.tag == 0x75
    image = node.find_path(0x7F61, 0x7F60, 0x5F2E)
    assert image is not None
    assert image.value == bytes(i % 251 for i in range(len(image.value)))


@pytest.mark.parametrize("size", [200, 1000, 40000, 65535])
def test_dg2_has_exactly_the_asked_size(size: int) -> None:
    assert len(dg2_content(size)) == size


# --- ICAO 9303-11 Appendix D against the simulated card -----------------------------------


def test_appendix_d_bac_and_secure_messaging_byte_for_byte() -> None:
    # The card draws RND.IC then K.IC (Appendix D.3); every answer must equal the worked
    # example, so the card's SM wrapping and its EF.COM match ICAO's own bytes.
    sim = SimCard(passport_profile(), rng=scripted_rng(D3["rnd_ic"], D3["k_ic"]))
    assert send(sim, SELECT_APP).sw == 0x9000
    challenge = send(sim, h(D3["get_challenge"]))
    assert challenge == Response(h(D3["rnd_ic"]), 0x9000)
    answer = send(sim, h(D3["external_authenticate"]))
    assert answer == Response(h(D3["resp_data"]), 0x9000)
    for step in D4:
        assert sim.process(h(step["protected_command"])) == h(step["protected_response"])


# --- BAC status words ----------------------------------------------------------------------


def test_plain_reads_are_refused_before_bac(card: SimCard) -> None:
    assert send(card, h("00A4020C020101")).sw == 0x9000  # selecting is allowed
    assert send(card, h("00B0000004")).sw == 0x6982
    assert send(card, h("00B0810004")).sw == 0x6982  # by SFI 1 (EF.DG1)


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        ("0084000010", 0x6700),  # RND.IC is 8 bytes
        ("0084010008", 0x6A86),
        ("0082000028" + "00" * 40 + "28", 0x6985),  # no challenge yet
        ("0082000010" + "00" * 16, 0x6700),
        ("00A4020C0201FF", 0x6A82),
        ("00A4020802011E", 0x6A86),  # no FMD here
        ("00A4080C02011E", 0x6A86),
        ("00A4040C05F0F0F0F0F0", 0x6A82),  # no applet has that DF name
        ("0020000100", 0x6D00),
        ("80B0000004", 0x6E00),
        ("0CB0000004", 0x6988),  # SM class byte, no session
        ("00B0000004", 0x6986),  # no current EF
    ],
)
def test_refusals(card: SimCard, apdu: str, sw: int) -> None:
    assert send(card, h(apdu)).sw == sw


def test_wrong_mrz_answers_6300_and_spends_the_challenge(card: SimCard) -> None:
    wrong = BacHost(BacKeys.from_mrz("L898902C<", "690806", "940624"), os.urandom)
    challenge = send(card, h("0084000008")).data
    command = external_authenticate_command(wrong.authenticate(challenge))
    assert send(card, command).sw == 0x6300
    assert send(card, command).sw == 0x6985  # the challenge is used once


def test_select_answers(card: SimCard) -> None:
    fcp = send(card, h("00A4020402011E00"))
    assert fcp.sw == 0x9000
    node = parse_one(fcp.data)
    size = node.find(0x80)
    assert node.tag == 0x62 and size is not None
    assert int.from_bytes(size.value, "big") == len(DEFAULT_EF_COM)
    assert send(card, h("00A4000C020102")).sw == 0x9000  # P1 00 works too
    assert send(card, h("00A4040007A000000247100100")).data[:1] == b"\x6f"  # FCI of the app


# --- secure messaging ------------------------------------------------------------------------


def test_files_read_under_secure_messaging(card: SimCard) -> None:
    session = bac(card)
    assert secure(card, session, Command(0, 0xA4, 0x02, 0x0C, h("0101"))).sw == 0x9000
    dg1 = secure(card, session, Command(0, 0xB0, 0, 0, ne=256))
    assert (dg1.data, dg1.sw) == (dg1_content(Td3Mrz()), 0x6282)  # shorter than Ne
    # READ BINARY B1 at an offset above 32767: DO54 in, DO53 out, protected in DO85.
    assert secure(card, session, Command(0, 0xA4, 0x02, 0x0C, h("0102"))).sw == 0x9000
    odd = secure(card, session, Command(0, 0xB1, 0, 0, h("5403009000"), ne=64))
    (wrapped,) = parse(odd.data)
    assert wrapped.tag == 0x53
    assert wrapped.value == dg2_content()[0x9000 : 0x9000 + len(wrapped.value)]
    assert len(odd.data) == 64


def test_a_plain_command_ends_the_session(card: SimCard) -> None:
    # ICAO 9303-11 9.8 (session termination): a plain APDU aborts secure messaging.
    session = bac(card)
    assert secure(card, session, Command(0, 0xA4, 0x02, 0x0C, h("011E"))).sw == 0x9000
    assert send(card, h("00B0000004")).sw == 0x6982
    assert send(card, session.protect(Command(0, 0xB0, 0, 0, ne=4))).sw == 0x6988


def test_an_sm_error_ends_the_session_and_answers_in_plain(card: SimCard) -> None:
    session = bac(card)
    protected = bytearray(session.protect(Command(0, 0xA4, 0x02, 0x0C, h("011E"))).encode())
    protected[-3] ^= 0x01  # a MAC bit
    assert card.process(bytes(protected)) == h("6988")
    assert send(card, h("0CA4020C00")).sw in (0x6700, 0x6988)
    assert send(card, h("00A4020C02011E")).sw == 0x9000
    assert send(card, h("00B0000004")).sw == 0x6982


def test_missing_mac_answers_6987(card: SimCard) -> None:
    session = bac(card)
    protected = session.protect(Command(0, 0xB0, 0, 0, ne=4))
    without_mac = protected.replace(data=protected.data[:3])  # DO97 only
    assert send(card, without_mac).sw == 0x6987


def test_bac_inside_a_session_is_refused(card: SimCard) -> None:
    session = bac(card)
    challenge = secure(card, session, Command(0, 0x84, 0, 0, ne=8))
    assert challenge.sw == 0x9000 and len(challenge.data) == 8
    data = BacHost(SPECIMEN_KEYS, os.urandom).authenticate(challenge.data)
    assert secure(card, session, external_authenticate_command(data)).sw == 0x6985


def test_sessions_are_per_channel(card: SimCard) -> None:
    assert send(card, h("0070000001")).data == b"\x01"
    assert send(card, h("01A4040C07A0000002471001")).sw == 0x9000
    zero = bac(card, 0x00)
    assert send(card, h("01A4020C020101")).sw == 0x9000
    assert send(card, h("01B0000004")).sw == 0x6982  # channel 1 has no BAC
    one = bac(card, 0x01)
    assert zero.ssc != one.ssc
    select = Command(0x01, 0xA4, 0x02, 0x0C, h("011E"))
    assert secure(card, one, select).sw == 0x9000
    assert secure(card, zero, Command(0, 0xA4, 0x02, 0x0C, h("011E"))).sw == 0x9000
    assert secure(card, one, Command(0x01, 0xB0, 0, 0, ne=4)).data == DEFAULT_EF_COM[:4]
    assert send(card, h("01B0000004")).sw == 0x6982  # ends channel 1's session only
    assert secure(card, zero, Command(0, 0xB0, 0, 0, ne=4)).data == DEFAULT_EF_COM[:4]


def test_reselecting_ends_the_session(card: SimCard) -> None:
    session = bac(card)
    assert send(card, SELECT_APP).sw == 0x9000
    assert send(card, session.protect(Command(0, 0xB0, 0, 0, ne=4))).sw == 0x6988


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=4, max_size=300))
def test_any_bytes_get_a_status_word(apdu: bytes) -> None:
    sim = SimCard(passport_profile())
    send(sim, SELECT_APP)
    answer = sim.process(apdu)
    assert len(answer) >= 2
    assert answer[-2:] != h("6F00")  # never an internal error


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=80))
def test_any_protected_body_is_refused_or_answered(body: bytes) -> None:
    sim = SimCard(passport_profile())
    send(sim, SELECT_APP)
    bac(sim)
    answer = Response.decode(sim.process(Command(0x0C, 0xB0, 0, 0, body, 256).encode()))
    assert answer.sw in (0x6987, 0x6988)
    assert send(sim, h("00B0000004")).sw in (0x6982, 0x6986)


# --- profile section ---------------------------------------------------------------------------


def test_default_profile_has_the_epassport_applet() -> None:
    spec = next(s for s in profiles.default_profile().applets if s.type == "epassport")
    assert spec.aid == EPASSPORT_AID
    assert spec.settings["mrz"]["document_number"] == "L898902C<"


def test_export_round_trip_keeps_generated_files_small() -> None:
    applet = EpassportApplet.from_config(default_config())
    state = applet.export_state()
    assert len(json.dumps(state)) < 3000  # the issued files stay generated, not hex
    again = EpassportApplet.from_config(state)
    assert again.export_state() == state
    assert [bytes(ef.data) for ef in again.files.children] == [  # type: ignore[union-attr]
        bytes(ef.data)  # type: ignore[union-attr]
        for ef in applet.files.children
    ]


def test_changed_files_are_exported_with_their_content(tmp_path: Path) -> None:
    config = default_config()
    config["files"].append(
        {"fid": "0110", "sfi": 16, "size": 8, "access": {"read": "sm", "update": "sm"}}
    )
    state_path = tmp_path / "state.yaml"
    section = {k: v for k, v in config.items() if k not in ("type", "aid")}
    profile = Profile(CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, section),))
    sim = SimCard(profile, state_path=state_path)
    send(sim, SELECT_APP)
    session = bac(sim)
    assert secure(sim, session, Command(0, 0xA4, 0x02, 0x0C, h("0110"))).sw == 0x9000
    assert secure(sim, session, Command(0, 0xD6, 0, 2, b"ICAO")).sw == 0x9000
    reloaded = SimCard.from_files(None, state_path)
    applet = reloaded.applet(EPASSPORT_AID)
    assert isinstance(applet, EpassportApplet)
    written = applet.files.child(0x0110)
    assert written is not None and bytes(written.data) == b"\0\0ICAO\0\0"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "section",
    [
        {"colour": "red"},
        {"mrz": {"date_of_birth": "6908"}},
        {"mrz": {"shoe_size": "42"}},
        {"mrz": "L898902C<"},
        {"files": [{"fid": "01"}]},
        {"files": [{"fid": "011E", "sfi": 40}]},
        {"files": [{"fid": "011E"}, {"fid": "011E"}]},
        {"files": [{"fid": "011E", "content": {"dg2": "synthetic"}}]},
        {"files": [{"fid": "011E", "pattern": 3}]},
        {"multiselectable": "yes"},
        {"files": "none"},
    ],
)
def test_bad_sections_name_the_problem(section: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        EpassportApplet.from_config({"type": "epassport", **section})
