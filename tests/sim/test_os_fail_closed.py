"""The card OS fails closed under every card-side protocol (issue 15): a plain chain piece is
refused and never merged, a plain APDU ends the session of the channel it addresses (save the
protocol's own plain commands), a CLA naming another channel leaves this one alone, an APDU the
card cannot decode ends the session of the channel it names, and a refusal changes nothing."""

from __future__ import annotations

import pytest

from cardwire.apdu import Command
from fail_closed import ISO_SM, PROTOCOLS, RIGS, Rig

MANAGE_CHANNEL_OPEN = bytes.fromhex("0070000001")
GET_RESPONSE = bytes.fromhex("00C0000000")  # nothing pending
SELECT_BY_FID = bytes.fromhex("00A4020C023F00")
# Plain commands a protocol lets through while its session lives (docs/simulator.md): GP
# Amendment D for SCP03, the Java Card runtime for Keycard. ISO SM lets none through.
ADMITTED = {
    "scp03": {"manage channel", "get response", "select by fid"},
    "keycard": {"manage channel", "get response"},
}
OS_COMMANDS = {
    "manage channel": MANAGE_CHANNEL_OPEN,
    "get response": GET_RESPONSE,
    "select by fid": SELECT_BY_FID,
}


@pytest.fixture(params=PROTOCOLS)
def rig(request: pytest.FixtureRequest) -> Rig:
    return RIGS[request.param]()


def test_the_issue_repro_a_plain_piece_is_refused_and_never_merged(rig: Rig) -> None:
    assert rig.repro is not None
    before = rig.snapshot()
    assert rig.raw(rig.plain_piece(rig.repro_piece, rig.repro)).sw != 0x9000
    assert not rig.card_session_alive()
    assert not rig.accepted(rig.repro)
    assert rig.snapshot() == before


def test_a_plain_piece_between_protected_pieces_ends_the_session(rig: Rig) -> None:
    first = rig.target.replace(cla=rig.target.cla | 0x10, data=b"\x01")
    before = rig.snapshot()
    if rig.name != "keycard":  # the Keycard channel has no chaining: its host refuses it
        assert rig.accepted(first)
    answer = rig.raw(rig.plain_piece(b"EVIL"))
    assert answer.sw != 0x9000
    assert not rig.card_session_alive()
    assert not rig.accepted(rig.target)
    assert rig.snapshot() == before


@pytest.mark.parametrize("os_command", sorted(OS_COMMANDS))
def test_a_plain_os_command_ends_the_session_unless_the_protocol_admits_it(
    rig: Rig, os_command: str
) -> None:
    before = rig.snapshot()
    rig.raw(OS_COMMANDS[os_command])
    admitted = os_command in ADMITTED.get(rig.name, set())
    assert rig.card_session_alive() == admitted
    if not admitted:
        assert not rig.accepted(rig.target)
        assert rig.snapshot() == before


def _open_channel_one(rig: Rig) -> None:
    if rig.name in ISO_SM:  # a command on a secured ISO SM channel must be protected
        assert rig.protected(Command(0x00, 0x70, 0x00, 0x01)).sw == 0x9000
    else:
        assert rig.raw(bytes.fromhex("00700001")).sw == 0x9000


@pytest.mark.parametrize(
    "attack",
    [
        "11D600000445564C",  # a plain chained piece on channel 1
        "01B000000501",  # wrong Lc on channel 1: 6700
        "01C0000000",  # GET RESPONSE on channel 1, nothing pending
        "01A4020C023F00",  # SELECT on channel 1
        "0170800100",  # MANAGE CHANNEL close of channel 1, sent on channel 1
        "427000000100",  # a channel that is not open (channel 6): 6881
    ],
)
def test_a_cla_naming_another_channel_leaves_this_session_alone(rig: Rig, attack: str) -> None:
    _open_channel_one(rig)
    rig.raw(bytes.fromhex(attack))
    assert rig.card_session_alive()
    assert rig.accepted(rig.target)


def test_an_undecodable_command_on_the_secured_channel_ends_its_session(rig: Rig) -> None:
    # Decision (docs/simulator.md): a command the card cannot parse cannot be verified; ISO
    # 7816-4:2020 clause 10 and ICAO 9303-11 9.8 end secure messaging on an SM error.
    wire = rig.host.protect(rig.target).encode()
    before = rig.snapshot()
    assert rig.raw(wire[:4] + bytes((len(wire) - 4,)) + wire[5:]).sw == 0x6700  # Lc one too many
    assert not rig.card_session_alive()
    assert rig.snapshot() == before


def test_a_class_the_card_does_not_support_names_no_channel_and_ends_nothing(rig: Rig) -> None:
    before = rig.snapshot()
    assert rig.raw(bytes.fromhex("FFD6000004") + b"EVIL").sw == 0x6E00
    assert rig.card_session_alive()
    assert rig.snapshot() == before
    assert rig.accepted(rig.target)


def test_a_mixed_chain_under_an_admitting_session_is_aborted() -> None:
    """SCP03 admits plain SELECT, but never a plain chain piece at C-MAC: a protected piece then
    a plain piece of the same header is not one chain (ISO 7816-4:2020 5.3.3 with clause 10);
    the plain piece is refused (6987), the session ends and nothing is kept."""
    rig = RIGS["scp03"]()
    select = Command(0x00, 0xA4, 0x04, 0x00, b"\xa0\x00")
    first = rig.raw(rig.host.protect(select.replace(cla=0x10)).encode())
    assert first.sw >> 8 in (0x90, 0x61)  # the piece is taken (its R-MAC waits with 61xx)
    assert rig.raw(rig.plain_piece(b"\x00\x00\x01\x51", select)).sw == 0x6987
    assert not rig.accepted(rig.target)  # the session is gone: nothing protected is taken


@pytest.mark.parametrize("cla", [0x10, 0x11])  # chaining bit, on channel 0 and channel 1
def test_a_plain_chain_piece_of_an_os_command_ends_an_scp03_session(cla: int) -> None:
    """Found by the fail-closed fuzzer: SCP03 at C-MAC admitted a plain *chained* SELECT (its
    first piece was answered 9000). Commands SCP03 leaves plain are never chained, so a plain
    piece is refused (6987) and ends the session like any other plain piece."""
    rig = RIGS["scp03"]()
    answer = rig.raw(bytes([cla]) + bytes.fromhex("A400000100")).sw
    if cla & 0x03:  # another channel, not open: 6881, and this channel's session is untouched
        assert answer == 0x6881
        assert rig.accepted(rig.target)
        return
    assert answer == 0x6987
    assert not rig.accepted(rig.target)
