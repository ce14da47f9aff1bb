"""Logical channels on the simulated card: MANAGE CHANNEL open/close (ISO 7816-4:2020 11.1.2),
routing by the channel number in CLA, and per-channel state."""

from __future__ import annotations

from typing import Any

import pytest

from cardwire.apdu import Command, Response
from cardwire.hexutil import parse_hex
from cardwire.sim.applet import Applet, AppletFactory, CardStatus, ChannelContext
from cardwire.sim.applets import APPLET_TYPES
from cardwire.sim.card import SimCard
from cardwire.sim.profile import ECHO_AID, AppletSpec, CardOptions, Profile

NAMED_A = bytes.fromhex("F0000000CC01")
NAMED_B = bytes.fromhex("F0000000CC02")
INS_WHO = 0x50  # answers the applet's AID
INS_COUNT = 0x52  # increments a per-channel counter and answers it


class Named(Applet):
    """Multiselectable: answers its AID, keeps a per-channel counter, records deselects."""

    def __init__(self, aid: bytes) -> None:
        self.aid = aid
        self.deselected: list[int] = []

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> Named:
        return cls(parse_hex(section["aid"]))

    def new_channel_state(self) -> dict[str, int]:
        return {"count": 0}

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        return Response()

    def deselect(self, ctx: ChannelContext) -> None:
        self.deselected.append(ctx.channel)

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        if command.ins == INS_WHO:
            return Response(self.aid)
        if command.ins == INS_COUNT:
            ctx.state["count"] += 1
            return Response(bytes((ctx.state["count"],)))
        raise CardStatus(0x6D00)

    def export_state(self) -> dict[str, Any]:
        return {}


TYPES: dict[str, AppletFactory] = {"named": Named.from_section, "echo": APPLET_TYPES["echo"]}


def make_card(*, default: bytes | None = None, **options: Any) -> SimCard:
    specs = (
        AppletSpec("named", NAMED_A),
        AppletSpec("named", NAMED_B),
        AppletSpec("echo", ECHO_AID),
    )
    profile = Profile(CardOptions(default_applet=default, **options), specs)
    return SimCard(profile, applet_types=TYPES)


def send(card: SimCard, hex_apdu: str) -> Response:
    return Response.decode(card.process(parse_hex(hex_apdu)))


def who(card: SimCard, cla: int) -> bytes:
    return send(card, f"{cla:02X}{INS_WHO:02X}000000").data


def select(aid: bytes, cla: int) -> str:
    return Command(cla, 0xA4, 0x04, 0x0C, aid).encode().hex()


@pytest.mark.parametrize(
    ("setup", "command", "answer"),
    [
        # MANAGE CHANNEL open, P2 = 00: the card assigns the lowest free number, Ne = 1.
        ([], "0070000001", Response(b"\x01")),
        (["0070000001"], "0070000001", Response(b"\x02")),
        (["0070000301"], "0070000001", Response(b"\x01")),
        # the terminal asks for a number
        ([], "0070000300", Response()),
        ([], "0070001300", Response()),  # channel 19
        (["0070000300"], "0070000300", Response(b"", 0x6A86)),  # already open
        # from another open channel; from a channel that is not open
        (["0070000001"], "0170000001", Response(b"\x02")),
        ([], "0270000001", Response(b"", 0x6881)),
        # close
        (["0070000001"], "0070800100", Response()),
        # Java Card 3 Programming Notes, MANAGE CHANNEL CLOSE: a warning for a channel not open
        ([], "0070800100", Response(b"", 0x6200)),
        # Java Card 3 RE spec 4.6.1 step 4: the basic channel stays open
        ([], "0070800000", Response(b"", 0x6A81)),
        (["0070000001"], "0170800100", Response()),  # a channel closes itself
        # parameters and lengths
        # Java Card 3 RE spec 4.5.1 step 1: P1 neither 00 nor 80, or P2 above 19
        ([], "0070400000", Response(b"", 0x6A81)),
        ([], "0070001400", Response(b"", 0x6A81)),
        ([], "0070801400", Response(b"", 0x6A81)),
        ([], "007000000101", Response(b"", 0x6700)),  # no command data
        ([], "0C70000001", Response(b"", 0x6882)),  # SM indication, no session
        # GlobalPlatform class on the same channel
        ([], "8070000001", Response(b"\x01")),
    ],
)
def test_manage_channel(setup: list[str], command: str, answer: Response) -> None:
    card = make_card()
    for step in setup:
        assert send(card, step).sw == 0x9000, step
    assert send(card, command) == answer


def test_profile_limits_the_channels() -> None:
    card = make_card(logical_channels=3)
    assert send(card, "0070000001").data == b"\x01"
    assert send(card, "0070000001").data == b"\x02"
    assert send(card, "0070000001").sw == 0x6A81  # none left to assign
    assert send(card, "0070800200").ok
    # Java Card 3 RE spec 4.5.1 step 5: no resources for the channel asked for -> 6A86
    assert send(card, "0070000300").sw == 0x6A86
    assert send(card, "03500000").sw == 0x6881
    basic_only = make_card(logical_channels=1)
    # Java Card 3 RE spec 4.5.1 / 4.6.1 step 3: only the basic channel -> 6881
    assert send(basic_only, "0070000001").sw == 0x6881
    assert send(basic_only, "0070800100").sw == 0x6881


@pytest.mark.parametrize(
    ("channel", "cla"),
    [(1, 0x01), (3, 0x03), (4, 0x40), (19, 0x4F), (1, 0x81), (5, 0xC1)],
)
def test_commands_route_by_the_channel_in_cla(channel: int, cla: int) -> None:
    card = make_card()
    assert send(card, f"007000{channel:02X}00").ok
    assert send(card, select(NAMED_B, cla)).ok
    assert who(card, cla) == NAMED_B
    assert who(card, 0x00) == NAMED_A
    assert card.open_channels() == (0, channel)


def test_channel_opened_from_the_basic_channel_gets_the_default_applet() -> None:
    card = make_card(default=NAMED_B)
    assert send(card, select(NAMED_A, 0x00)).ok
    assert send(card, "0070000001").data == b"\x01"
    assert who(card, 0x01) == NAMED_B


def test_channel_opened_from_another_channel_inherits_its_application() -> None:
    card = make_card()
    assert send(card, "0070000001").ok
    assert send(card, select(NAMED_B, 0x01)).ok
    assert send(card, "0170000001").data == b"\x02"
    assert who(card, 0x02) == NAMED_B


def test_a_non_multiselectable_application_cannot_be_inherited() -> None:
    card = make_card()
    assert send(card, "0070000001").ok
    assert send(card, select(ECHO_AID, 0x01)).ok
    assert send(card, "0170000001").sw == 0x6985
    assert card.open_channels() == (0, 1)  # the new channel was not opened


def test_default_applet_that_is_not_multiselectable_blocks_new_channels() -> None:
    card = make_card(default=ECHO_AID)
    assert send(card, "0070000001").sw == 0x6985


def test_every_channel_keeps_its_own_state() -> None:
    card = make_card()
    assert send(card, "0070000001").ok
    assert send(card, "0052000000").data == b"\x01"
    assert send(card, "0052000000").data == b"\x02"
    assert send(card, "0152000000").data == b"\x01"
    assert send(card, "0052000000").data == b"\x03"


def test_closing_a_channel_deselects_its_applet_and_forgets_its_state() -> None:
    card = make_card()
    applet = card.applet(NAMED_A)
    assert isinstance(applet, Named)
    assert send(card, "0070000001").ok
    assert send(card, "0152000000").data == b"\x01"
    assert send(card, "0070800100").ok
    assert applet.deselected == [1]
    assert send(card, "0152000000").sw == 0x6881
    assert send(card, "0070000001").ok
    assert send(card, "0152000000").data == b"\x01"


def test_reset_closes_every_channel_but_the_basic_one() -> None:
    card = make_card()
    for _ in range(5):
        assert send(card, "0070000001").ok
    assert card.open_channels() == (0, 1, 2, 3, 4, 5)
    card.reset()
    assert card.open_channels() == (0,)
    assert send(card, "01500000").sw == 0x6881
    card.power_off()
    card.power_on()
    assert card.open_channels() == (0,)


# --- with the default card: security status is per channel ----------------------------------

DEMO_1 = "F0636172647769726501"


def test_a_pin_verified_on_one_channel_does_not_open_files_on_another() -> None:
    card = SimCard()
    assert send(card, "0070000001").data == b"\x01"
    for cla in ("00", "01"):
        assert send(card, f"{cla}A4040C0A{DEMO_1}").ok
        assert send(card, f"{cla}A4020C025003").ok
    assert send(card, "01200001043132333400").ok
    secret = send(card, "01B0000000")
    assert secret.data == b"top secret: 42"
    assert secret.sw in (0x9000, 0x6282)  # 6282: end of file before Ne bytes
    assert send(card, "00B0000000").sw == 0x6982
