"""EF.CardAccess SecurityInfos (ICAO Doc 9303-11 9.2): parse and build PACEInfos, keep the
other SecurityInfos, reject anything that is not DER SecurityInfos with a DecodeError."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardwire.errors import DecodeError, UsageError
from cardwire.sm.card_access import (
    OtherSecurityInfo,
    PaceInfo,
    build_card_access,
    is_pace_info_oid,
    parse_card_access,
)

h = bytes.fromhex
ECDH_GM_AES128 = "0.4.0.127.0.7.2.2.4.2.2"

# Each file with its public source and the PACEInfos in it.
FILES = [
    pytest.param(
        # ICAO 9303-11 Appendix G.1 (as quoted by gmrtd/gmrtd pace/pace_test.go TestDoPace_GM_ECDH)
        "31143012060A04007F0007020204020202010202010D",
        [PaceInfo(ECDH_GM_AES128, 2, 13)],
        0,
        id="icao-g1",
    ),
    pytest.param(
        # ICAO 9303-11 Appendix G.2 (as quoted by ZeroPass/dmrtd test/pace_test_dh.dart)
        "31143012060A04007F00070202040102020102020100",
        [PaceInfo("0.4.0.127.0.7.2.2.4.1.2", 2, 0)],
        0,
        id="icao-g2",
    ),
    pytest.param(
        # gmrtd/gmrtd pace/pace_test.go TestSelectPaceForConfig (ECDH GM and CAM, AES-256)
        "31283012060a04007f000702020402040201020201103012060a04007f00070202040604020102020110",
        [
            PaceInfo("0.4.0.127.0.7.2.2.4.2.4", 2, 16),
            PaceInfo("0.4.0.127.0.7.2.2.4.6.4", 2, 16),
        ],
        0,
        id="gmrtd-two-paceinfos",
    ),
    pytest.param(
        # frankmorgner/openpace bindings/ruby/example.rb EF_CARDACCESS (German eID test card):
        # the SecurityInfos object at the start of that file (the first 133 bytes).
        "318182300D060804007F00070202020201023012060A04007F00070202030202020102020141"
        "3012060A04007F0007020204020202010202010D301C060904007F000702020302300C0607"
        "04007F0007010202010D020141302B060804007F0007020206161F655041202D2042447220"
        "476D6248202D20546573746B617274652076322E30",
        [PaceInfo(ECDH_GM_AES128, 2, 13)],
        4,
        id="openpace-eid",
    ),
]


@pytest.mark.parametrize(("hex_file", "pace", "others"), FILES)
def test_parse_and_rebuild(hex_file: str, pace: list[PaceInfo], others: int) -> None:
    raw = h(hex_file)
    infos = parse_card_access(raw)
    assert list(infos.pace) == pace
    assert len(infos.others) == others
    assert build_card_access(infos.pace, infos.others) == raw


def test_other_security_infos_keep_their_protocol() -> None:
    infos = parse_card_access(h(FILES[3].values[0]))  # type: ignore[arg-type]
    protocols = [other.protocol for other in infos.others]
    # Terminal Authentication, Chip Authentication, CA domain parameters, CardInfoLocator
    # (BSI TR-03110-3 A.1.1.1 OIDs).
    assert protocols == [
        "0.4.0.127.0.7.2.2.2",
        "0.4.0.127.0.7.2.2.3.2.2",
        "0.4.0.127.0.7.2.2.3.2",
        "0.4.0.127.0.7.2.2.6",
    ]


def test_build_sorts_members_as_der_requires() -> None:
    # X.690 11.6: SET OF components in ascending order of their encodings.
    first = PaceInfo("0.4.0.127.0.7.2.2.4.6.4", 2, 16)
    second = PaceInfo("0.4.0.127.0.7.2.2.4.2.4", 2, 16)
    assert build_card_access([first, second]) == h(FILES[2].values[0])  # type: ignore[arg-type]


def test_paceinfo_without_parameter_id() -> None:
    raw = build_card_access([PaceInfo(ECDH_GM_AES128)])
    assert raw == h("3111300F060A04007F00070202040202020102")
    assert parse_card_access(raw).pace == (PaceInfo(ECDH_GM_AES128, 2, None),)


@pytest.mark.parametrize(
    "hex_file",
    [
        "",  # empty
        "3000",  # a SEQUENCE, not a SET
        "31143012060A04007F0007020204020202010202010D00",  # trailing byte
        "31153012060A04007F0007020204020202010202010D",  # length too long
        "310C300A060A04007F00070202040202",  # PACEInfo without version
        "31143012060A04007F000702020402020C01020201 0D".replace(" ", ""),  # version a string
        "3111300F060A04007F0007020204020202 01FF".replace(" ", ""),  # negative version
    ],
)
def test_malformed_files(hex_file: str) -> None:
    with pytest.raises(DecodeError):
        parse_card_access(h(hex_file))


@pytest.mark.parametrize(
    ("oid", "expected"),
    [
        (ECDH_GM_AES128, True),
        ("0.4.0.127.0.7.2.2.4.2", False),  # PACEDomainParameterInfo (no cipher arc)
        ("0.4.0.127.0.7.2.2.3.2.2", False),  # Chip Authentication
        ("1.2.840.10045.2.1", False),
        ("not.an.oid", False),
    ],
)
def test_is_pace_info_oid(oid: str, expected: bool) -> None:
    assert is_pace_info_oid(oid) is expected


def test_usage_errors() -> None:
    with pytest.raises(UsageError):
        PaceInfo("0.4.0.127.0.7.2.2.3.2.2")
    with pytest.raises(UsageError):
        PaceInfo(ECDH_GM_AES128, 2, -1)
    with pytest.raises(UsageError):
        build_card_access([])
    with pytest.raises(UsageError):
        build_card_access([], [OtherSecurityInfo("1.2.3", b"\x04\x00")])


_PACE_OIDS = st.sampled_from(
    [f"0.4.0.127.0.7.2.2.4.{m}.{c}" for m in (1, 2, 3, 4, 6) for c in (1, 2, 3, 4)]
)


@given(
    st.lists(
        st.builds(
            PaceInfo,
            _PACE_OIDS,
            st.integers(min_value=0, max_value=300),
            st.none() | st.integers(min_value=0, max_value=300),
        ),
        min_size=1,
        max_size=4,
        unique=True,
    )
)
def test_build_parse_round_trip(infos: list[PaceInfo]) -> None:
    parsed = parse_card_access(build_card_access(infos))
    assert sorted(parsed.pace, key=repr) == sorted(infos, key=repr)
    assert parsed.others == ()


@settings(max_examples=300)
@given(st.binary(max_size=60))
def test_any_bytes_parse_or_raise_decode_error(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        parse_card_access(data)


@settings(max_examples=300)
@given(st.data())
def test_mutated_files_parse_or_raise_decode_error(data: st.DataObject) -> None:
    raw = bytearray(h(FILES[2].values[0]))  # type: ignore[arg-type]
    index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[index] = data.draw(st.integers(min_value=0, max_value=255))
    with contextlib.suppress(DecodeError):
        parse_card_access(bytes(raw))
