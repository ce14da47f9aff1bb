"""BER-TLV and SIMPLE-TLV: tables both ways, strictness, public examples, round trips."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardwire import tlv
from cardwire.cli import tlv_view
from cardwire.errors import DecodeError, UsageError
from cardwire.tlv import SimpleTlv, Tlv

# --- tags: (tag int, class, constructed, number) from ISO/IEC 8825-1 8.1.2 --------------------
TAGS = [
    (0x04, "universal", False, 4),
    (0x30, "universal", True, 16),
    (0x42, "application", False, 2),
    (0x61, "application", True, 1),
    (0x87, "context", False, 7),
    (0xA5, "context", True, 5),
    (0xC1, "private", False, 1),
    (0xFE, "private", True, 30),
    (0x1F1F, "universal", False, 31),
    (0x5F1F, "application", False, 31),
    (0x5F7F, "application", False, 127),
    (0x7F49, "application", True, 73),
    (0x9F65, "context", False, 101),
    (0xDF8101, "private", False, 129),  # 81 01: (1 << 7) | 1
    (0xBF8F7F, "context", True, (0x0F << 7) | 0x7F),
]


@pytest.mark.parametrize(("tag", "klass", "constructed", "number"), TAGS)
def test_tag_fields(tag: int, klass: str, constructed: bool, number: int) -> None:
    node = Tlv(tag, b"")
    assert (node.tag_class, node.constructed, node.tag_number) == (klass, constructed, number)
    raw = tlv.encode_tag(tag)
    assert int.from_bytes(raw, "big") == tag
    assert tlv.parse_one(raw + b"\x00").tag == tag


@pytest.mark.parametrize(
    "tag",
    [0, -1, 0x1F, 0x5F, 0x0101, 0x1F81, 0x1F8181, 0x9F, True, 1 << 40],
)
def test_malformed_tags_are_usage_errors(tag: int) -> None:
    with pytest.raises(UsageError):
        tlv.encode_tag(tag)
    with pytest.raises(UsageError):
        Tlv(tag, b"")


# --- lengths: (n, minimal encoding) from ISO/IEC 7816-4:2020 6.3 ------------------------------
LENGTHS = [
    (0, "00"),
    (0x7F, "7F"),
    (0x80, "8180"),
    (0xFF, "81FF"),
    (0x100, "820100"),
    (0xFFFF, "82FFFF"),
    (0x10000, "83010000"),
    (0xFFFFFF, "83FFFFFF"),
    (0x1000000, "8401000000"),
    (0xFFFFFFFF, "84FFFFFFFF"),
]


@pytest.mark.parametrize(("n", "encoded"), LENGTHS)
def test_length_forms(n: int, encoded: str) -> None:
    assert tlv.encode_length(n).hex().upper() == encoded


@pytest.mark.parametrize("n", [0, 1, 0x7F, 0x80, 0x81, 0xFF, 0x100, 0x1234])
def test_length_forms_parse_back(n: int) -> None:
    value = bytes(range(256)) * (n // 256) + bytes(range(n % 256))
    node = tlv.parse_one(tlv.tlv(0x04, value))
    assert node.value == value


@pytest.mark.parametrize("n", [-1, 1 << 32, True])
def test_impossible_length(n: int) -> None:
    with pytest.raises(UsageError):
        tlv.encode_length(n)


# --- malformed input: (hex, part of the message, offset) ---------------------------------------
BAD = [
    ("04", "no length field", 1),
    ("0402AA", "announces 2 value bytes", 1),
    ("3080020105 0000", "indefinite length", 1),
    ("048101AA", "non-minimal length", 1),
    ("04820001AA", "non-minimal length", 1),
    ("0485000000000100", "at most 4 length bytes", 1),
    ("0482 01", "cut short", 1),
    ("1F", "cut short", 0),
    ("1F81", "cut short", 0),
    ("1F0000", "non-minimal tag", 0),
    ("1F807F00", "non-minimal tag", 0),
    ("1FFFFFFF7F00", "longer than 4 bytes", 0),
    ("000401AA", "where a tag was expected", 0),
    ("0401AAFF", "where a tag was expected", 3),
]


@pytest.mark.parametrize(("wire", "problem", "offset"), BAD)
def test_strict_rejects(wire: str, problem: str, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        tlv.parse(bytes.fromhex(wire))
    assert problem in str(info.value)
    assert info.value.offset == offset


def test_lenient_accepts_non_minimal_lengths_tags_and_padding() -> None:
    data = bytes.fromhex("00 FF 04 81 01 AA 00 1F8001 82 0000 FF FF")
    nodes = tlv.parse(data, strict=False)
    assert nodes == (Tlv(0x04, b"\xaa"), Tlv(0x1F8001, b""))
    with pytest.raises(DecodeError, match="indefinite"):
        tlv.parse(bytes.fromhex("3080 0000"), strict=False)


def test_parse_one_rejects_trailing_and_empty() -> None:
    with pytest.raises(DecodeError, match="trailing") as info:
        tlv.parse_one(bytes.fromhex("0401AA 0401BB"))
    assert info.value.offset == 3
    with pytest.raises(DecodeError, match="no BER-TLV"):
        tlv.parse_one(b"")
    assert tlv.parse_one(bytes.fromhex("00 0401AA FF"), strict=False) == Tlv(0x04, b"\xaa")


def test_children_of_primitive_and_malformed_constructed() -> None:
    with pytest.raises(DecodeError, match="primitive"):
        _ = Tlv(0x04, b"\x01\x00").children
    broken = Tlv(0x30, bytes.fromhex("0405AA"))
    with pytest.raises(DecodeError):
        _ = broken.children
    with pytest.raises(DecodeError) as info:
        tlv.parse(broken.encode(), deep=True)
    assert info.value.offset == 3  # the bad length byte, counted from the outer object
    lenient = tlv.parse(broken.encode(), strict=False, deep=True)
    assert lenient == (broken,)
    assert "not BER-TLV" in tlv_view.render(lenient)


# --- public examples ------------------------------------------------------------------------

# ITU-T X.690 (02/2021) annex A.3: the personnel record (definite lengths, "60 81 85").
PERSONNEL = bytes.fromhex(
    "60818561101a044a6f686e1a01501a05536d697468a00a1a084469726563746f72420133a10a4308313937"
    "3130393137a21261101a044d6172791a01541a05536d697468a342311f61111a0552616c70681a01541a"
    "05536d697468a00a43083139353731313131311f61111a05537573616e1a01421a054a6f6e6573a00a4308"
    "3139353930373137"
)


def test_x690_personnel_record() -> None:
    record = tlv.parse_one(PERSONNEL)
    assert record.tag == 0x60
    assert (record.tag_class, record.tag_number, len(record.value)) == ("application", 0, 133)
    name = record.children[0]
    assert name.tag == 0x61
    assert [c.value for c in name.children] == [b"John", b"P", b"Smith"]
    assert record.find_path(0xA0, 0x1A) == Tlv(0x1A, b"Director")
    assert record.find(0x42) == Tlv(0x42, b"3")
    assert record.find_path(0xA1, 0x43) == Tlv(0x43, b"19710917")
    children = record.find(0xA3)
    assert children is not None
    assert [c.tag for c in children.children] == [0x31, 0x31]
    texts = [n.value for _, n in tlv.walk([record]) if n.tag == 0x1A]
    assert b"".join(texts) == b"JohnPSmithDirectorMaryTSmithRalphTSmithSusanBJones"
    assert record.encode() == PERSONNEL
    rebuilt = Tlv.of(0x60, *record.children)
    assert rebuilt.encode() == PERSONNEL


# ITU-T X.690 (02/2021) 8.1.3.4 / 8.1.3.5: L = 38 short form "26", L = 201 long form "81 C9";
# 8.14: [APPLICATION 7] constructed around [APPLICATION 3] "Jones".
def test_x690_clause_examples() -> None:
    assert tlv.encode_length(38) == b"\x26"
    assert tlv.encode_length(201) == b"\x81\xc9"
    node = tlv.parse_one(bytes.fromhex("670743054a6f6e6573"))
    assert node.tag == 0x67 and node.constructed
    assert node.children == (Tlv(0x43, b"Jones"),)


# PersoSim/de.persosim.simulator,
# de.persosim.simulator/src/de/persosim/simulator/exportprofile/Profile.java: CVCA_ROOT_CERT,
# the BSI test-PKI CVCA card-verifiable certificate (7F21, 82-form lengths, two-byte tags).
CVCA = bytes.fromhex(
    "7F218201B67F4E82016E5F290100420E44455445535465494430303030357F4982011D060A04007F0007"
    "02020202038120A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E537782207D5A"
    "0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9832026DC5C6CE94A4B44F330B5"
    "D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B68441048BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27"
    "E1E3BD23C23A4453BD9ACE3262547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F04"
    "69978520A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A78641049BFEBA8D"
    "C7FAAB6E3BDEB3FF794DBB800848FE4F6940A4CC7EECB5159C87DA5395505892026D420A22596CD014ED1F"
    "D872DADA597DB0F8D64441041198F62D448701015F200E44455445535465494430303030357F4C12060904"
    "007F0007030102025305FC0F13FFFF5F25060105000500045F24060108000500045F374058B4E65598EFB9"
    "CA2CAFC05C80F5A907E8B69C3897C704739320896DC53492E47766841A9C3D4EAC85CE653D166B53DB06A7"
    "0E735AB93C88858811EF69D6B543"
)


def test_cv_certificate() -> None:
    cert = tlv.parse_one(CVCA, strict=True)
    assert cert.tag == 0x7F21 and len(cert.value) == 0x1B6
    body, signature = cert.children
    assert (body.tag, len(body.value)) == (0x7F4E, 0x16E)
    assert (signature.tag, len(signature.value)) == (0x5F37, 64)
    assert [c.tag for c in body.children] == [
        0x5F29, 0x42, 0x7F49, 0x5F20, 0x7F4C, 0x5F25, 0x5F24,
    ]  # fmt: skip
    assert cert.find_path(0x7F4E, 0x42) == Tlv(0x42, b"DETESTeID00005")
    key = cert.find(0x7F49)
    assert key is not None and len(key.value) == 0x11D
    assert [c.tag for c in key.children] == [0x06, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87]
    assert cert.find(0x87) == Tlv(0x87, b"\x01")
    assert cert.find_path(0x7F4E, 0x7F4C, 0x53) == Tlv(0x53, bytes.fromhex("FC0F13FFFF"))
    assert cert.find(0x99) is None
    assert cert.find_path(0x7F4E, 0x5F29, 0x01) is None
    assert cert.encode() == CVCA
    assert tlv.parse(CVCA, deep=True) == (cert,)


# ICAO Doc 9303 Part 11, appendix D.4: decrypted EF.COM (60145F01 ‖ 04303130365F3606...) and
# the protected response data objects DO87, DO99, DO8E of the READ BINARY answers.
def test_icao_ef_com_and_sm_objects() -> None:
    ef_com = tlv.parse_one(bytes.fromhex("60145F0104303130365F36063034303030305C026175"))
    assert [(c.tag, c.value) for c in ef_com.children] == [
        (0x5F01, b"0106"),
        (0x5F36, b"040000"),
        (0x5C, b"au"),
    ]
    response = tlv.parse(bytes.fromhex("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED"))
    assert [(n.tag, n.value.hex().upper()) for n in response] == [
        (0x87, "019FF0EC34F9922651"),
        (0x99, "9000"),
        (0x8E, "AD55CC17140B2DED"),
    ]
    assert tlv.tlv(0x8E, bytes.fromhex("BF8B92D635FF24F8")).hex().upper() == "8E08BF8B92D635FF24F8"


def test_render_and_json() -> None:
    nodes = tlv.parse(bytes.fromhex("6F0A8403A00000A503500141"))
    text = tlv_view.render(nodes).splitlines()
    assert text[0].startswith("6F (application 15, constructed) len 10")
    assert text[1] == "  84 (context 4, primitive) len 3: A00000"
    assert text[3] == "    50 (application 16, primitive) len 1: 41  'A'"
    assert tlv_view.to_json(nodes) == [
        {
            "tag": "6F",
            "class": "application",
            "number": 15,
            "constructed": True,
            "length": 10,
            "children": [
                {
                    "tag": "84",
                    "class": "context",
                    "number": 4,
                    "constructed": False,
                    "length": 3,
                    "value": "A00000",
                },
                {
                    "tag": "A5",
                    "class": "context",
                    "number": 5,
                    "constructed": True,
                    "length": 3,
                    "children": [
                        {
                            "tag": "50",
                            "class": "application",
                            "number": 16,
                            "constructed": False,
                            "length": 1,
                            "value": "41",
                        }
                    ],
                },
            ],
        }
    ]


def test_of_needs_a_constructed_tag_and_module_find() -> None:
    with pytest.raises(UsageError, match="primitive"):
        Tlv.of(0x04, Tlv(0x04, b""))
    tree = Tlv.of(0x70, Tlv.of(0x61, Tlv(0x4F, b"\xa0\x00")), Tlv(0x4F, b"\xa1"))
    assert tlv.find([tree], 0x4F) == Tlv(0x4F, b"\xa0\x00")  # depth first
    assert tlv.find([tree], 0x70) is tree
    assert tree.find(0x70) is None  # self excluded
    assert Tlv(0x04, bytearray(b"ab")).value == b"ab"  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        Tlv(0x04, "ab")  # type: ignore[arg-type]


# --- hypothesis -------------------------------------------------------------------------------


def _tags() -> st.SearchStrategy[int]:
    first = st.integers(0, 0xFF).filter(lambda b: b not in (0x00, 0xFF) and b & 0x1F != 0x1F)
    long_first = st.sampled_from([0x1F, 0x5F, 0x7F, 0x9F, 0xBF, 0xDF])
    number = st.integers(31, (1 << 21) - 1)

    def multi(head: int, n: int) -> int:
        groups = []
        while True:
            groups.append(n & 0x7F)
            n >>= 7
            if not n:
                break
        groups.reverse()
        raw = [g | 0x80 for g in groups[:-1]] + [groups[-1]]
        return int.from_bytes(bytes([head, *raw]), "big")

    return st.one_of(first, st.builds(multi, long_first, number))


def _shift(tag: int) -> int:
    return 8 * max((tag.bit_length() + 7) // 8 - 1, 0)


def _first_byte(tag: int) -> int:
    return tag >> _shift(tag)


def _kind(tag: int, constructed: bool) -> int:
    """``tag`` with the constructed bit (b6 of its first byte, ISO/IEC 8825-1 8.1.2.5) set or
    cleared: drawing the kind directly instead of filtering keeps Hypothesis from discarding
    about half the tags (its filter_too_much health check failed now and then)."""
    shift = _shift(tag)
    first = _first_byte(tag) | 0x20 if constructed else _first_byte(tag) & ~0x20
    return (tag & ~(0xFF << shift)) | (first << shift)


def _tags_of_kind(constructed: bool) -> st.SearchStrategy[int]:
    # '00' and 'FF' are not valid first tag bytes (ISO/IEC 7816-4:2020 6.3)
    return (
        _tags()
        .map(lambda t: _kind(t, constructed))
        .filter(lambda t: _first_byte(t) not in (0x00, 0xFF))
    )


def _trees(max_leaves: int = 12) -> st.SearchStrategy[Tlv]:
    primitive = st.builds(
        Tlv,
        _tags_of_kind(False),
        st.binary(max_size=300),
    )

    def extend(children: st.SearchStrategy[Tlv]) -> st.SearchStrategy[Tlv]:
        constructed = _tags_of_kind(True)
        return st.builds(
            lambda t, kids: Tlv.of(t, *kids), constructed, st.lists(children, max_size=4)
        )

    return st.recursive(primitive, extend, max_leaves=max_leaves)


@given(st.lists(_trees(), max_size=4))
def test_parse_build_round_trip(trees: list[Tlv]) -> None:
    data = b"".join(t.encode() for t in trees)
    assert tlv.parse(data) == tuple(trees)
    deep = tlv.parse(data, deep=True)
    assert [list(tlv.walk([t])) for t in deep] == [list(tlv.walk([t])) for t in trees]
    assert tlv.parse(data, strict=False) == tuple(trees)


@given(st.binary(max_size=64))
def test_any_bytes_value_or_decode_error(data: bytes) -> None:
    for strict in (True, False):
        try:
            nodes = tlv.parse(data, strict=strict, deep=True)
        except DecodeError:
            continue
        tlv_view.render(nodes)
        tlv_view.to_json(nodes)
        if strict:
            assert b"".join(n.encode() for n in nodes) == data  # strict means canonical


# --- SIMPLE-TLV (ISO/IEC 7816-4:2020 6.2) -----------------------------------------------------
SIMPLE = [
    ("0100", 0x01, b""),
    ("FE03AABBCC", 0xFE, bytes.fromhex("AABBCC")),
    ("80FE" + "11" * 254, 0x80, b"\x11" * 254),
    ("80FF00FF" + "22" * 255, 0x80, b"\x22" * 255),
    ("42FF0100" + "33" * 256, 0x42, b"\x33" * 256),
]


@pytest.mark.parametrize(("wire", "tag", "value"), SIMPLE)
def test_simple_tlv_both_ways(wire: str, tag: int, value: bytes) -> None:
    raw = bytes.fromhex(wire)
    assert tlv.parse_simple(raw) == (SimpleTlv(tag, value),)
    assert SimpleTlv(tag, value).encode() == raw


@pytest.mark.parametrize(
    ("wire", "problem"),
    [("0001AA", "invalid"), ("FF01AA", "invalid"), ("01", "no length"), ("0103AA", "announces"),
     ("01FF00", "cut short")],
)  # fmt: skip
def test_simple_tlv_rejects(wire: str, problem: str) -> None:
    with pytest.raises(DecodeError, match=problem):
        tlv.parse_simple(bytes.fromhex(wire))


@given(st.lists(st.tuples(st.integers(1, 0xFE), st.binary(max_size=300)), max_size=5))
def test_simple_round_trip(items: list[tuple[int, bytes]]) -> None:
    objects = tuple(SimpleTlv(t, v) for t, v in items)
    assert tlv.parse_simple(b"".join(o.encode() for o in objects)) == objects


@given(st.binary(max_size=40))
def test_simple_any_bytes(data: bytes) -> None:
    try:
        objects = tlv.parse_simple(data)
    except DecodeError:
        return
    assert isinstance(objects, tuple)


# --- bounded nesting (issue 15): MAX_DEPTH levels, then DecodeError naming limit and offset -----


def _nested(levels: int, tag: int = 0x30) -> bytes:
    data = b""
    for _ in range(levels):
        data = tlv.tlv(tag, data)
    return data


def _walkers(data: bytes) -> list[object]:
    """Every recursive consumer of a tree, on both parse modes."""
    out: list[object] = []
    for strict in (True, False):
        out.append(tlv.parse(data, strict=strict, deep=True))
        out.append(tlv_view.render(tlv.parse(data, strict=strict)))
        out.append(tlv_view.to_json(tlv.parse(data, strict=strict)))
    return out


def test_nesting_at_the_limit_parses() -> None:
    data = _nested(tlv.MAX_DEPTH, 0x30) + _nested(tlv.MAX_DEPTH, 0x7F61)
    rendered = tlv_view.render(tlv.parse(data, deep=True))
    assert len(rendered.splitlines()) == 2 * tlv.MAX_DEPTH
    _walkers(data)


@pytest.mark.parametrize("levels", [tlv.MAX_DEPTH + 1, 1200])
def test_nesting_beyond_the_limit_is_a_decode_error(levels: int) -> None:
    data = _nested(levels)  # 1200 levels: 4.6 KB, a RecursionError before issue 15
    header = len(data) - len(_nested(levels - tlv.MAX_DEPTH))  # where level MAX_DEPTH + 1 starts
    for consumer in (
        lambda: tlv.parse(data, deep=True),
        lambda: tlv.parse(data, strict=False, deep=True),
        lambda: tlv_view.render(tlv.parse(data)),
        lambda: tlv_view.to_json(tlv.parse(data, strict=False)),
    ):
        with pytest.raises(DecodeError, match=f"deeper than {tlv.MAX_DEPTH} levels") as info:
            consumer()
        assert info.value.offset == header


@given(st.integers(1, 300), st.sampled_from([0x30, 0xA1, 0x7F61, 0xBF8F7F]), st.binary(max_size=3))
def test_nesting_of_any_depth_value_or_decode_error(levels: int, tag: int, tail: bytes) -> None:
    data = _nested(levels, tag)
    data = data[:-1] + tail if tail else data  # sometimes truncated or with garbage inside
    try:
        _walkers(data)
    except DecodeError:
        return
    assert levels <= tlv.MAX_DEPTH


# --- parse_values: parse's reader without the Tlv objects ---------------------------------------


def _outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except DecodeError as exc:
        return (str(exc), exc.offset)


@settings(max_examples=300)
@given(
    st.one_of(
        st.binary(max_size=48),
        st.lists(st.tuples(_tags(), st.binary(max_size=300)), max_size=4).map(
            lambda items: b"".join(tlv.tlv(tag, value) for tag, value in items)
        ),
    ),
    st.integers(0, 1000),
)
def test_parse_values_reads_what_parse_reads(data: bytes, cut: int) -> None:
    data = data[: cut % (len(data) + 1)] if cut % 3 == 0 else data
    expected = _outcome(lambda: [(node.tag, node.value) for node in tlv.parse(data)])
    assert _outcome(lambda: tlv.parse_values(data)) == expected
