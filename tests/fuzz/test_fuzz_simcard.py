"""``SimCard.process`` under each applet and session state, with the state-change property.

tests/sim/test_process_fuzz.py checks that any bytes get a well-formed answer in four card
states. This file adds the states that need a handshake or a PIN (PIN verified, the Keycard
applet selected, its secure channel open, its PIN verified inside the channel; a BAC session
with the ePassport applet; an SCP03 session with the Security Domain; a PACE session with the
eID applet), genuine protected
commands (damaged or not) so that fuzzing gets past the MAC, and the property the standards set
for refused commands:

- every answer is data plus a valid status word, and no answer comes from an internal error;
- a refused command (anything but 9000 or 61xx) changes no persistent state: the card's exported
  state (files, PINs, keys, pairings, life cycle) is the same before and after, except what the
  standards mandate: a retry counter may go down on a failed verification (63Cx / 6983,
  ISO/IEC 7816-4:2020 11.5.6; decremented before the comparison) and the secure session ends on
  a secure-messaging error (ISO/IEC 7816-4:2020 10; session state is not exported).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fuzz_budget import count, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.errors import CardwireError
from cardwire.handshakes import keycard as keycard_io
from cardwire.handshakes.bac import open_bac
from cardwire.handshakes.pace import open_pace, select_application
from cardwire.handshakes.scp03 import open_scp03
from cardwire.sim.applets.eid import DEFAULT_PIN as EID_PIN
from cardwire.sim.applets.eid import EID_AID
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.applets.security_domain import DEFAULT_AID as SECURITY_DOMAIN_AID
from cardwire.sim.card import SimCard
from cardwire.sm import keycard
from cardwire.sm.base import HostSecureSession
from cardwire.sm.scp03 import StaticKeys
from cardwire.sw import SW, is_valid
from cardwire.transport.memory import MemoryTransport

FILESYSTEM = bytes.fromhex("F0636172647769726500")
ECHO = bytes.fromhex("F0636172647769726503")
DF_APP1 = bytes.fromhex("5000")
KEYCARD_PIN = b"123456"  # sim/applets/keycard.py DEFAULT_PIN (docs/simulator.md defaults)
ISO_PIN = b"1234"  # README "Default secrets of the simulated card"
MRZ = "L898902C<,690806,940623"  # the default ePassport's MRZ (ICAO 9303-11 Appendix D specimen)

COUNTER_KEYS = frozenset({"tries_left", "pin_tries_left", "puk_tries_left"})


@dataclass
class Scene:
    """A card in some state, plus the host session when a secure channel is open (and the
    class byte of the plain commands that session protects)."""

    card: SimCard
    session: HostSecureSession | None = None
    plain_cla: int = 0x00


def _send(card: SimCard, apdu: str) -> bytes:
    return card.process(bytes.fromhex(apdu))


def fresh() -> Scene:
    return Scene(SimCard(rng=random.Random(1).randbytes))


def pin_verified() -> Scene:
    scene = fresh()
    card = scene.card
    _send(card, f"00A4040C0A{FILESYSTEM.hex()}")
    _send(card, f"00A4000C02{DF_APP1.hex()}")
    assert card.process(bytes.fromhex("0020000104") + ISO_PIN) == b"\x90\x00"
    return scene


def channels_open() -> Scene:
    scene = pin_verified()
    for apdu in ("0070000001", "0070000300", f"01A4040C0A{ECHO.hex()}", "0070001300"):
        _send(scene.card, apdu)
    return scene


def mid_chain() -> Scene:
    scene = pin_verified()
    _send(scene.card, "00A4000C025008")
    assert _send(scene.card, "10D6000003414243") == b"\x90\x00"
    return scene


def pending_get_response() -> Scene:
    scene = pin_verified()
    _send(scene.card, f"00A4040C0A{ECHO.hex()}")
    scene.card.process(Command(0x10, 0x00, data=b"\x55" * 200).encode())  # a chained echo
    answer = scene.card.process(Command(0x00, 0x00, data=b"\x66" * 200, ne=256).encode())
    assert answer[-2] == 0x61
    return scene


def _keycard_card(scene: Scene) -> tuple[Card, keycard.ApplicationInfo]:
    host = Card(MemoryTransport(scene.card))
    return host, keycard_io.select_keycard(host)


def keycard_selected() -> Scene:
    scene = fresh()
    _keycard_card(scene)
    return scene


def keycard_channel_open() -> Scene:
    scene = fresh()
    host, info = _keycard_card(scene)
    rng = random.Random(2).randbytes
    pairing = keycard_io.pair(
        host, keycard.pairing_secret(keycard.DEFAULT_PAIRING_PASSWORD), rng=rng
    )
    # The session stays installed on ``host``, which is not used again: the fuzz drives it.
    scene.session = keycard_io.open_keycard(host, pairing, info.public_key, rng=rng)
    scene.plain_cla = keycard.CLA_KEYCARD
    assert scene.session.active
    return scene


def keycard_pin_verified() -> Scene:
    scene = keycard_channel_open()
    assert scene.session is not None
    answer = _exchange(scene, Command(0x80, 0x20, 0, 0, KEYCARD_PIN))
    assert answer == Response(b"", SW.SUCCESS)
    return scene


def bac_session_open() -> Scene:
    scene = fresh()
    host = Card(MemoryTransport(scene.card))
    host.select(EPASSPORT_AID)
    scene.session = open_bac(host, MRZ, rng=random.Random(3).randbytes)
    return scene


def scp03_session_open() -> Scene:
    scene = fresh()
    host = Card(MemoryTransport(scene.card))
    host.select(SECURITY_DOMAIN_AID)
    rng = random.Random(4).randbytes
    scene.session = open_scp03(host, StaticKeys.default(), level=0x33, rng=rng)
    scene.plain_cla = 0x80  # GlobalPlatform commands (GPC 11.1.4)
    return scene


def pace_session_open() -> Scene:
    scene = fresh()
    host = Card(MemoryTransport(scene.card))
    select_application(host, EID_AID)
    rng = random.Random(5).randbytes
    scene.session = open_pace(host, EID_PIN, kind="pin", rng=rng)
    return scene


SCENES: dict[str, Callable[[], Scene]] = {
    "fresh": fresh,
    "PIN verified": pin_verified,
    "channels open": channels_open,
    "mid-chain": mid_chain,
    "GET RESPONSE pending": pending_get_response,
    "keycard selected": keycard_selected,
    "keycard channel open": keycard_channel_open,
    "keycard PIN verified": keycard_pin_verified,
    "ePassport BAC session open": bac_session_open,
    "security domain SCP03 session open": scp03_session_open,
    "eID PACE session open (PIN)": pace_session_open,
}


def _exchange(scene: Scene, plain: Command) -> Response | None:
    """Send ``plain`` through the host session; the plain answer, or None if the session
    refused the answer (and ended)."""
    assert scene.session is not None
    wire = scene.card.process(scene.session.protect(plain).encode())
    try:
        return scene.session.unprotect(Response.decode(wire))
    except CardwireError:
        return None


# --- inputs ------------------------------------------------------------------------------------

INTERESTING_CLA = [0x00, 0x01, 0x03, 0x0C, 0x10, 0x13, 0x80, 0x84, 0x90, 0xFF]
INTERESTING_INS = [
    0x0E, 0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0x24, 0x2C, 0x70, 0x82, 0x84, 0x88, 0xA4,
    0xB0, 0xB1, 0xB2, 0xC0, 0xCA, 0xD4, 0xD6, 0xD8, 0xDC, 0xE2, 0xE4, 0xE6, 0xF0, 0xF2, 0xFE,
    0x50,
]  # fmt: skip

commands = st.builds(
    Command,
    st.sampled_from(INTERESTING_CLA) | st.integers(0, 255),
    st.sampled_from(INTERESTING_INS) | st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.binary(max_size=80) | st.sampled_from([ISO_PIN, KEYCARD_PIN, b"0000", b"12345678"]),
    st.sampled_from([0, 1, 16, 256]) | st.integers(0, 65536),
)


@dataclass(frozen=True)
class Step:
    """One fuzz step: raw bytes, a command, or a command sent through the secure channel
    (``damage`` > 0 flips that many bits of the protected wire bytes)."""

    raw: bytes | None = None
    command: Command | None = None
    protected: bool = False
    damage: int = 0


steps = st.one_of(
    st.builds(Step, raw=st.binary(max_size=120)),
    st.builds(Step, command=commands),
    st.builds(Step, command=commands, protected=st.just(True), damage=st.integers(0, 2)),
)


# --- the property ------------------------------------------------------------------------------


def _masked(state: Any, counters: list[int]) -> Any:
    """``state`` with every retry counter replaced by None (the values go to ``counters``)."""
    if isinstance(state, dict):
        out: dict[str, Any] = {}
        for key, value in state.items():
            if key in COUNTER_KEYS and isinstance(value, int):
                counters.append(value)
                out[key] = None
            else:
                out[key] = _masked(value, counters)
        return out
    if isinstance(state, list):
        return [_masked(item, counters) for item in state]
    return state


def _snapshot(card: SimCard) -> tuple[Any, list[int]]:
    counters: list[int] = []
    return _masked(card.current_profile().to_dict(), counters), counters


def _refused(sw: int) -> bool:
    return sw != SW.SUCCESS and sw >> 8 != 0x61


def _verification_failed(sw: int) -> bool:
    # ISO/IEC 7816-4:2020 table 6: 63Cx counter, 6983 authentication method blocked.
    return sw & 0xFFF0 == 0x63C0 or sw == SW.AUTHENTICATION_METHOD_BLOCKED


class _InternalErrors(logging.Handler):
    """The card logs every unexpected exception it turned into 6F00: each one is a finding."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def internal_errors() -> Iterator[list[str]]:
    handler = _InternalErrors()
    logger = logging.getLogger("cardwire.sim.card")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def _wire(scene: Scene, step: Step) -> tuple[bytes, bool]:
    """The bytes to send for ``step`` and whether the host session must read the answer."""
    if step.raw is not None:
        return step.raw, False
    assert step.command is not None
    if not step.protected or scene.session is None or not scene.session.active:
        return step.command.encode(), False
    plain = step.command.replace(cla=scene.plain_cla)
    try:
        wire = bytearray(scene.session.protect(plain).encode())
    except CardwireError:
        return step.command.encode(), False  # too long for the channel: send it plain
    source = random.Random(len(wire))
    for _ in range(step.damage):
        wire[source.randrange(len(wire))] ^= 1 << source.randrange(8)
    return bytes(wire), True


def run_steps(scene: Scene, sequence: list[Step], target: str) -> None:
    card = scene.card
    with internal_errors() as errors:
        for step in sequence:
            before, counters_before = _snapshot(card)
            wire, read_answer = _wire(scene, step)
            count(target)
            answer = card.process(wire)
            assert len(answer) >= 2, answer.hex()
            sw = int.from_bytes(answer[-2:], "big")
            assert is_valid(sw), answer.hex()
            if read_answer and scene.session is not None:
                try:
                    response = scene.session.unprotect(Response.decode(answer))
                    sw = response.sw
                except CardwireError:
                    pass  # the outer status word stands (the card answered outside the channel)
            if not _refused(sw):
                continue
            after, counters_after = _snapshot(card)
            assert after == before, f"refused with {sw:04X} yet the card state changed"
            if _verification_failed(sw):
                assert all(a <= b for a, b in zip(counters_after, counters_before, strict=True))
            else:
                assert counters_after == counters_before, f"{sw:04X} moved a retry counter"
    assert not errors, errors


SLOW_TO_SET_UP = {"eID PACE session open (PIN)"}  # a PACE handshake per example


@pytest.mark.parametrize("state", [name for name in SCENES if name not in SLOW_TO_SET_UP])
@fuzz_settings(25)
@given(sequence=st.lists(steps, min_size=1, max_size=6))
def test_any_command_gets_a_status_word_and_refusals_change_nothing(
    state: str, sequence: list[Step]
) -> None:
    run_steps(SCENES[state](), sequence, f"SimCard.process: {state}")


@pytest.mark.parametrize("state", sorted(SLOW_TO_SET_UP))
@fuzz_settings(6)
@given(sequence=st.lists(steps, min_size=4, max_size=12))
def test_same_property_in_states_slow_to_set_up(state: str, sequence: list[Step]) -> None:
    run_steps(SCENES[state](), sequence, f"SimCard.process: {state}")
