"""The file model: contents, profile form, transparent and record operations, FCP templates."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.errors import CardwireError, UsageError
from cardwire.sim.applet import CardStatus
from cardwire.sim.applets.filesystem import default_config
from cardwire.sim.fs import (
    DedicatedFile,
    ElementaryFile,
    Structure,
    build_tree,
    decode_content,
    encode_content,
    fci,
    fcp,
    fmd,
    path_of,
    tree_to_config,
)
from cardwire.tlv import parse_one


def sw_of(action: Any, *args: Any) -> int:
    try:
        action(*args)
    except CardStatus as status:
        return status.sw
    return 0x9000


def default_tree() -> DedicatedFile:
    return build_tree(default_config()["mf"])


def ef_at(mf: DedicatedFile, *fids: int) -> ElementaryFile:
    node: DedicatedFile | ElementaryFile | None = mf
    for fid in fids:
        assert isinstance(node, DedicatedFile)
        node = node.child(fid)
    assert isinstance(node, ElementaryFile)
    return node


# --- contents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "size", "data"),
    [
        ({"text": "abc"}, None, b"abc"),
        ({"hex": "01 02:03"}, None, b"\x01\x02\x03"),
        ({"text": "ab"}, 4, b"ab\x00\x00"),
        (None, 3, b"\x00\x00\x00"),
        ({"pattern": {"modulus": 3}}, 7, bytes([0, 1, 2, 0, 1, 2, 0])),
    ],
)
def test_decode_content(spec: object, size: int | None, data: bytes) -> None:
    assert decode_content(spec, size, "here") == data


@pytest.mark.parametrize(
    ("spec", "size"),
    [
        ({"text": "abcd"}, 3),  # longer than the file
        ({"pattern": {"modulus": 3}}, None),  # a pattern needs a size
        ({"pattern": {"modulus": 0}}, 4),
        ({"text": "a", "hex": "00"}, None),
        ({"base64": "AA=="}, None),
        ("abc", None),
    ],
)
def test_decode_content_refuses(spec: object, size: int | None) -> None:
    with pytest.raises(CardwireError):
        decode_content(spec, size, "here")


@given(st.binary(min_size=1, max_size=40))
def test_content_round_trip(data: bytes) -> None:
    assert decode_content(encode_content(data), None, "here") == data


# --- profile form -----------------------------------------------------------------------------


def test_default_tree_shape() -> None:
    mf = default_tree()
    assert [c.fid for c in mf.children] == [0x2F00, 0x2F01, 0x5000, 0x6000]  # EF.DIR, EF.ATR/INFO
    app1 = mf.child(0x5000)
    assert isinstance(app1, DedicatedFile)
    assert app1.name == bytes.fromhex("F0636172647769726501")
    assert [c.fid for c in app1.children] == list(range(0x5001, 0x5009))
    big = ef_at(mf, 0x5000, 0x5006)
    assert len(big.data) == 40000
    assert all(big.data[i] == i % 251 for i in range(0, 40000, 997))
    assert ef_at(mf, 0x5000, 0x5002).records == [bytes([n]) * 16 for n in range(1, 5)]
    assert path_of(big) == (0x3F00, 0x5000, 0x5006)


def test_tree_round_trips_through_its_profile_form() -> None:
    config = tree_to_config(default_tree())
    assert tree_to_config(build_tree(config)) == config


def test_changed_contents_are_exported() -> None:
    mf = default_tree()
    ef_at(mf, 0x5000, 0x5008).update(0, b"\x01\x02")
    ef_at(mf, 0x5000, 0x5006).update(0, b"\xff")  # no longer the pattern
    again = build_tree(tree_to_config(mf))
    assert ef_at(again, 0x5000, 0x5008).data[:3] == b"\x01\x02\x00"
    assert ef_at(again, 0x5000, 0x5006).data[:2] == b"\xff\x01"


def mf_with(*files: dict[str, Any]) -> dict[str, Any]:
    return {"fid": "3F00", "files": list(files)}


@pytest.mark.parametrize(
    "config",
    [
        {"fid": "3F01", "files": []},
        mf_with({"fid": "0001", "type": "transparent"}, {"fid": "0001", "type": "transparent"}),
        mf_with({"fid": "3FFF", "type": "transparent"}),
        mf_with({"fid": "FFFF", "type": "transparent"}),
        mf_with({"fid": "3F00", "type": "df"}),
        mf_with({"fid": "01", "type": "transparent"}),
        mf_with({"fid": "0001", "type": "folder"}),
        mf_with({"fid": "0001", "type": "transparent", "sfi": 31}),
        mf_with(
            {"fid": "0001", "type": "transparent", "sfi": 1},
            {"fid": "0002", "type": "transparent", "sfi": 1},
        ),
        mf_with({"fid": "0001", "type": "linear-fixed"}),  # record_size missing
        mf_with(
            {
                "fid": "0001",
                "type": "linear-fixed",
                "record_size": 2,
                "records": [{"hex": "010203"}],
            }
        ),
        mf_with(
            {
                "fid": "0001",
                "type": "cyclic",
                "record_size": 1,
                "max_records": 1,
                "records": [{"hex": "01"}, {"hex": "02"}],
            }
        ),
        mf_with({"fid": "0001", "type": "df", "name": "00" * 17}),
        mf_with(
            {"fid": "0001", "type": "df", "name": "A0"}, {"fid": "0002", "type": "df", "name": "A0"}
        ),
        mf_with({"fid": "0001", "type": "transparent", "access": {"read": "maybe"}}),
    ],
)
def test_bad_trees_are_refused(config: dict[str, Any]) -> None:
    with pytest.raises(CardwireError):
        build_tree(config)


# --- transparent EFs ----------------------------------------------------------------------------


def test_transparent_operations() -> None:
    ef = ef_at(default_tree(), 0x5000, 0x5008)  # 64 zero bytes
    ef.update(60, b"abcd")
    assert ef.read(58, 10) == b"\x00\x00abcd"
    ef.erase(61, 63)
    assert ef.read(60, 4) == b"a\x00\x00d"
    ef.erase(62, None)
    assert ef.read(60, 4) == b"a\x00\x00\x00"


@pytest.mark.parametrize(
    ("operation", "args", "sw"),
    [
        ("read", (64, 1), 0x6B00),  # offset at the end
        ("read", (100, 1), 0x6B00),
        ("update", (64, b"x"), 0x6B00),
        ("update", (60, b"12345"), 0x6700),  # the file does not grow
        ("erase", (64, None), 0x6B00),
        ("erase", (10, 5), 0x6A80),  # end before start
        ("erase", (10, 65), 0x6A80),
        ("record", (1,), 0x6981),
        ("append_record", (b"x",), 0x6981),
    ],
)
def test_transparent_errors(operation: str, args: tuple[Any, ...], sw: int) -> None:
    ef = ef_at(default_tree(), 0x5000, 0x5008)
    assert sw_of(getattr(ef, operation), *args) == sw
    assert ef.data == bytearray(64)


# --- record EFs ---------------------------------------------------------------------------------


def test_linear_fixed_records() -> None:
    ef = ef_at(default_tree(), 0x5000, 0x5002)
    ef.update_record(2, b"\xaa" * 16)
    assert ef.record(2) == b"\xaa" * 16
    assert sw_of(ef.update_record, 2, b"\xaa" * 15) == 0x6700  # fixed size enforced
    assert sw_of(ef.append_record, b"\xbb" * 16) == 0x6A84  # 4 of 4 records used
    assert sw_of(ef.record, 5) == 0x6A83
    assert sw_of(ef.record, 0) == 0x6A83
    assert sw_of(ef.read, 0, 1) == 0x6981
    ef.erase_record(1)
    assert ef.record(1) == bytes(16)


def test_cyclic_append_writes_over_the_oldest() -> None:
    ef = ef_at(default_tree(), 0x5000, 0x5004)  # 5 records of 8 bytes
    for n in range(1, 8):
        assert ef.append_record(bytes([n]) * 8) == 1
    # Record 1 is the newest; 5 records are kept.
    assert [ef.record(i)[0] for i in range(1, 6)] == [7, 6, 5, 4, 3]
    assert ef.record_count == 5
    assert sw_of(ef.append_record, b"\x01" * 9) == 0x6700


def test_linear_variable_records() -> None:
    ef = ef_at(default_tree(), 0x5000, 0x5005)
    assert ef.append_record(b"four") == 4
    ef.update_record(1, b"a much longer first record")
    assert ef.record(1) == b"a much longer first record"
    assert ef.records[1:] == [b"two", b"three", b"four"]
    assert sw_of(ef.update_record, 1, b"") == 0x6700
    assert sw_of(ef.update_record, 1, bytes(256)) == 0x6700


# --- FCP / FCI / FMD (ISO/IEC 7816-4:2020 7.4.3) --------------------------------------------------


def objects(template: bytes, tag: int) -> dict[int, bytes]:
    node = parse_one(template)
    assert node.tag == tag
    return {child.tag: child.value for child in node.children}


def test_fcp_of_a_transparent_ef() -> None:
    ef = ef_at(default_tree(), 0x5000, 0x5001)
    dos = objects(fcp(ef), 0x62)
    assert dos[0x80] == (29).to_bytes(2, "big")  # data bytes
    assert dos[0x82][0] & 0x07 == 0x01  # file descriptor: transparent working EF
    assert dos[0x82][0] & 0x38 == 0x00
    assert dos[0x83] == b"\x50\x01"
    assert dos[0x88] == bytes((1 << 3,))  # SFI in b8-b4
    assert dos[0x8A] == b"\x05"  # operational, activated
    assert dos[0x8C] == bytes((0x07, 0x10, 0x10, 0x00))  # append pin, update pin, read always
    assert 0x84 not in dos


@pytest.mark.parametrize(
    ("fid", "structure_bits", "record_size", "count"),
    [(0x5002, 0x02, 16, 4), (0x5004, 0x06, 8, 5), (0x5005, 0x04, 255, 3)],
)
def test_fcp_of_record_efs(fid: int, structure_bits: int, record_size: int, count: int) -> None:
    ef = ef_at(default_tree(), 0x5000, fid)
    descriptor = objects(fcp(ef), 0x62)[0x82]
    assert descriptor[0] & 0x07 == structure_bits
    assert int.from_bytes(descriptor[2:4], "big") == record_size
    assert descriptor[4] == count
    assert ef.structure in {Structure.LINEAR_FIXED, Structure.CYCLIC, Structure.LINEAR_VARIABLE}


def test_fci_and_fmd_of_a_df() -> None:
    df = default_tree().child(0x5000)
    assert isinstance(df, DedicatedFile)
    dos = objects(fci(df), 0x6F)
    assert dos[0x82][0] & 0x38 == 0x38  # file category DF
    assert dos[0x83] == b"\x50\x00"
    assert dos[0x84] == bytes.fromhex("F0636172647769726501")
    assert 0x80 not in dos and 0x8C not in dos
    assert parse_one(fmd(df)).tag == 0x64


def test_refused_tree_error_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        build_tree(mf_with({"fid": "0001", "type": "folder"}))
