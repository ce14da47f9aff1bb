"""The simulated Keycard applet (cardwire.sim.applets.keycard), driven through the card OS with
cardwire's host side, and directly where the OS is not the subject.

Status words follow the Keycard docs (keycard.tech/docs/apdu, one page per command).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey, verify_digest
from cardwire.errors import SessionClosedError, StatusError, UsageError
from cardwire.handshakes import keycard as keycard_io
from cardwire.sim.applet import ChannelContext
from cardwire.sim.applets import APPLET_TYPES, DEFAULT_CONFIGS
from cardwire.sim.applets.keycard import KeycardApplet
from cardwire.sim.card import SimCard
from cardwire.sim.profile import default_profile
from cardwire.sm import keycard
from cardwire.sm.keycard import KeycardCardSession, Pairing, SessionKeys
from cardwire.tlv import parse_one
from cardwire.transport.memory import MemoryTransport

DEFAULT_SECRET = keycard.pairing_secret("KeycardDefaultPairing")
GET_STATUS = Command(0x80, 0xF2, 0x00, 0x00)
GENERATE_KEY = Command(0x80, 0xD4, 0x00, 0x00)


def _rng(seed: int) -> Callable[[int], bytes]:
    counter = [seed]

    def rng(n: int) -> bytes:
        counter[0] += 1
        return hashlib.sha512(counter[0].to_bytes(4, "big")).digest()[:n]

    return rng


def _card(state: Path | None = None, seed: int = 1) -> Card:
    return Card(MemoryTransport(SimCard(state_path=state, rng=_rng(seed))))


def _verify(pin: str) -> Command:
    return Command(0x80, 0x20, 0, 0, pin.encode("ascii"))


def _open(
    card: Card, pairing: Pairing | None = None, *, pin: str | None = "123456"
) -> tuple[keycard.ApplicationInfo, Pairing]:
    info = keycard_io.select_keycard(card)
    if pairing is None:
        pairing = keycard_io.pair(card, DEFAULT_SECRET, rng=_rng(100))
    keycard_io.open_keycard(card, pairing, info.public_key, rng=_rng(200))
    if pin is not None:
        card.send(_verify(pin))
    return info, pairing


def _status(card: Card) -> tuple[int, int, bool]:
    node = parse_one(card.send(GET_STATUS).data)
    assert node.tag == 0xA3  # Keycard docs, GET STATUS: application status template
    pin, puk, key = (child.value for child in node.children)
    return pin[0], puk[0], key == b"\xff"


# --- registration and SELECT --------------------------------------------------------------------


def test_registered_and_in_the_default_profile() -> None:
    assert "keycard" in APPLET_TYPES and "keycard" in DEFAULT_CONFIGS
    assert any(spec.aid == keycard.KEYCARD_AID for spec in default_profile().applets)


@pytest.mark.parametrize(
    "aid",
    [
        "A00000080400010101",  # the instance AID (keycard-go KeycardInstanceAID(1), npm)
        "A000000804000101",  # the applet AID, a partial DF name (the PyPI keycard SDK)
    ],
)
def test_default_card_selects_the_keycard_instance(aid: str) -> None:
    # Issue 17 defect 1: the instance is installed as applet AID + instance index 01.
    sim = SimCard()
    answer = Response.decode(
        sim.process(Command(0x00, 0xA4, 0x04, 0x00, bytes.fromhex(aid), 256).encode())
    )
    assert answer.sw == 0x9000
    assert parse_one(answer.data).tag == 0xA4  # Keycard docs, SELECT: application info template


def test_select_answers_the_application_info_template() -> None:
    card = _card()
    info = keycard_io.select_keycard(card)
    assert (info.version_text, info.free_slots, info.capabilities) == ("3.1", 5, 0x07)
    assert info.key_uid == b"" and len(info.instance_uid) == 16 and info.initialized
    assert len(info.public_key) == 65 and info.public_key[0] == 0x04
    assert keycard_io.select_keycard(card) == info  # stable between selections


def test_sdk_parses_our_select_answer() -> None:
    parsing = pytest.importorskip("keycard.parsing.application_info")
    card = _card()
    raw = card.send(Command(0x00, 0xA4, 0x04, 0x00, keycard.KEYCARD_AID, 256)).data
    parsed = parsing.ApplicationInfo.parse(raw)
    assert (parsed.version_major, parsed.version_minor) == (3, 1)
    assert parsed.is_initialized and parsed.key_uid == b"" and parsed.free_pairing_slots == 5


def test_identity_and_pairings_survive_in_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "card.yaml"
    first = _card(state, seed=1)
    info, pairing = _open(first)
    first.send(GENERATE_KEY)
    again = _card(state, seed=99)  # another random generator: nothing may be regenerated
    info_again, _ = _open(again, pairing)
    assert info_again.public_key == info.public_key
    assert info_again.instance_uid == info.instance_uid
    assert info_again.free_slots == 4 and len(info_again.key_uid) == 32
    assert _status(again) == (3, 5, True)


# --- PAIR / UNPAIR -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_pair_accepts_the_pairing_modes(mode: int) -> None:
    card = _card()
    keycard_io.select_keycard(card)
    pairing = keycard_io.pair(card, DEFAULT_SECRET, mode=mode, rng=_rng(3))
    assert pairing.index == 0


@pytest.mark.parametrize(
    ("command", "sw"),
    [
        (Command(0x80, 0x12, 0x00, 0x03, bytes(32)), 0x6A86),  # unknown pairing mode
        (Command(0x80, 0x12, 0x01, 0x00, bytes(32)), 0x6A86),  # final step without step 1
        (Command(0x80, 0x12, 0x02, 0x00, bytes(32)), 0x6A86),  # P1 invalid
        (Command(0x80, 0x12, 0x00, 0x00, bytes(31)), 0x6A80),  # challenge not 32 bytes
        (Command(0x00, 0x12, 0x00, 0x00, bytes(32)), 0x6E00),  # not the Keycard class
        (Command(0x80, 0x77, 0x00, 0x00), 0x6D00),  # unknown instruction
    ],
)
def test_pair_refusals(command: Command, sw: int) -> None:
    card = _card()
    keycard_io.select_keycard(card)
    assert card.send(command, check=False).sw == sw


def test_wrong_client_cryptogram_is_6982() -> None:
    card = _card()
    keycard_io.select_keycard(card)
    assert card.send(Command(0x80, 0x12, 0, 0, bytes(32), 256)).sw == 0x9000
    assert card.send(Command(0x80, 0x12, 1, 0, bytes(32), 256), check=False).sw == 0x6982


def test_slots_run_out_with_6a84() -> None:
    card = _card()
    keycard_io.select_keycard(card)
    indexes = [keycard_io.pair(card, DEFAULT_SECRET, rng=_rng(i)).index for i in range(5)]
    assert indexes == [0, 1, 2, 3, 4]
    assert keycard_io.select_keycard(card).free_slots == 0
    with pytest.raises(StatusError) as caught:
        keycard_io.pair(card, DEFAULT_SECRET)
    assert caught.value.sw == 0x6A84


def test_pair_while_a_channel_is_open_is_6985() -> None:
    card = _card()
    _open(card, pin=None)
    card.secure(None)  # the host forgets its session; the card still has the channel
    answer = card.send(Command(0x80, 0x12, 0, 0, bytes(32), 256), check=False)
    assert answer.sw == 0x6985


def test_unpair_frees_the_slot_and_needs_the_pin() -> None:
    card = _card()
    _info, pairing = _open(card, pin=None)
    with pytest.raises(StatusError) as caught:
        keycard_io.unpair(card, pairing.index)
    assert caught.value.sw == 0x6985
    card.send(_verify("123456"))
    with pytest.raises(StatusError):
        keycard_io.unpair(card, 9)  # 6A86: no such slot
    keycard_io.unpair(card, pairing.index)
    assert keycard_io.select_keycard(card).free_slots == 5


# --- OPEN SECURE CHANNEL / MUTUALLY AUTHENTICATE -------------------------------------------------


@pytest.mark.parametrize(
    ("p1", "data", "sw"),
    [(1, None, 0x6A86), (200, None, 0x6A86), (0, b"\x04" + bytes(64), 0x6A80)],
)
def test_open_secure_channel_refusals(p1: int, data: bytes | None, sw: int) -> None:
    card = _card()
    info = keycard_io.select_keycard(card)
    keycard_io.pair(card, DEFAULT_SECRET, rng=_rng(3))  # only slot 0 is paired
    body = info.public_key if data is None else data
    assert card.send(Command(0x80, 0x10, p1, 0, body, 256), check=False).sw == sw


def test_wrong_pairing_key_fails_mutual_authentication() -> None:
    card = _card()
    info = keycard_io.select_keycard(card)
    keycard_io.pair(card, DEFAULT_SECRET, rng=_rng(3))
    with pytest.raises(SessionClosedError, match="6982"):
        keycard_io.open_keycard(card, Pairing(0, bytes(32)), info.public_key)


def test_commands_before_mutual_authentication_close_the_channel() -> None:
    card = _card()
    info = keycard_io.select_keycard(card)
    pairing = keycard_io.pair(card, DEFAULT_SECRET, rng=_rng(3))
    opener = keycard.OpenSecureChannel(pairing, info.public_key, rng=_rng(4))
    session = opener.session(card.send(opener.command()))
    card.secure(session)
    with pytest.raises(SessionClosedError, match="6982"):
        card.send(GET_STATUS)


def test_second_mutual_authentication_is_6985() -> None:
    card = _card()
    _open(card, pin=None)
    again = card.send(Command(0x80, 0x11, 0, 0, bytes(32)), check=False)
    assert again.sw == 0x6985


def test_plain_channel_command_without_a_channel_is_6982() -> None:
    card = _card()
    keycard_io.select_keycard(card)
    assert card.send(GET_STATUS, check=False).sw == 0x6982


# --- PINs ---------------------------------------------------------------------------------------


def test_verify_pin_counts_down_and_blocks_with_63c0() -> None:
    card = _card()
    _open(card, pin=None)
    answers = [card.send(_verify("000000"), check=False).sw for _ in range(4)]
    assert answers == [0x63C2, 0x63C1, 0x63C0, 0x63C0]
    assert card.send(_verify("123456"), check=False).sw == 0x63C0  # blocked: even the PIN
    assert _status(card) == (0, 5, False)


def test_unblock_pin_with_the_puk() -> None:
    card = _card()
    _open(card, pin=None)
    unblock = Command(0x80, 0x22, 0, 0, b"123456789012" + b"654321")
    assert card.send(unblock, check=False).sw == 0x6985  # the PIN is not blocked
    for _ in range(3):
        card.send(_verify("000000"), check=False)
    wrong = Command(0x80, 0x22, 0, 0, b"000000000000" + b"654321")
    assert card.send(wrong, check=False).sw == 0x63C4
    assert card.send(Command(0x80, 0x22, 0, 0, b"12345678901265432x"), check=False).sw == 0x6A80
    assert card.send(unblock).sw == 0x9000
    assert _status(card) == (3, 5, False)
    card.send(GENERATE_KEY)  # UNBLOCK PIN leaves the PIN verified
    assert card.send(_verify("654321")).sw == 0x9000


@pytest.mark.parametrize(
    ("p1", "value", "sw"),
    [
        (0x00, b"654321", 0x9000),
        (0x00, b"65432", 0x6A80),
        (0x00, b"65432a", 0x6A80),
        (0x01, b"000011112222", 0x9000),
        (0x01, b"0000111122", 0x6A80),
        (0x02, bytes(32), 0x9000),
        (0x02, bytes(31), 0x6A80),
        (0x03, b"654321", 0x6A86),
    ],
)
def test_change_pin_puk_and_pairing_secret(p1: int, value: bytes, sw: int) -> None:
    card = _card()
    _open(card)
    assert card.send(Command(0x80, 0x21, p1, 0, value), check=False).sw == sw


def test_change_pin_needs_the_pin_and_takes_effect() -> None:
    card = _card()
    _info, pairing = _open(card, pin=None)
    change = Command(0x80, 0x21, 0x00, 0, b"654321")
    assert card.send(change, check=False).sw == 0x6985
    card.send(_verify("123456"))
    card.send(change)
    _open(card, pairing, pin=None)
    assert card.send(_verify("123456"), check=False).sw == 0x63C2
    assert card.send(_verify("654321")).sw == 0x9000


class _Services:
    """Card services that record the PIN counter at every commit."""

    def __init__(self, applet: KeycardApplet) -> None:
        self.applet = applet
        self.committed: list[int] = []
        self._rng = _rng(9)

    def random(self, n: int) -> bytes:
        return self._rng(n)

    def commit(self) -> None:
        self.committed.append(self.applet.pin.tries_left)

    @property
    def terminated(self) -> bool:
        return False

    def terminate(self) -> None:
        raise AssertionError("not used")


def _direct_context(applet: KeycardApplet) -> tuple[ChannelContext, _Services]:
    services = _Services(applet)
    ctx = ChannelContext(0, services, applet, applet.new_channel_state())
    session = KeycardCardSession(SessionKeys(bytes(32), bytes(32)), bytes(16))
    session.authenticated = True
    ctx.secure_session = session
    ctx.secured = True
    return ctx, services


def _applet(**settings: Any) -> KeycardApplet:
    config = {"aid": "A000000804000101", **settings}
    applet = APPLET_TYPES["keycard"](config)
    assert isinstance(applet, KeycardApplet)
    return applet


def test_pin_counter_is_committed_before_the_comparison() -> None:
    applet = _applet()
    ctx, services = _direct_context(applet)
    applet.process(ctx, _verify("123456"))
    assert services.committed[:2] == [2, 3]  # decremented and durable, then restored
    services.committed.clear()
    with pytest.raises(Exception) as caught:
        applet.process(ctx, _verify("000000"))
    assert getattr(caught.value, "sw", None) == 0x63C2
    assert services.committed == [2]


# --- keys and SIGN ------------------------------------------------------------------------------


def test_generate_key_answers_the_key_uid() -> None:
    card = _card()
    _open(card, pin=None)
    assert card.send(GENERATE_KEY, check=False).sw == 0x6985  # PIN not verified
    card.send(_verify("123456"))
    key_uid = card.send(GENERATE_KEY).data
    info = keycard_io.select_keycard(card)
    assert info.key_uid == key_uid and len(key_uid) == 32
    applet = _applet(key=None)
    assert applet.key_uid == b""


def test_sign_returns_the_public_key_and_a_signature_that_verifies() -> None:
    applet = _applet(key=Secp256k1PrivateKey.generate(_rng(7)).scalar.hex())
    ctx, _ = _direct_context(applet)
    ctx.state.pin_verified = True
    digest = hashlib.sha256(b"cardwire").digest()
    answer = applet.process(ctx, Command(0x80, 0xC0, 0x00, 0x00, digest))
    template = parse_one(answer.data)
    assert template.tag == 0xA0  # Keycard docs, SIGN: signature template
    public_key, signature = template.children
    assert public_key.tag == 0x80 and signature.tag == 0x30
    assert applet.key is not None and public_key.value == applet.key.public_key
    verify_digest(public_key.value, digest, signature.encode())
    assert hashlib.sha256(public_key.value).digest() == applet.key_uid


@pytest.mark.parametrize(
    ("command", "sw"),
    [
        (Command(0x80, 0xC0, 0x04, 0x00, bytes(32)), 0x6A86),  # no such key option
        (Command(0x80, 0xC0, 0x00, 0x01, bytes(32)), 0x6A86),  # EdDSA: not supported
        (Command(0x80, 0xC0, 0x00, 0x00, bytes(31)), 0x6A80),
    ],
)
def test_sign_refusals(command: Command, sw: int) -> None:
    applet = _applet(key=Secp256k1PrivateKey.generate(_rng(7)).scalar.hex())
    ctx, _ = _direct_context(applet)
    ctx.state.pin_verified = True
    with pytest.raises(Exception) as caught:
        applet.process(ctx, command)
    assert getattr(caught.value, "sw", None) == sw


def test_sign_through_the_card_os() -> None:
    # Keycard SIGN is 80 C0: with CLA b8 = 1 the INS is the application's, not GET RESPONSE
    # (ISO 7816-4:2020 5.4.1), so the card OS must pass it to the applet.
    card = _card()
    _open(card)
    info_key = card.send(GENERATE_KEY).data
    digest = hashlib.sha256(b"through the OS").digest()
    answer = card.send(Command(0x80, 0xC0, 0x00, 0x00, digest))
    template = parse_one(answer.data)
    public_key = template.children[0].value
    assert hashlib.sha256(public_key).digest() == info_key
    verify_digest(public_key, digest, template.children[1].encode())


# --- configuration and robustness ---------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"colour": "red"},
        {"pin": "12345"},
        {"puk": "12345678901a"},
        {"pairing_secret": "00"},
        {"pairing_slots": 0},
        {"pairings": ["00"]},
        {"key": "00"},
        {"pin_tries_left": 4},
    ],
)
def test_bad_configuration_is_a_usage_error(settings: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        _applet(**settings)


def test_export_state_round_trips() -> None:
    applet = _applet(pairing_password="other", pin="111111", pin_tries_left=1)
    ctx, _ = _direct_context(applet)
    applet.select(ctx, Command(0x00, 0xA4, 0x04, 0x00, keycard.KEYCARD_AID))
    state = applet.export_state()
    assert state["pairing_secret"] == keycard.pairing_secret("other").hex().upper()
    again = _applet(**state)
    assert again.export_state() == state


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ins=st.sampled_from([0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0xC0, 0xD4, 0xF2, 0x99]),
    p1=st.integers(0, 255),
    p2=st.integers(0, 255),
    data=st.binary(max_size=80),
    cla=st.sampled_from([0x80, 0x00, 0x84]),
)
def test_any_command_gets_a_status_word_never_an_internal_error(
    ins: int, p1: int, p2: int, data: bytes, cla: int
) -> None:
    sim = SimCard(rng=_rng(5))
    card = Card(MemoryTransport(sim))
    keycard_io.select_keycard(card)
    raw = Command(cla, ins, p1, p2, data, 256 if data else 0).encode()
    answer = Response.decode(sim.process(raw))
    assert answer.sw != 0x6F00
