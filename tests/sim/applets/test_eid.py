"""The eID-style applet: PACE with CAN/PIN/PUK, the PIN's retry counter committed before the
token comparison, suspension and blocking answers to MSE:Set AT, RESET RETRY COUNTER rules, the
data files behind PACE, the profile section (BSI TR-03110-2/-3/-4, see the module docstring)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from cardwire.apdu import Command, Response
from cardwire.errors import CardwireError, UsageError
from cardwire.sim.applets.eid import (
    DEFAULT_PIN,
    DEFAULT_PUK,
    EID_AID,
    EidApplet,
    default_config,
)
from cardwire.sim.applets.epassport.config import DEFAULT_CAN, DEFAULT_PACE_INFOS
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.sm.iso7816 import IsoSmHost
from cardwire.sm.pace import PaceHost, PacePassword, PasswordType

h = bytes.fromhex
SELECT_EID = h("00A4040C09E80704007F00070302")  # BSI TR-03110-4 2.2.1
MSE_PIN = h("0022C1A40F800A04007F00070202040202830103")  # MSE:Set AT, PACE, password 03 (PIN)
READ_DG4 = h("00B0840000")


class RecordingCard(SimCard):
    """A simulated card that records the PIN counter each time a change is made durable."""

    committed: list[int]

    def commit(self) -> None:
        applet = self.applet(EID_AID)
        assert isinstance(applet, EidApplet)
        self.committed.append(applet.pin_tries_left)
        super().commit()


def eid_card(**settings_: Any) -> RecordingCard:
    config = default_config() | settings_
    section = {k: v for k, v in config.items() if k not in ("type", "aid")}
    card = RecordingCard(Profile(CardOptions(), (AppletSpec("eid", EID_AID, section),)))
    card.committed = []
    assert send(card, SELECT_EID).sw == 0x9000
    return card


def send(sim: SimCard, apdu: bytes | Command) -> Response:
    raw = apdu.encode() if isinstance(apdu, Command) else apdu
    return Response.decode(sim.process(raw))


def pace(sim: SimCard, kind: PasswordType, text: str, session: IsoSmHost | None = None) -> Any:
    """Run PACE (inside ``session`` when given); the result, or the error's status word."""
    host = PaceHost(PacePassword.from_text(kind, text), DEFAULT_PACE_INFOS[0], os.urandom)

    def exchange(command: Command) -> Response:
        if session is None:
            return send(sim, command)
        return session.unprotect(send(sim, session.protect(command)))

    answer = exchange(host.start())
    if answer.sw & 0xFFF0 == 0x63C0:
        answer = Response(sw=0x9000)  # TR-03110-3 B.1: a warning
    try:
        command: Command | None = host.receive(answer)
        while command is not None:
            command = host.receive(exchange(command))
    except CardwireError as error:
        return getattr(error, "sw", None)
    return host.result.session


def applet(sim: SimCard) -> EidApplet:
    found = sim.applet(EID_AID)
    assert isinstance(found, EidApplet)
    return found


def test_the_counter_is_committed_before_the_comparison() -> None:
    sim = eid_card()
    assert pace(sim, PasswordType.PIN, "000000") == 0x63C2
    assert sim.committed == [2]  # decremented and durable before the token was compared
    assert isinstance(pace(sim, PasswordType.PIN, DEFAULT_PIN), IsoSmHost)
    assert sim.committed == [2, 1, 3]  # the right PIN: a try spent first, then restored


@pytest.mark.parametrize(("tries", "sw"), [(3, 0x9000), (2, 0x63C2), (1, 0x63C1), (0, 0x63C0)])
def test_mse_set_at_answers_the_counter(tries: int, sw: int) -> None:
    sim = eid_card(pin_tries_left=tries)
    assert send(sim, MSE_PIN).sw == sw
    step1 = send(sim, h("10860000027C0000")).sw
    assert step1 == (0x9000 if tries >= 2 else 0x6985)  # suspended or blocked: no PACE


def test_suspended_pin_runs_inside_a_can_session() -> None:
    sim = eid_card(pin_tries_left=1)
    can = pace(sim, PasswordType.CAN, DEFAULT_CAN)
    assert isinstance(can, IsoSmHost)
    pin = pace(sim, PasswordType.PIN, DEFAULT_PIN, session=can)
    assert isinstance(pin, IsoSmHost)
    assert applet(sim).pin_tries_left == 3
    assert pin.unprotect(send(sim, pin.protect(Command.decode(READ_DG4)))).data[:1] == b"\x64"


def test_malformed_token_step_gives_the_try_back() -> None:
    sim = eid_card()
    host = PaceHost(
        PacePassword.from_text(PasswordType.PIN, "000000"), DEFAULT_PACE_INFOS[0], os.urandom
    )
    command: Command | None = host.start()
    for _ in range(4):
        assert command is not None
        command = host.receive(send(sim, command))
    assert send(sim, h("00860000047C02990000")).sw == 0x6A80  # 7C { 99 }: no token at all
    assert applet(sim).pin_tries_left == 3
    assert sim.committed == [2, 3]


@pytest.mark.parametrize(
    ("password", "apdu", "sw"),
    [
        (None, "002C0303", 0x6982),
        ((PasswordType.CAN, DEFAULT_CAN), "002C0303", 0x6982),
        ((PasswordType.PIN, DEFAULT_PIN), "002C0303", 0x6982),  # unblocking needs the PUK
        ((PasswordType.PUK, DEFAULT_PUK), "002C0303", 0x9000),
        ((PasswordType.PUK, DEFAULT_PUK), "002C030301AA", 0x6700),
        ((PasswordType.PUK, DEFAULT_PUK), "002C0304", 0x6A88),
        ((PasswordType.PUK, DEFAULT_PUK), "002C0103", 0x6A86),
        ((PasswordType.PIN, DEFAULT_PIN), "002C020306313131313131", 0x9000),
        ((PasswordType.PIN, DEFAULT_PIN), "002C02030631313131313A", 0x6A80),
    ],
)
def test_reset_retry_counter(password: tuple[PasswordType, str] | None, apdu: str, sw: int) -> None:
    sim = eid_card(pin_tries_left=2)
    command = Command.decode(h(apdu))
    if password is None:
        assert send(sim, command).sw == sw
        return
    session = pace(sim, *password)
    assert isinstance(session, IsoSmHost)
    assert session.unprotect(send(sim, session.protect(command))).sw == sw
    if sw == 0x9000:
        assert applet(sim).pin_tries_left == 3


def test_a_changed_pin_is_the_new_password() -> None:
    sim = eid_card()
    session = pace(sim, PasswordType.PIN, DEFAULT_PIN)
    assert isinstance(session, IsoSmHost)
    change = Command(0, 0x2C, 0x02, 0x03, b"111111")
    assert session.unprotect(send(sim, session.protect(change))).sw == 0x9000
    assert pace(sim, PasswordType.PIN, DEFAULT_PIN) == 0x63C2
    assert isinstance(pace(sim, PasswordType.PIN, "111111"), IsoSmHost)
    assert EidApplet.from_config(applet(sim).export_state()).pace_passwords()[
        PasswordType.PIN
    ] == PacePassword.from_text(PasswordType.PIN, "111111")


def test_files_need_pace_and_bac_is_absent() -> None:
    sim = eid_card()
    assert send(sim, READ_DG4).sw == 0x6982
    assert send(sim, h("00B09C0000")).sw == 0x6282  # EF.CardAccess: plain
    assert send(sim, h("0084000008")).sw == 0x6D00  # no BAC on an eID application
    assert send(sim, MSE_PIN.replace(h("830103"), h("830101"))).sw == 0x6A88  # no MRZ


def test_export_round_trip_keeps_the_counter() -> None:
    sim = eid_card(pin_tries_left=1)
    state = applet(sim).export_state()
    assert state["pin_tries_left"] == 1
    assert EidApplet.from_config(state).export_state() == state


@pytest.mark.parametrize(
    "settings_",
    [{"pin": 123456}, {"puk": "12ab"}, {"pin_tries_left": 4}, {"pin_tries_left": "3"}, {"mrz": {}}],
)
def test_bad_sections_are_usage_errors(settings_: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        EidApplet.from_config(default_config() | settings_)
