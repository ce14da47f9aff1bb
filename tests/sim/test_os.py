"""Card OS rules driven through SimCard.process(): class bytes, lengths, SELECT by AID, command
chaining, GET RESPONSE / 6Cxx, the secure session of a channel, TERMINATE CARD USAGE."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cardwire.apdu import Command, Response
from cardwire.cla import SmIndication, parse_cla
from cardwire.errors import SecureChannelError
from cardwire.hexutil import parse_hex
from cardwire.sim import profile as profiles
from cardwire.sim.applet import Applet, AppletFactory, CardStatus, ChannelContext
from cardwire.sim.applets import APPLET_TYPES
from cardwire.sim.card import SimCard
from cardwire.sim.profile import ECHO_AID, AppletSpec, CardOptions, Profile

BLOB_A = bytes.fromhex("F0000000AA01")
BLOB_B = bytes.fromhex("F0000000AA02")
BLOB_C = bytes.fromhex("F0000000AA03")

INS_BLOB = 0x10  # answers P1*256+P2 bytes of i mod 256
INS_SECURE = 0x20  # installs a FakeSession on the channel
INS_WHO = 0x50  # answers the applet's AID
INS_DATA = 0x52  # answers the command data (like echo, but multiselectable)


@dataclass(eq=False)
class FakeSession:
    """A toy card-side session: protected commands carry CLA SM bits and data 99 || plain;
    protected responses are 77 || plain data. Data without the 99 marker is an SM error."""

    active: bool = True
    unwrapped: list[Command] = field(default_factory=list)

    def handles(self, command: Command) -> bool:
        return parse_cla(command.cla).sm is not SmIndication.NONE

    def admits_plain(self, command: Command) -> bool:
        return False

    def unwrap(self, command: Command) -> Command:
        if not command.data.startswith(b"\x99"):
            self.active = False
            raise SecureChannelError("bad toy MAC", card_sw=0x6988)
        plain = command.replace(cla=command.cla & ~0x0C, data=command.data[1:])
        self.unwrapped.append(plain)
        return plain

    def wrap(self, response: Response) -> Response:
        return Response(b"\x77" + response.data, response.sw)

    def close(self) -> None:
        self.active = False


class Blob(Applet):
    """A multiselectable test applet."""

    def __init__(self, aid: bytes) -> None:
        self.aid = aid
        self.deselected: list[int] = []
        self.sessions: list[FakeSession] = []
        self.selects: list[Command] = []
        self.forwarded: list[Command] = []

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> Blob:
        return cls(parse_hex(section["aid"]))

    def new_channel_state(self) -> dict[str, int]:
        return {}

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        self.selects.append(command)
        return Response(b"\x6f\x00")

    def deselect(self, ctx: ChannelContext) -> None:
        self.deselected.append(ctx.channel)

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        if command.ins == 0xA4:
            self.forwarded.append(command)
            raise CardStatus(0x6A82)
        if command.ins == INS_BLOB:
            return Response(bytes(i % 256 for i in range(command.p1 * 256 + command.p2)))
        if command.ins == INS_SECURE:
            session = FakeSession()
            self.sessions.append(session)
            ctx.secure_session = session
            return Response()
        if command.ins == INS_WHO:
            return Response(self.aid)
        if command.ins == INS_DATA:
            return Response(command.data)
        raise CardStatus(0x6D00)

    def export_state(self) -> dict[str, Any]:
        return {}


TYPES: dict[str, AppletFactory] = {"blob": Blob.from_section, "echo": APPLET_TYPES["echo"]}


def make_card(
    *,
    applets: tuple[tuple[str, bytes], ...] | None = None,
    state_path: Path | None = None,
    **options: Any,
) -> SimCard:
    default = (("blob", BLOB_A), ("blob", BLOB_B), ("blob", BLOB_C), ("echo", ECHO_AID))
    specs = default if applets is None else applets
    profile = Profile(CardOptions(**options), tuple(AppletSpec(t, a) for t, a in specs))
    return SimCard(profile, state_path=state_path, applet_types=TYPES)


def send(card: SimCard, hex_apdu: str) -> Response:
    return Response.decode(card.process(parse_hex(hex_apdu)))


def select(aid: bytes, p2: int = 0x00, cla: int = 0x00) -> str:
    return Command(cla, 0xA4, 0x04, p2, aid, ne=256).encode().hex()


# --- decoding, class byte, channel --------------------------------------------------------


@pytest.mark.parametrize(
    ("apdu", "sw", "why"),
    [
        ("", 0x6700, "empty: no header (ISO 7816-4 5.1)"),
        ("00A4", 0x6700, "short header"),
        ("00100000", 0x9000, "case 1 reaches the applet"),
        ("0010000002AABB00", 0x9000, "case 4 short"),
        ("0010000003AABB", 0x6700, "Lc larger than the data"),
        ("0010000001AABBCC", 0x6700, "trailing bytes"),
        ("001000000000", 0x6700, "00 then one byte"),
        ("00100000000002AA", 0x6700, "extended Lc=2 and one data byte"),
        ("20100000", 0x6E00, "0x20-0x3F reserved (ISO 7816-4 table 2)"),
        ("3F100000", 0x6E00, "0x20-0x3F reserved"),
        ("FF100000", 0x6E00, "FF invalid"),
        ("A0100000", 0x6E00, "proprietary class without channel"),
        ("00EE0000", 0x6D00, "unknown INS goes to the applet: 6D00"),
        ("01100000", 0x6881, "channel 1 not open"),
        ("4F100000", 0x6881, "channel 19 not open"),
        ("80100000", 0x9000, "GP class, channel 0"),
        ("00C00000", 0x6985, "GET RESPONSE with nothing pending"),
    ],
)
def test_command_decoding_and_class(apdu: str, sw: int, why: str) -> None:
    card = make_card()
    assert send(card, apdu).sw == sw, why


def test_extended_length_only_where_the_profile_allows_it() -> None:
    extended = Command(0x00, INS_DATA, data=b"\x01" * 300, ne=65536).encode().hex()
    assert send(make_card(extended_length=False), extended).sw == 0x6700
    answer = send(make_card(), extended)
    assert answer == Response(b"\x01" * 300)
    # Extended form of a short-sized APDU is also refused when not allowed.
    assert send(make_card(extended_length=False), "0052000000000101").sw == 0x6700


# --- SELECT by AID --------------------------------------------------------------------------


def who(card: SimCard, cla: int = 0x00) -> bytes:
    return send(card, f"{cla:02X}{INS_WHO:02X}000000").data


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # (AID, P2) pairs; P2 b2-b1: 00 first, 01 last, 10 next, 11 previous (ISO 7816-4 t. 63)
        ([(BLOB_A, 0x00)], BLOB_A),
        ([(BLOB_B, 0x00)], BLOB_B),
        ([(BLOB_A[:5], 0x00)], BLOB_A),
        ([(BLOB_A[:5], 0x01)], BLOB_C),
        ([(BLOB_A[:5], 0x00), (BLOB_A[:5], 0x02)], BLOB_B),
        ([(BLOB_A[:5], 0x00), (BLOB_A[:5], 0x02), (BLOB_A[:5], 0x02)], BLOB_C),
        ([(BLOB_A[:5], 0x01), (BLOB_A[:5], 0x03)], BLOB_B),
        ([(ECHO_AID, 0x00), (BLOB_A[:5], 0x02)], BLOB_A),  # current not a candidate: first
        ([(ECHO_AID, 0x00), (BLOB_A[:5], 0x03)], BLOB_C),  # ... previous: the last
        ([(BLOB_A, 0x0C)], BLOB_A),  # no FCI asked
    ],
)
def test_select_by_aid_occurrences(steps: list[tuple[bytes, int]], expected: bytes) -> None:
    card = make_card()
    for aid, p2 in steps:
        assert send(card, select(aid, p2)).sw == 0x9000
    assert who(card) == expected


def test_select_next_past_the_last_occurrence_is_not_found() -> None:
    card = make_card()
    assert send(card, select(BLOB_C)).ok
    assert send(card, select(BLOB_A[:5], 0x02)).sw == 0x6A82
    assert send(card, select(BLOB_A, 0x00)).ok
    assert send(card, select(BLOB_A[:5], 0x03)).sw == 0x6A82


def test_select_answer_comes_from_the_applet() -> None:
    card = make_card()
    assert send(card, select(ECHO_AID)) == Response(bytes((0x6F, 12, 0x84, 10)) + ECHO_AID)


def test_select_without_a_matching_applet_is_forwarded_to_the_current_applet() -> None:
    card = make_card()  # BLOB_A is the default applet on channel 0
    unknown = bytes.fromhex("F0636172647769726501")
    assert send(card, select(unknown)).sw == 0x6A82
    blob = _applet(card, BLOB_A)
    assert [c.data for c in blob.forwarded] == [unknown]
    assert who(card) == BLOB_A  # still selected


def test_select_with_no_current_applet_and_no_match_is_not_found() -> None:
    card = make_card(applets=())
    assert send(card, select(BLOB_A)).sw == 0x6A82
    assert send(card, "00100000").sw == 0x6985  # no application current on the channel


def test_select_rfu_p2_bits() -> None:
    assert send(make_card(), select(BLOB_A, 0x10)).sw == 0x6A86


def test_non_multiselectable_applet_on_two_channels_answers_6985() -> None:
    card = make_card()
    assert send(card, select(ECHO_AID)).ok
    assert send(card, "0070000001").data == b"\x01"
    assert send(card, select(ECHO_AID, cla=0x01)).sw == 0x6985
    assert send(card, select(BLOB_B, cla=0x01)).ok  # multiselectable: fine
    assert send(card, select(BLOB_B, cla=0x00)).ok
    assert send(card, select(ECHO_AID, cla=0x01)).ok  # echo left channel 0


def test_selecting_another_applet_deselects_and_ends_the_secure_session() -> None:
    card = make_card()
    blob = _applet(card, BLOB_A)
    assert send(card, "00200000").ok
    session = blob.sessions[-1]
    assert send(card, select(BLOB_B)).ok
    assert blob.deselected == [0]
    assert not session.active


# --- command chaining (ISO 7816-4:2020 5.3.3) -----------------------------------------------


def test_chained_pieces_reach_the_applet_as_one_command() -> None:
    card = make_card()
    assert send(card, "10520000024142").sw == 0x9000
    assert send(card, "1052000001 43".replace(" ", "")).sw == 0x9000
    assert send(card, "00520000024445 00".replace(" ", "")) == Response(b"ABCDE")


@pytest.mark.parametrize(
    "interruption",
    ["0050000000", "10510000014142", "10520100014142", "01520000"],
)
def test_a_different_command_interrupts_the_chain_with_6883(interruption: str) -> None:
    card = make_card()
    card.process(parse_hex("0070000001"))
    assert send(card, "10520000024142").ok
    answer = send(card, interruption)
    if interruption.startswith("01"):  # another channel: the chain on channel 0 continues
        assert answer.sw == 0x9000
        assert send(card, "0052000001 4300".replace(" ", "")) == Response(b"ABC")
    else:
        assert answer.sw == 0x6883
        assert send(card, "0052000001 4300".replace(" ", "")) == Response(b"C")


def test_chaining_disabled_by_the_profile_answers_6884() -> None:
    card = make_card(chaining=False)
    assert send(card, "10520000024142").sw == 0x6884


# --- GET RESPONSE, 61xx and 6Cxx (ISO 7816-4:2020 5.3.4, ISO 7816-3 10.3.3) -------------------


def blob(length: int, le: int | None, cla: int = 0x00) -> str:
    command = Command(cla, INS_BLOB, length >> 8, length & 0xFF, ne=le if le is not None else 0)
    return command.encode().hex()


def expected_blob(length: int) -> bytes:
    return bytes(i % 256 for i in range(length))


def test_long_response_is_served_with_61xx_and_get_response() -> None:
    card = make_card()
    first = send(card, blob(600, 256))
    assert (len(first.data), first.sw) == (256, 0x6100)
    second = send(card, "00C0000000")
    assert (len(second.data), second.sw) == (256, 0x6158)
    third = send(card, "00C0000058")
    assert third.sw == 0x9000
    assert first.data + second.data + third.data == expected_blob(600)


def test_get_response_with_a_smaller_le_serves_that_much() -> None:
    card = make_card()
    assert send(card, blob(600, 256)).sw == 0x6100
    piece = send(card, "00C0000010")
    assert piece == Response(expected_blob(600)[256:272], 0x6100)


@pytest.mark.parametrize(
    ("get_response", "sw"),
    [("00C0010000", 0x6A86), ("00C0000001AA00", 0x6700), ("00C00000", 0x6C00)],
)
def test_get_response_errors_keep_the_pending_data(get_response: str, sw: int) -> None:
    card = make_card()
    assert send(card, blob(600, 256)).sw == 0x6100
    assert send(card, get_response).sw == sw
    assert send(card, "00C0000000").data == expected_blob(600)[256:512]


def test_any_other_command_discards_pending_data() -> None:
    card = make_card()
    assert send(card, blob(600, 256)).sw == 0x6100
    assert send(card, "0050000000").ok
    assert send(card, "00C0000000").sw == 0x6985


def test_pending_data_is_per_channel() -> None:
    card = make_card()
    assert send(card, "0070000001").ok
    assert send(card, blob(300, 256)).sw == 0x612C
    assert send(card, "0150000000").ok  # other channel: channel 0 keeps its data
    assert send(card, "00C000002C") == Response(expected_blob(300)[256:])


@pytest.mark.parametrize(
    ("wrong_le", "answer"),
    [("6Cxx", Response(b"", 0x6C10)), ("61xx", Response(b"", 0x6110))],
)
def test_fixed_length_response_with_a_too_small_le(wrong_le: str, answer: Response) -> None:
    card = make_card(wrong_le=wrong_le)
    assert send(card, blob(16, 8)) == answer
    if wrong_le == "6Cxx":
        assert send(card, blob(16, 16)) == Response(expected_blob(16))
    else:
        assert send(card, "00C0000010") == Response(expected_blob(16))


def test_response_data_without_le_is_announced_with_61xx() -> None:
    card = make_card()
    assert send(card, blob(16, None)) == Response(b"", 0x6110)
    assert send(card, "00C0000010") == Response(expected_blob(16))


def test_extended_le_takes_the_whole_response() -> None:
    card = make_card()
    assert send(card, blob(1000, 65536)) == Response(expected_blob(1000))
    assert send(card, blob(1000, 600)) == Response(expected_blob(600), 0x6100)


def test_an_applet_answering_without_le_takes_extended_case_3_as_le_0000() -> None:
    # The Security Domain answers as a Java Card over T=1 (answers_without_le); yubikit sends
    # GET DATA BF21 (Amendment F 7.4.2) as an extended case 3 and reads the 630-byte chain in
    # one answer, as ISO 7816-4 5.1 reads an extended Le of 0000 (65536 bytes).
    card = SimCard()
    assert send(card, select(bytes.fromhex("A000000151000000"))).sw == 0x9000
    answer = send(card, "00CABF21000006A60483021301")
    assert answer.sw == 0x9000 and len(answer.data) > 256
    # A short case 3 stays Le 00: the first 256 bytes and 61xx.
    assert send(card, "00CABF2106A60483021301").sw & 0xFF00 == 0x6100


def test_error_answers_are_never_split() -> None:
    card = make_card()
    assert send(card, "00EE000000") == Response(b"", 0x6D00)


# --- the channel's secure session ---------------------------------------------------------


def test_secure_session_unwraps_commands_and_wraps_answers() -> None:
    card = make_card()
    assert send(card, "00200000").ok
    session = _applet(card, BLOB_A).sessions[-1]
    answer = send(card, "0C52000003 994142 00".replace(" ", ""))
    assert answer == Response(b"\x77AB")
    assert session.unwrapped[-1].data == b"AB"
    plain = send(card, "00520000014300")  # not protected: the session does not handle it
    assert plain == Response(b"C")


def test_secure_messaging_error_ends_the_session_and_answers_unprotected() -> None:
    card = make_card()
    assert send(card, "00200000").ok
    session = _applet(card, BLOB_A).sessions[-1]
    assert send(card, "0C520000024142") == Response(b"", 0x6988)
    assert not session.active
    # Next protected command: no session any more, it reaches the applet as it is.
    assert send(card, "0C5200000399414200") == Response(b"\x99AB")


def test_get_response_travels_unprotected_and_serves_the_wrapped_answer() -> None:
    card = make_card()
    assert send(card, "00200000").ok
    first = send(card, "0C100100 01 99 00".replace(" ", ""))  # 256 bytes + 77 marker = 257
    assert (first.data, first.sw) == (b"\x77" + expected_blob(255), 0x6101)
    assert send(card, "00C0000001") == Response(expected_blob(256)[255:])


def test_each_chained_piece_is_unwrapped() -> None:
    card = make_card()
    assert send(card, "00200000").ok
    session = _applet(card, BLOB_A).sessions[-1]
    assert send(card, "1C5200000399414200") == Response(b"\x77")
    assert send(card, "0C5200000299 43 00".replace(" ", "")) == Response(b"\x77ABC")
    assert [c.data for c in session.unwrapped] == [b"AB", b"C"]


# --- TERMINATE CARD USAGE (ISO 7816-9) --------------------------------------------------------


def test_terminate_card_usage_is_final_and_persisted(tmp_path: Path) -> None:
    state = tmp_path / "card.yaml"
    card = make_card(state_path=state)
    operational_atr = card.atr
    assert send(card, "00FE0001").sw == 0x6A86
    assert send(card, "00FE000001AA").sw == 0x6700
    assert send(card, "00FE0000").sw == 0x9000
    assert send(card, select(BLOB_A)).sw == 0x6285
    assert send(card, "00500000").sw == 0x6A81
    assert send(card, "0070000001").sw == 0x6A81
    assert card.atr != operational_atr  # the status indicator's LCS byte says terminated
    assert profiles.load(state).card.life_cycle == "terminated"
    reloaded = SimCard(state_path=state, applet_types=TYPES)
    assert send(reloaded, "00500000").sw == 0x6A81


def _applet(card: SimCard, aid: bytes) -> Blob:
    applet = card.applet(aid)
    assert isinstance(applet, Blob)
    return applet


def test_a_card_locked_card_selects_its_issuer_security_domain_only(tmp_path: Path) -> None:
    """GPC 5.1.1.4: in CARD_LOCKED only the ISD can be selected; the rest answers 6A82, and
    no application is selected implicitly after a reset. Unlocking gives them back."""
    from cardwire.gp_content import CardLifeCycle, set_card_status
    from cardwire.sim.applets.security_domain import DEFAULT_AID
    from cardwire.sim.card import SimCard
    from cardwire.sm.scp03 import Scp03Handshake, Scp03HostSession, StaticKeys

    echo = Command(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("F0636172647769726503"))
    read_binary = Command(0x00, 0xB0, 0x00, 0x00, ne=5)  # the default applet's EF

    def exchange(sim: SimCard, command: Command) -> Response:
        return Response.decode(sim.process(command.encode()))

    def set_status(sim: SimCard, state: CardLifeCycle) -> None:
        assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x9000
        handshake = Scp03Handshake(StaticKeys.default(), level=0x33, rng=bytes)
        answer = exchange(sim, handshake.initialize_update())
        host: Scp03HostSession = handshake.complete(
            exchange(sim, handshake.external_authenticate(answer))
        )
        command = host.protect(set_card_status(state).replace(ne=256))
        assert host.unprotect(exchange(sim, command)).sw == 0x9000

    state = tmp_path / "card.json"
    sim = SimCard(state_path=state)
    assert exchange(sim, echo).sw == 0x9000
    set_status(sim, CardLifeCycle.CARD_LOCKED)
    assert exchange(sim, echo).sw == 0x6A82
    locked = SimCard(state_path=state)  # after a restart: nothing selected implicitly
    assert exchange(locked, read_binary).sw != 0x9000
    assert exchange(locked, echo).sw == 0x6A82
    assert exchange(locked, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x9000
    set_status(locked, CardLifeCycle.SECURED)
    assert exchange(locked, echo).sw == 0x9000
