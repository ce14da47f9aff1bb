"""ATR: real ATRs from public lists, structural errors with offsets, the builder, any bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.atr import (
    Atr,
    CardCapabilities,
    CompactTlv,
    build_atr,
    decode_historical,
    parse_compact,
)
from cardwire.errors import DecodeError, UsageError

# (ATR, protocols, Fi, Di, TCK, extended length, logical channels, historical bytes)
# Every ATR is listed in pcsc-tools smartcard_list.txt (LudovicRousseau/pcsc-tools, also
# /usr/share/pcsc/smartcard_list.txt of Debian's pcsc-tools), named in the comment, except the
# last one, from frankmorgner/vsmartcard
# virtualsmartcard/src/vpicc/virtualsmartcard/VirtualSmartcard.py (CryptoflexOS).
KNOWN = [
    # Yubikey 5 NFC (via NFC)
    ("3B8D80018073C021C057597562694B6579F9", (0, 1), 372, 1, 0xF9, True, 1,
     "8073C021C057597562694B6579"),
    # sysmoUSIM-SJS1
    ("3B9F96801FC78031A073BE21136743200718000001A5", (0, 15), 512, 32, 0xA5, False, 4,
     "8031A073BE21136743200718000001"),
    # Giesecke & Devrient Sm@rtCafe Expert 3.0
    ("3BF81800008131FE450073C8401300900093", (1,), 372, 12, 0x93, False, 4,
     "0073C84013009000"),
    # Bank of Lithuania Identification card / Gemalto SafeNet eToken Java Based Cards
    ("3BD518008131FE7D8073C82110F4", (1,), 372, 12, 0xF4, False, 1, "8073C82110"),
    # iClass SE Processor
    ("3B90969181B1FE551FC7D4", (1, 15), 512, 32, 0xD4, False, None, ""),
    # Gemplus GemXplore (inverse convention)
    ("3F2F008059AF0201013000000A0E83069F12", (0,), 372, 1, None, False, None,
     "8059AF0201013000000A0E83069F12"),
    # vsmartcard CryptoflexOS ATR
    ("3BE2000040204906", (0,), 372, 1, None, False, None, "4906"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("wire", "protocols", "fi", "di", "tck", "extended", "channels", "historical"), KNOWN
)
def test_known_atrs(
    wire: str,
    protocols: tuple[int, ...],
    fi: int,
    di: int,
    tck: int | None,
    extended: bool,
    channels: int | None,
    historical: str,
) -> None:
    atr = Atr.parse(bytes.fromhex(wire))
    assert atr.raw.hex().upper() == wire
    assert atr.protocols == protocols
    assert (atr.fi, atr.di) == (fi, di)
    assert atr.tck == tck
    assert atr.tck_valid is (None if tck is None else True)
    assert atr.tck_required is (tck is not None)
    assert atr.supports_extended_length is extended
    assert atr.logical_channels == channels
    assert atr.historical.hex().upper() == historical
    assert json.loads(json.dumps(atr.to_json()))["atr"] == wire


def test_sysmousim_details() -> None:
    # pcsc-tools smartcard_list.txt: sysmoUSIM-SJS1. TA1 96, TD1 80 (T=0), TD2 1F (T=15), TA3 C7.
    atr = Atr.parse(bytes.fromhex("3B9F96801FC78031A073BE21136743200718000001A5"))
    assert atr.convention == "direct"
    assert [(g.index, g.protocol, g.ta, g.td) for g in atr.interface] == [
        (1, None, 0x96, 0x80),
        (2, 0, None, 0x1F),
        (3, 15, 0xC7, None),
    ]
    assert atr.f_max == 5.0
    info = atr.historical_info
    assert (info.category, info.format) == (0x80, "compact-tlv")
    assert info.card_service_data == 0xA0
    caps = info.card_capabilities
    assert caps is not None
    assert (caps.selection_methods, caps.data_coding, caps.third_byte) == (0xBE, 0x21, 0x13)
    assert caps.channel_assignment == "card"
    assert not caps.command_chaining
    pre_issuing = info.find(0x6)
    assert pre_issuing is not None and pre_issuing.value.hex() == "43200718000001"


def test_status_indicator_forms() -> None:
    # Sm@rtCafe Expert 3.0: category 00, status at the end (LCS 00, SW 9000)
    end = Atr.parse(bytes.fromhex("3BF81800008131FE450073C8401300900093")).historical_info
    assert (end.format, end.lifecycle_status, end.sw) == ("status-at-end", 0x00, 0x9000)
    assert end.to_json()["status"] == "009000"
    # GemXplore: category 80 with status indicator object 83 06 9F12, inverse convention
    atr = Atr.parse(bytes.fromhex("3F2F008059AF0201013000000A0E83069F12"))
    assert atr.convention == "inverse"
    info = atr.historical_info
    assert (info.lifecycle_status, info.sw) == (0x06, 0x9F12)
    assert atr.to_json()["tck_valid"] is None


def test_specific_mode_and_t1_parameters() -> None:
    # iClass SE Processor: TA2 = 81 (specific mode T=1, unable to change), TA3 FE, TB3 55
    atr = Atr.parse(bytes.fromhex("3B90969181B1FE551FC7D4"))
    mode = atr.specific_mode
    assert mode is not None
    assert (mode.protocol, mode.can_change, mode.implicit_parameters) == (1, False, False)
    assert atr.t1_ifsc == 254
    assert atr.t1_bwi_cwi == (5, 5)
    assert atr.t1_error_detection == "lrc"
    assert atr.historical_info.format == "none"


def test_t0_waiting_time() -> None:
    # vsmartcard CryptoflexOS: TB1 00, TC1 00, TD1 40 then TC2 20 (WI = 32)
    atr = Atr.parse(bytes.fromhex("3BE2000040204906"))
    assert (atr.extra_guard_time, atr.t0_wi) == (0, 0x20)
    assert atr.historical_info.format == "proprietary"
    assert atr.t1_ifsc is None and atr.t1_bwi_cwi is None and atr.t1_error_detection is None


def test_wrong_tck_is_reported_not_raised() -> None:
    atr = Atr.parse(bytes.fromhex("3B8D80018073C021C057597562694B6579F8"))
    assert atr.tck_valid is False


BAD = [
    ("", "empty", 0),
    ("3C00", "TS must be", 0),
    ("3B", "T0 is missing", 1),
    ("3B10", "T0 announces TA1", 2),
    ("3B8010", "TD1 announces TA2", 3),
    ("3B02AA", "2 historical bytes, only 1", 2),
    ("3B8001", "TCK missing", 3),
    ("3B0000", "trailing", 2),
    ("3B810101AA00", "trailing", 5),
    ("3B0F" + "00" * 15 + "0000000000000000000000000000000000", "at most 33", 33),
]


@pytest.mark.parametrize(("wire", "problem", "offset"), BAD)
def test_structural_errors(wire: str, problem: str, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        Atr.parse(bytes.fromhex(wire))
    assert problem in str(info.value)
    assert info.value.offset == offset


@pytest.mark.parametrize(
    ("third", "chaining", "extended", "assignment", "channels"),
    [
        # ISO/IEC 7816-4:2020 table 119: b8 chaining, b7 extended Lc/Le, b5-b4, b3-b1
        (0x00, False, False, "none", 1),
        (0x07, False, False, "none", 1),
        (0x40, False, True, "none", 1),
        (0x80, True, False, "none", 1),
        (0x08, False, False, "interface-device", 1),
        (0x13, False, False, "card", 4),
        (0x1F, False, False, "card-and-interface-device", 8),
        (0xDB, True, True, "card-and-interface-device", 4),
    ],
)
def test_third_software_function_byte(
    third: int, chaining: bool, extended: bool, assignment: str, channels: int
) -> None:
    caps = CardCapabilities(bytes((0, 0, third)))
    assert caps.command_chaining is chaining
    assert caps.extended_length is extended
    assert caps.channel_assignment == assignment
    assert caps.max_logical_channels == channels
    short = CardCapabilities(b"\xb6")
    assert short.third_byte is None and short.max_logical_channels is None


def test_historical_problems_do_not_raise() -> None:
    assert decode_historical(bytes.fromhex("8073C0")).problem is not None
    assert decode_historical(bytes.fromhex("0073")).problem is not None
    assert decode_historical(b"\x10").problem is not None
    assert decode_historical(bytes.fromhex("1042")).dir_reference == 0x42
    assert decode_historical(b"\x85").format == "rfu"


@given(
    protocols=st.lists(st.sampled_from([0, 1, 15]), min_size=1, max_size=3, unique=True),
    extended=st.booleans(),
    channels=st.integers(1, 8),
    chaining=st.booleans(),
    ta1=st.none() | st.integers(0, 0xFF),
    extra=st.binary(max_size=4).map(lambda v: bytes((0x50 | len(v),)) + v),
)
def test_build_parse_round_trip(
    protocols: list[int],
    extended: bool,
    channels: int,
    chaining: bool,
    ta1: int | None,
    extra: bytes,
) -> None:
    raw = build_atr(
        protocols=protocols,
        extended_length=extended,
        logical_channels=channels,
        historical=extra,
        command_chaining=chaining,
        ta1=ta1,
    )
    atr = Atr.parse(raw)
    assert atr.ts == 0x3B
    assert atr.protocols == tuple(protocols)
    assert atr.supports_extended_length is extended
    assert atr.logical_channels == channels
    assert atr.tck_valid is (None if protocols == [0] else True)
    caps = atr.historical_info.card_capabilities
    assert caps is not None and caps.command_chaining is chaining
    assert atr.historical_info.objects[-1].encode() == extra
    assert atr.ta1 == ta1


def test_build_atr_examples_and_usage_errors() -> None:
    # T=1 only, extended length, 4 channels: 3B 85 01 | 80 73 B6 21 DB | TCK
    raw = build_atr(protocols=(1,), extended_length=True, logical_channels=4)
    assert (
        raw.hex().upper()
        == "3B85018073B621DB" + f"{0x85 ^ 0x01 ^ 0x80 ^ 0x73 ^ 0xB6 ^ 0x21 ^ 0xDB:02X}"
    )
    assert build_atr(protocols=(0,)).hex().upper() == "3B058073B62180"
    with pytest.raises(UsageError):
        build_atr(protocols=())
    with pytest.raises(UsageError):
        build_atr(protocols=(16,))
    with pytest.raises(UsageError):
        build_atr(logical_channels=9)
    with pytest.raises(UsageError):
        build_atr(historical=bytes(11))
    with pytest.raises(UsageError, match="COMPACT-TLV"):
        build_atr(historical=b"\x53")


@given(st.binary(max_size=40))
def test_any_bytes_value_or_decode_error(data: bytes) -> None:
    try:
        atr = Atr.parse(data)
    except DecodeError:
        return
    json.dumps(atr.to_json())
    assert atr.raw == data


@given(st.binary(min_size=2, max_size=20))
def test_any_atr_shaped_bytes(data: bytes) -> None:
    try:
        atr = Atr.parse(b"\x3b" + data)
    except DecodeError:
        return
    json.dumps(atr.to_json())


# --- COMPACT-TLV (ISO/IEC 7816-4:2005 8.1.1.2) ------------------------------------------------


def test_compact_tlv() -> None:
    # pcsc-tools smartcard_list.txt, sysmoUSIM-SJS1 ATR historical bytes after category 80
    objects = parse_compact(bytes.fromhex("31A073BE21136743200718000001"))
    assert [(o.tag, o.name, o.value.hex().upper()) for o in objects] == [
        (3, "card service data", "A0"),
        (7, "card capabilities", "BE2113"),
        (6, "pre-issuing data", "43200718000001"),
    ]
    assert b"".join(o.encode() for o in objects).hex().upper() == "31A073BE21136743200718000001"
    with pytest.raises(DecodeError, match="announces 3") as info:
        parse_compact(bytes.fromhex("31A073BE21"))
    assert info.value.offset == 2
    with pytest.raises(UsageError):
        CompactTlv(16, b"")
    assert CompactTlv(0x9, b"").name == "RFU"


@given(st.binary(max_size=40))
def test_compact_any_bytes(data: bytes) -> None:
    try:
        objects = parse_compact(data)
    except DecodeError:
        return
    assert isinstance(objects, tuple)
