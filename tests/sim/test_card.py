"""SimCard: ATR, power and reset, never raising, thread safety, injected randomness, state."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from cardwire.apdu import Command, Response
from cardwire.atr import Atr, decode_historical
from cardwire.hexutil import parse_hex
from cardwire.sim import profile as profiles
from cardwire.sim.applet import Applet, AppletFactory, CardStatus, ChannelContext
from cardwire.sim.applets import APPLET_TYPES
from cardwire.sim.card import SimCard, build_atr
from cardwire.sim.profile import ECHO_AID, AppletSpec, CardOptions, Profile

TOOL_AID = bytes.fromhex("F0000000DD01")
INS_CRASH = 0x30
INS_BUMP = 0x40  # card-wide counter + commit
INS_SLOW = 0x42  # detects overlapping calls
INS_SECURE = 0x44  # installs a MarkerSession on the channel


class MarkerSession:
    """A card-side session that unwraps nothing (plain commands pass); records whether the
    card closed it."""

    def __init__(self) -> None:
        self.active = True

    def handles(self, command: Command) -> bool:
        return False

    def admits_plain(self, command: Command) -> bool:
        return True

    def unwrap(self, command: Command) -> Command:
        return command

    def wrap(self, response: Response) -> Response:
        return response

    def close(self) -> None:
        self.active = False


class Tool(Applet):
    def __init__(self, aid: bytes, counter: int) -> None:
        self.aid = aid
        self.counter = counter
        self.inside = 0
        self.overlaps = 0
        self.sessions: dict[int, MarkerSession] = {}

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> Tool:
        return cls(parse_hex(section["aid"]), int(section.get("counter", 0)))

    def new_channel_state(self) -> None:
        return None

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        return Response()

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        if command.ins == INS_CRASH:
            raise RuntimeError("secret 31323334 must not be logged as data")
        if command.ins == INS_BUMP:
            self.counter += 1
            ctx.card.commit()
            return Response(self.counter.to_bytes(2, "big"))
        if command.ins == INS_SECURE:
            session = self.sessions[ctx.channel] = MarkerSession()
            ctx.secure_session = session
            return Response()
        if command.ins == INS_SLOW:
            self.inside += 1
            if self.inside > 1:
                self.overlaps += 1
            # Give another thread a chance to enter if the card let it (no lock = overlap).
            threading.Event().wait(0.0005)
            self.inside -= 1
            return Response(command.data)
        raise CardStatus(0x6D00)

    def export_state(self) -> dict[str, Any]:
        return {"counter": self.counter}


TYPES: dict[str, AppletFactory] = {"tool": Tool.from_section, "echo": APPLET_TYPES["echo"]}


def tool_profile(**options: Any) -> Profile:
    return Profile(CardOptions(**options), (AppletSpec("tool", TOOL_AID),))


def tool_card(state_path: Path | None = None, **options: Any) -> SimCard:
    return SimCard(tool_profile(**options), state_path=state_path, applet_types=TYPES)


def send(card: SimCard, hex_apdu: str) -> Response:
    return Response.decode(card.process(parse_hex(hex_apdu)))


# --- ATR (ISO 7816-3:2006 section 8, historical bytes ISO 7816-4:2020 8.1.1) ------------------


def test_default_atr_is_direct_convention_t1_with_card_capabilities() -> None:
    raw = SimCard().atr
    assert raw[0] == 0x3B
    atr = Atr.parse(raw)  # cardwire's own ATR parser, written independently from the spec
    assert atr.protocols == (1,)
    assert atr.tck_valid is True
    history = decode_historical(atr.historical)
    assert history.category == 0x00
    capabilities = history.card_capabilities
    assert capabilities is not None
    assert capabilities.extended_length
    assert capabilities.command_chaining
    assert capabilities.channel_assignment == "card-and-interface-device"
    assert capabilities.max_logical_channels == 8  # "8 or more" is the highest code (table 119)
    assert history.lifecycle_status == 0x05
    assert history.sw == 0x9000


@pytest.mark.parametrize(
    ("options", "protocols", "tck"),
    [
        ({"protocols": (1,)}, (1,), True),
        ({"protocols": (0,)}, (0,), False),
        ({"protocols": (0, 1)}, (0, 1), True),
    ],
)
def test_atr_announces_the_profile_protocols(
    options: dict[str, Any], protocols: tuple[int, ...], tck: bool
) -> None:
    atr = Atr.parse(build_atr(CardOptions(**options)))
    assert atr.protocols == protocols
    assert (atr.tck is not None) == tck
    if tck:
        assert atr.tck_valid is True


@pytest.mark.parametrize(
    ("options", "extended", "channels", "assignment"),
    [
        ({"extended_length": False}, False, 8, "card-and-interface-device"),
        ({"logical_channels": 4}, True, 4, "card-and-interface-device"),
        ({"logical_channels": 1}, True, 1, "none"),
    ],
)
def test_atr_card_capabilities_follow_the_profile(
    options: dict[str, Any], extended: bool, channels: int, assignment: str
) -> None:
    atr = Atr.parse(build_atr(CardOptions(**options)))
    capabilities = decode_historical(atr.historical).card_capabilities
    assert capabilities is not None
    assert capabilities.extended_length == extended
    assert capabilities.max_logical_channels == channels
    assert capabilities.channel_assignment == assignment


def test_profile_historical_bytes_override() -> None:
    history = bytes.fromhex("80 31 C0".replace(" ", ""))
    atr = Atr.parse(build_atr(CardOptions(historical_bytes=history)))
    assert atr.historical == history


# --- power, reset, never raising ---------------------------------------------------------


def test_card_starts_powered_and_answers_6f00_when_off() -> None:
    card = tool_card()
    assert card.powered
    card.power_off()
    assert not card.powered
    assert card.process(bytes.fromhex("00400000")) == bytes.fromhex("6F00")
    atr = card.power_on()
    assert atr == card.atr
    assert send(card, "0040000000").ok


def test_reset_returns_the_atr_and_ends_channels() -> None:
    card = tool_card()
    assert send(card, "0070000001").data == b"\x01"
    assert card.reset() == card.atr
    assert card.open_channels() == (0,)


def test_an_internal_error_answers_6f00_and_is_logged_without_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    card = tool_card()
    with caplog.at_level(logging.ERROR, logger="cardwire.sim.card"):
        answer = card.process(bytes.fromhex("0030000004DEADBEEF"))
    assert answer == bytes.fromhex("6F00")
    assert len(caplog.records) == 1
    assert "0030" in caplog.records[0].getMessage()
    assert "DEADBEEF" not in caplog.records[0].getMessage().upper()
    assert send(card, "0040000000").ok  # the card goes on working


def test_an_internal_error_ends_the_secure_session_of_its_channel(
    caplog: pytest.LogCaptureFixture,
) -> None:
    card = tool_card(logical_channels=4)
    assert send(card, "0070000001").data == b"\x01"
    assert send(card, "00440000").ok and send(card, "01440000").ok
    tool = card.applet(TOOL_AID)
    assert isinstance(tool, Tool)
    with caplog.at_level(logging.ERROR, logger="cardwire.sim.card"):
        assert card.process(bytes.fromhex("0130000004DEADBEEF")) == bytes.fromhex("6F00")
    assert not tool.sessions[1].active  # the failed command's channel: its session ended
    assert tool.sessions[0].active  # the other channel keeps its own
    assert send(card, "0140000000").ok  # the channel goes on working, in plain


@pytest.mark.parametrize("junk", [b"", b"\x00", bytearray(b"\x00\x40\x00\x00\x00"), b"\xff" * 300])
def test_process_accepts_any_bytes(junk: bytes) -> None:
    answer = tool_card().process(junk)
    assert len(answer) >= 2


def test_one_lock_serialises_threads() -> None:
    card = tool_card()
    applet = card.applet(TOOL_AID)
    assert isinstance(applet, Tool)
    errors: list[str] = []

    def worker(index: int) -> None:
        payload = bytes((index,)) * 4
        for _ in range(50):
            answer = card.process(Command(0x00, INS_SLOW, data=payload, ne=256).encode())
            if answer != payload + b"\x90\x00":
                errors.append(answer.hex())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert applet.overlaps == 0


def test_random_comes_from_the_injected_generator() -> None:
    calls: list[int] = []

    def rng(n: int) -> bytes:
        calls.append(n)
        return bytes(range(n))

    card = SimCard(rng=rng)
    assert card.random(8) == bytes(range(8))
    challenge = send(card, "0084000008")  # GET CHALLENGE on the file system applet
    assert challenge == Response(bytes(range(8)))
    assert calls == [8, 8]


# --- persistence ------------------------------------------------------------------------------


def test_commit_writes_a_state_file_that_loads_back(tmp_path: Path) -> None:
    state = tmp_path / "state.yaml"
    card = tool_card(state)
    assert state.exists()  # written at creation
    assert send(card, "0040000000").data == b"\x00\x01"
    assert send(card, "0040000000").data == b"\x00\x02"
    saved = profiles.load(state)
    assert dict(saved.applets[0].settings) == {"counter": 2}
    again = SimCard(state_path=state, applet_types=TYPES)
    assert send(again, "0040000000").data == b"\x00\x03"


def test_json_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    card = tool_card(state)
    assert send(card, "0040000000").ok
    assert state.read_text().lstrip().startswith("{")
    assert dict(profiles.load(state).applets[0].settings) == {"counter": 1}


def test_from_files_prefers_the_state_file(tmp_path: Path) -> None:
    profile_path = tmp_path / "profile.yaml"
    profiles.save(profile_path, profiles.default_profile())
    state = tmp_path / "state.yaml"
    first = SimCard.from_files(profile_path, state)
    assert send(first, "002000010431313131").sw == 0x63C2  # wrong PIN: counter persisted
    second = SimCard.from_files(profile_path, state)
    assert send(second, "0020000100").sw == 0x63C2
    fresh = SimCard.from_files(profile_path)
    assert send(fresh, "0020000100").sw == 0x63C3


def test_a_failing_write_answers_memory_failure(tmp_path: Path) -> None:
    directory = tmp_path / "gone"
    directory.mkdir()
    card = tool_card(directory / "state.yaml")
    shutil.rmtree(directory)
    assert send(card, "0040000000").sw == 0x6581


def test_save_without_a_state_file_does_nothing_and_state_shows_changes() -> None:
    card = tool_card()
    card.save()
    assert send(card, "0040000000").ok
    assert dict(card.current_profile().applets[0].settings) == {"counter": 1}


def test_unknown_applet_type_is_a_usage_error() -> None:
    from cardwire.errors import UsageError

    profile = Profile(applets=(AppletSpec("nope", ECHO_AID),))
    with pytest.raises(UsageError, match=r"applets\[0\]\.type"):
        SimCard(profile)
