"""Command builders: public APDUs byte for byte, the ISO/IEC 7816-4 P1/P2 codings, round trips."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire import commands as c
from cardwire.apdu import Command
from cardwire.cla import channel_of
from cardwire.errors import UsageError

# ICAO Doc 9303 Part 11, Appendix D.3 (BAC worked example): cmd_data = E.IFD || M.IFD.
BAC_CMD_DATA = bytes.fromhex(
    "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7"
)

PUBLIC = [
    # ICAO Doc 9303 Part 11, Appendix D.4: unprotected SELECT EF.COM and the two READ BINARY.
    (lambda: c.select_fid(0x011E, target=c.SelectTarget.EF, fci=c.SelectReturn.NONE),
     "00A4020C02011E"),
    (lambda: c.read_binary(0, 4), "00B0000004"),
    (lambda: c.read_binary(4, 0x12), "00B0000412"),
    # ICAO Doc 9303 Part 11, Appendix D.3, as replayed by gmrtd/gmrtd bac_test.go (TestDoBAC):
    # GET CHALLENGE for RND.IC, then EXTERNAL AUTHENTICATE with Lc = Le = 28.
    (lambda: c.get_challenge(8), "0084000008"),
    (lambda: c.external_authenticate(BAC_CMD_DATA, ne=40),
     "0082000028" + BAC_CMD_DATA.hex().upper() + "28"),
    # eMRTD application (ICAO Doc 9303 Part 10 AID A0000002471001), as sent by gmrtd/gmrtd
    # nfc_session_test.go (TestSelectAidMrtd).
    (lambda: c.select_by_aid(bytes.fromhex("A0000002471001"), fci=c.SelectReturn.NONE),
     "00A4040C07A0000002471001"),
    # JMRTD, class org.jmrtd.protocol.ReadBinaryAPDUSender: sendReadBinary puts an
    # offset above 32767 in DO54 = 54 02 hi lo with INS B1 and P1-P2 = 0000 (Le chosen here);
    # sendSelectMF is 00 A4 00 0C 02 3F00.
    (lambda: c.read_binary(0x8000, 0xDF), "00B10000045402800" + "0DF"),
    (lambda: c.select_fid(0x3F00, fci=c.SelectReturn.NONE), "00A4000C023F00"),
]  # fmt: skip


@pytest.mark.parametrize(("build", "wire"), PUBLIC)
def test_public_apdus(build: Callable[[], Command], wire: str) -> None:
    cmd = build()
    assert cmd.encode().hex().upper() == wire
    assert Command.decode(cmd.encode()) == cmd


# The codings of ISO/IEC 7816-4:2020 clause 11, one row per option (expected bytes worked out
# from the P1/P2 tables, not taken from a published trace).
CODINGS = [
    (c.select_mf, "00A4000000"),
    (lambda: c.select_mf(fci=c.SelectReturn.NONE), "00A4000C"),
    (lambda: c.select_fid(b"\x3f\x00", fci=c.SelectReturn.FCP), "00A4000402" "3F00" "00"),
    (lambda: c.select_fid(0xDF01, target=c.SelectTarget.CHILD_DF, fci=c.SelectReturn.FMD),
     "00A4010802DF0100"),
    (lambda: c.select_parent(fci=c.SelectReturn.NONE), "00A4030C"),
    (lambda: c.select_path(bytes.fromhex("DF01EF02")), "00A4080004DF01EF0200"),
    (lambda: c.select_path(bytes.fromhex("EF02"), from_mf=False, fci=c.SelectReturn.NONE),
     "00A4090C02EF02"),
    (lambda: c.select_by_aid(b"\xa0\x00\x00\x00\x03", next_occurrence=True),
     "00A4040205A00000000300"),
    (lambda: c.select_by_aid(b""), "00A4040000"),
    (lambda: c.select_by_aid(b"\xa0\x00", channel=2), "02A4040002A00000"),
    (lambda: c.read_binary(0x7FFF, 256), "00B07FFF00"),
    (lambda: c.read_binary(0x10, 8, sfi=0x1E), "00B09E1008"),
    (lambda: c.read_binary(0x100, 8, sfi=0x01), "00B1000104540201" "0008"),
    (lambda: c.read_binary(0, 8, odd=True), "00B100000354010008"),
    (lambda: c.read_binary(0x123456, 16), "00B1000005540312345610"),
    (lambda: c.update_binary(b"\x01\x02", 0x0102), "00D6010202" "0102"),
    (lambda: c.update_binary(b"\x01\x02", 5, sfi=2), "00D6820502" "0102"),
    (lambda: c.update_binary(b"\xaa", 0x8000), "00D70000075402800053" "01AA"),
    (lambda: c.erase_binary(0x10), "000E0010"),
    (lambda: c.erase_binary(0x10, 0x20), "000E0010020020"),
    (lambda: c.erase_binary(0x10, sfi=3), "000E8310"),
    (lambda: c.erase_binary(0x8000, 0x9000), "000F0000085402800054029000"),
    (lambda: c.read_record(1, sfi=1), "00B2010C00"),
    (lambda: c.read_record(0), "00B2000400"),
    (lambda: c.read_record(2, records=c.RecordRange.TO_LAST, sfi=3, ne=0x40), "00B2021D40"),
    (lambda: c.read_record(2, records=c.RecordRange.FROM_LAST), "00B2020600"),
    (lambda: c.update_record(3, b"\x01", sfi=4), "00DC032401" "01"),
    (lambda: c.append_record(b"\x01\x02"), "00E2000002" "0102"),
    (lambda: c.append_record(b"\x01", sfi=30), "00E200F001" "01"),
    (lambda: c.erase_record(5), "000C0504"),
    (lambda: c.erase_record(5, sfi=2, through_last=True), "000C0515"),
    (lambda: c.verify(0x81, b"1234"), "0020008104" "31323334"),
    (lambda: c.verify(0x01, None), "00200001"),
    (lambda: c.change_reference_data(0x01, b"9999", b"1234"), "0024000108" "3132333439393939"),
    (lambda: c.change_reference_data(0x01, b"9999"), "0024010104" "39393939"),
    (lambda: c.reset_retry_counter(0x01, b"12345678", b"4321"),
     "002C00010C" "3132333435363738" "34333231"),
    (lambda: c.reset_retry_counter(0x01, b"12345678"), "002C010108" "3132333435363738"),
    (lambda: c.reset_retry_counter(0x01, new=b"4321"), "002C020104" "34333231"),
    (lambda: c.reset_retry_counter(0x01), "002C0301"),
    (lambda: c.internal_authenticate(b"\x01\x02", algorithm=0x00, key=0x81),
     "008800810201" "0200"),
    (lambda: c.external_authenticate(key=0x02), "00820002"),
    (c.terminate_card_usage, "00FE0000"),
    (lambda: c.get_response(0x10), "00C0000010"),
    (c.get_response, "00C0000000"),
    (c.manage_channel_open, "0070000001"),
    (lambda: c.manage_channel_open(3), "00700003"),
    (lambda: c.manage_channel_open(5, origin=1), "01700005"),
    (lambda: c.manage_channel_close(2), "00708002"),
    (lambda: c.manage_channel_close(7, origin=7), "43708007"),
    (lambda: c.get_data(0x5F52), "00CA5F5200"),
    (lambda: c.get_data(0x9F7F, ne=0x2D, channel=1), "01CA9F7F2D"),
    (lambda: c.put_data(0x5F50, b"\x41"), "00DA5F5001" "41"),
    (lambda: c.get_challenge(8, channel=6), "4284000008"),
    (lambda: c.read_binary(0, 65536), "00B00000000000"),
]  # fmt: skip


@pytest.mark.parametrize(("build", "wire"), CODINGS)
def test_codings(build: Callable[[], Command], wire: str) -> None:
    cmd = build()
    assert cmd.encode().hex().upper() == wire
    assert Command.decode(cmd.encode()) == cmd


def test_builders_use_the_ins_table() -> None:
    # protocols.md: seed 002 gives ERASE BINARY, ERASE RECORD and TERMINATE CARD USAGE wrongly.
    assert c.erase_binary(0).ins == 0x0E
    assert c.erase_record(1).ins == 0x0C
    assert c.terminate_card_usage().ins == 0xFE
    assert c.erase_binary(0).name == "ERASE BINARY"
    assert c.erase_record(1).name == "ERASE RECORD(S)"


IMPOSSIBLE = [
    lambda: c.select_fid(b"\x3f"),
    lambda: c.select_fid(0x10000),
    lambda: c.select_path(b""),
    lambda: c.select_path(b"\xdf\x01\xef"),
    lambda: c.select_path(bytes.fromhex("3F00DF01")),
    lambda: c.select_by_aid(b"\xa0" * 17),
    lambda: c.read_binary(-1),
    lambda: c.read_binary(0, sfi=0),
    lambda: c.read_binary(0, sfi=31),
    lambda: c.read_binary(0, ne=65537),
    lambda: c.read_binary(1 << 32),
    lambda: c.read_record(255),
    lambda: c.erase_binary(0x10, 0x10),
    lambda: c.verify(0x100, b"1234"),
    lambda: c.get_challenge(0),
    lambda: c.get_response(0),
    lambda: c.manage_channel_open(0),
    lambda: c.manage_channel_open(20),
    lambda: c.manage_channel_close(0),
    lambda: c.get_data(0x10000),
    lambda: c.select_mf(channel=20),
]


@pytest.mark.parametrize("build", IMPOSSIBLE)
def test_impossible_requests(build: Callable[[], Command]) -> None:
    with pytest.raises(UsageError):
        build()


def _do54_offset(data: bytes) -> int:
    assert data[0] == c.OFFSET_TAG
    return int.from_bytes(data[2 : 2 + data[1]], "big")


@given(st.integers(0, 0xFFFFFFFF), st.integers(1, 65536), st.one_of(st.none(), st.integers(1, 30)))
def test_read_binary_offset_round_trip(offset: int, ne: int, sfi: int | None) -> None:
    cmd = c.read_binary(offset, ne, sfi)
    assert Command.decode(cmd.encode()) == cmd
    assert cmd.ne == ne
    if cmd.ins == 0xB0:
        if sfi is None:
            assert cmd.p1 < 0x80
            assert (cmd.p1 << 8) | cmd.p2 == offset
        else:
            assert (cmd.p1, cmd.p2) == (0x80 | sfi, offset)
    else:
        assert cmd.ins == 0xB1
        assert offset > (0x7FFF if sfi is None else 0xFF)
        assert _do54_offset(cmd.data) == offset
        assert cmd.p2 == (sfi or 0)
        assert len(cmd.data) == 2 + max(1, (offset.bit_length() + 7) // 8)


@given(st.integers(0, 19), st.binary(max_size=16))
def test_channel_goes_into_cla(channel: int, aid: bytes) -> None:
    for cmd in (
        c.select_by_aid(aid, channel=channel),
        c.read_binary(0, channel=channel),
        c.get_response(channel=channel),
        c.manage_channel_close(5, origin=channel),
    ):
        assert channel_of(cmd.cla) == channel
        assert Command.decode(cmd.encode()) == cmd


@given(st.integers(0, 254), st.one_of(st.none(), st.integers(1, 30)), st.binary(max_size=300))
def test_record_commands_round_trip(number: int, sfi: int | None, data: bytes) -> None:
    for cmd in (
        c.read_record(number, sfi),
        c.update_record(number, data, sfi),
        c.erase_record(number, sfi),
        c.append_record(data, sfi),
    ):
        assert Command.decode(cmd.encode()) == cmd
        assert cmd.p2 >> 3 == (sfi or 0)
