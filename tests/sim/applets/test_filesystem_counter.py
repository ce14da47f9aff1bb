"""The file-system applet's ``counter_sm`` option (seed 003 counter mode) on the simulated card,
through ``SimCard.process``: the initial value answer, EF 5007 under the session only, and an
inserted, replayed or deleted protected APDU ending the session."""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.crypto.cmac import aes_cmac
from cardwire.errors import SecureChannelError, UsageError
from cardwire.sim.applets.filesystem import FileSystemApplet, default_config
from cardwire.sim.applets.filesystem.counter_sm import CounterSmSettings
from cardwire.sim.card import SimCard
from cardwire.sim.config_loader import load
from cardwire.sim.profile import Profile, default_profile
from cardwire.sm.counter import CounterHost
from cardwire.sm.iso7816 import CounterPlacement, SmMode, make_suite
from cardwire.sw import SW

# The default profile's documented counter_sm keys (docs/simulator.md, defaults table).
KENC = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
KMAC = bytes.fromhex("8899AABBCCDDEEFF0011223344556677")
KEY1 = bytes(range(16))  # the default profile's key 01 (docs/simulator.md)
SELECT_DEMO_1 = bytes.fromhex("00A4040C0AF0636172647769726501")
SELECT_5007 = Command(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("5007"))
READ = Command(0x00, 0xB0, 0x00, 0x00, ne=256)
PROTECTED_TEXT = b"protected by secure messaging"


class RecordingRng:
    """A seeded generator that remembers what it gave (the card's random source)."""

    def __init__(self, seed: int = 3) -> None:
        self._rng = random.Random(seed)
        self.given: list[bytes] = []

    def __call__(self, n: int) -> bytes:
        value = self._rng.randbytes(n)
        self.given.append(value)
        return value


def profile_with(counter_sm: dict[str, Any] | None) -> Profile:
    """The default profile with the file-system applet's counter_sm section replaced."""
    profile = default_profile()
    applets = []
    for spec in profile.applets:
        if spec.type == "filesystem":
            settings = {k: v for k, v in spec.settings.items() if k != "counter_sm"}
            if counter_sm is not None:
                settings["counter_sm"] = counter_sm
            applets.append(dataclasses.replace(spec, settings=settings))
        else:
            applets.append(spec)
    return dataclasses.replace(profile, applets=tuple(applets))


def exchange(sim: SimCard, command: Command) -> Response:
    return Response.decode(sim.process(command.encode()))


def start(
    sim: SimCard, width: int = 2, placement: str = "data-object", mode: str = "combined"
) -> CounterHost:
    """Select demo application 1 and fetch the initial counter value (GET CHALLENGE Le=width)."""
    assert Response.decode(sim.process(SELECT_DEMO_1)).sw == SW.SUCCESS
    answer = exchange(sim, Command(0x00, 0x84, 0x00, 0x00, ne=width))
    assert answer.sw == SW.SUCCESS
    return CounterHost.from_challenge(
        make_suite("aes", KENC, KMAC),
        answer.data,
        width=width,
        placement=CounterPlacement(placement),
        mode=SmMode(mode),
    )


def secure(sim: SimCard, host: CounterHost, command: Command) -> Response:
    return host.unprotect(exchange(sim, host.protect(command)))


def test_initial_value_is_width_random_bytes_from_the_card() -> None:
    rng = RecordingRng()
    sim = SimCard(rng=rng)
    sim.process(SELECT_DEMO_1)
    answer = exchange(sim, Command(0x00, 0x84, 0x00, 0x00, ne=2))
    assert answer.sw == SW.SUCCESS
    assert answer.data == rng.given[-1]
    assert len(answer.data) == 2


def test_ef_5007_is_readable_only_under_the_session() -> None:
    sim = SimCard()
    sim.process(SELECT_DEMO_1)
    assert exchange(sim, SELECT_5007).sw == SW.SUCCESS
    assert exchange(sim, READ).sw == SW.SECURITY_STATUS_NOT_SATISFIED
    host = start(sim)
    assert secure(sim, host, SELECT_5007).sw == SW.SUCCESS
    answer = secure(sim, host, READ)
    assert answer.data == PROTECTED_TEXT


SETUPS = [
    ("aes", 2, "data-object", "combined"),
    ("aes", 2, "xor", "combined"),
    ("aes", 4, "data-object", "authentic"),
    ("3des", 2, "xor", "authentic"),
    ("3des", 1, "data-object", "combined"),
]


@pytest.mark.parametrize(("suite", "width", "placement", "mode"), SETUPS)
def test_every_profile_setting_round_trips(
    suite: str, width: int, placement: str, mode: str
) -> None:
    section = {
        "suite": suite,
        "enc_key": KENC.hex(),
        "mac_key": KMAC.hex(),
        "width": width,
        "placement": placement,
        "mode": mode,
    }
    sim = SimCard(profile_with(section))
    sim.process(SELECT_DEMO_1)
    answer = exchange(sim, Command(0x00, 0x84, 0x00, 0x00, ne=width))
    host = CounterHost.from_challenge(
        make_suite(suite, KENC, KMAC),
        answer.data,
        width=width,
        placement=CounterPlacement(placement),
        mode=SmMode(mode),
    )
    assert secure(sim, host, SELECT_5007).sw == SW.SUCCESS
    assert secure(sim, host, READ).data == PROTECTED_TEXT


class Session:
    """The genuine host's side of one counter session and what went over the wire."""

    def __init__(self, sim: SimCard, placement: str) -> None:
        self.sim, self.placement = sim, CounterPlacement(placement)
        assert Response.decode(sim.process(SELECT_DEMO_1)).sw == SW.SUCCESS
        self.initial = exchange(sim, Command(0x00, 0x84, 0x00, 0x00, ne=2)).data
        self.host = self.twin()
        self.sent = self.host.protect(SELECT_5007)
        self.answer = exchange(sim, self.sent)
        assert self.host.unprotect(self.answer).sw == SW.SUCCESS

    def twin(self) -> CounterHost:
        """A host with the same keys and initial value, at the start of the session."""
        suite = make_suite("aes", KENC, KMAC)
        return CounterHost.from_challenge(suite, self.initial, placement=self.placement)


def _replay(session: Session) -> Response:
    return exchange(session.sim, session.sent)  # the last protected command again


def _drop(session: Session) -> Response:
    session.host.protect(READ)  # protected on the host, never reaches the card
    return exchange(session.sim, session.host.protect(READ))


def _insert(session: Session) -> Response:
    # An attacker holding the keys inserts one command of its own; the card accepts it, and
    # the genuine host's next command then carries a counter the card has passed.
    attacker = session.twin()
    attacker.protect(SELECT_5007)
    attacker.unprotect(session.answer)
    inserted = attacker.unprotect(exchange(session.sim, attacker.protect(READ)))
    assert inserted.data == PROTECTED_TEXT
    return exchange(session.sim, session.host.protect(READ))


@pytest.mark.parametrize("tamper", [_replay, _drop, _insert], ids=["replay", "drop", "insert"])
@pytest.mark.parametrize("placement", ["data-object", "xor"])
def test_a_tampered_sequence_ends_the_session(
    tamper: Callable[[Session], Response], placement: str
) -> None:
    sim = SimCard(profile_with({**default_config()["counter_sm"], "placement": placement}))
    session = Session(sim, placement)
    refused = tamper(session)
    assert refused.sw in (SW.SM_DATA_OBJECTS_INCORRECT, SW.SM_DATA_OBJECTS_MISSING)
    assert not refused.data  # answered unprotected
    # The card's session is gone: the next protected command is not read under SM.
    later = exchange(sim, session.host.protect(READ))
    assert later.sw != SW.SUCCESS
    with pytest.raises(SecureChannelError):
        session.host.unprotect(later)


def test_eight_byte_challenge_keeps_external_authenticate() -> None:
    sim = SimCard()
    sim.process(SELECT_DEMO_1)
    challenge = exchange(sim, Command(0x00, 0x84, 0x00, 0x00, ne=8))
    assert challenge.sw == SW.SUCCESS and len(challenge.data) == 8
    answer = exchange(sim, Command(0x00, 0x82, 0x00, 0x01, aes_cmac(KEY1, challenge.data)))
    assert answer.sw == SW.SUCCESS
    assert exchange(sim, SELECT_5007).sw == SW.SUCCESS
    assert exchange(sim, READ).sw == SW.SECURITY_STATUS_NOT_SATISFIED  # no session started


def test_without_the_option_a_two_byte_challenge_is_a_wrong_length() -> None:
    sim = SimCard(profile_with(None))
    sim.process(SELECT_DEMO_1)
    assert exchange(sim, Command(0x00, 0x84, 0x00, 0x00, ne=2)).sw == SW.WRONG_LENGTH


def test_the_section_survives_export_state() -> None:
    applet = FileSystemApplet.from_config(default_config())
    assert applet.counter_sm is not None
    assert applet.export_state()["counter_sm"] == default_config()["counter_sm"]
    plain = default_config()
    del plain["counter_sm"]
    assert "counter_sm" not in FileSystemApplet.from_config(plain).export_state()


BAD_SECTIONS = [
    ("not a mapping", "counter_sm: expected a mapping"),
    ({"suite": "des"}, "counter_sm.suite"),
    ({"enc_key": "zz"}, "counter_sm.enc_key"),
    ({"mac_key": None}, "counter_sm.mac_key"),
    ({"width": 9}, "width must be 1..8"),
    ({"width": 0}, "width must be 1..8"),
    ({"width": True}, "counter_sm.width"),
    ({"placement": "prefix"}, "counter_sm.placement"),
    ({"mode": "plain"}, "counter_sm.mode"),
    ({"colour": "red"}, "counter_sm.colour: unknown key"),
    ({"enc_key": "0011"}, "K_enc and K_mac"),
]


@pytest.mark.parametrize(("change", "message"), BAD_SECTIONS)
def test_bad_sections_are_usage_errors(change: object, message: str) -> None:
    section: object = change
    if isinstance(change, dict):
        section = {**default_config()["counter_sm"], **change}
        section = {k: v for k, v in section.items() if v is not None}
    with pytest.raises(UsageError, match=message):
        load(CounterSmSettings, section, "counter_sm")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_under_the_session_get_a_status_word(apdu: bytes) -> None:
    sim = SimCard(rng=os.urandom)
    start(sim)
    answer = sim.process(apdu)
    assert len(answer) >= 2
