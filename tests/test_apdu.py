"""Command and Response: every ISO 7816-4 case both ways, strict decoding, round trips, and the
one validity check of the constructors against the rules it implements."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError, UsageError
from cardwire.ins import Ins

# (hex on the wire, cla, ins, p1, p2, data hex, ne, case)
CASES = [
    ("00A40000", 0x00, 0xA4, 0, 0, "", 0, "1"),
    ("00B0000000", 0x00, 0xB0, 0, 0, "", 256, "2S"),
    ("00B0000010", 0x00, 0xB0, 0, 0, "", 16, "2S"),
    ("00A4040C07A0000002471001", 0x00, 0xA4, 4, 0x0C, "A0000002471001", 0, "3S"),
    ("00A4040007A000000247100100", 0x00, 0xA4, 4, 0, "A0000002471001", 256, "4S"),
    ("00B00000000000", 0x00, 0xB0, 0, 0, "", 65536, "2E"),
    ("00B00000000101", 0x00, 0xB0, 0, 0, "", 257, "2E"),
    ("00D60000000100" + "00" * 0x100, 0x00, 0xD6, 0, 0, "00" * 0x100, 0, "3E"),
    ("00D6000000010" + "0" + "11" * 0x100 + "0000", 0, 0xD6, 0, 0, "11" * 0x100, 65536, "4E"),
    # ICAO Doc 9303 Part 11, Appendix D.4: protected SELECT EF.COM (case 4S with Le 00)
    (
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
        0x0C, 0xA4, 0x02, 0x0C,
        "8709016375432908C044F68E08BF8B92D635FF24F8",
        256, "4S",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("wire", "cla", "ins", "p1", "p2", "data", "ne", "case"), CASES)
def test_cases_both_ways(
    wire: str, cla: int, ins: int, p1: int, p2: int, data: str, ne: int, case: str
) -> None:
    raw = bytes.fromhex(wire)
    cmd = Command.decode(raw)
    assert (cmd.cla, cmd.ins, cmd.p1, cmd.p2) == (cla, ins, p1, p2)
    assert cmd.data == bytes.fromhex(data)
    assert cmd.ne == ne
    assert cmd.case == case
    assert cmd.encode() == raw


def test_short_extended_forced() -> None:
    cmd = Command(0x00, 0xB0, ne=16, extended=True)
    assert cmd.encode().hex().upper() == "00B00000000010"
    assert Command.decode(cmd.encode()) == cmd


BAD = [
    ("", "header"),
    ("00A400", "header"),
    ("00A4000000", None),  # valid case 2S, checked below
    ("00A4000000AA", "neither Lc nor Le"),
    ("00A4000002AA", "announces more data"),
    ("00A4000001AABBCC", "trailing"),
    ("00A40000000000AA", "Lc=0"),
    ("00A4000000000301", "announces more data"),
    ("00A4000000000101AA", "Le must be two bytes"),
    ("00A4000000000101AABBCC", "trailing"),
]


@pytest.mark.parametrize(("wire", "problem"), [b for b in BAD if b[1]])
def test_strict_decoding(wire: str, problem: str) -> None:
    with pytest.raises(DecodeError, match=problem) as info:
        Command.decode(bytes.fromhex(wire))
    assert isinstance(info.value, ValueError)


def test_impossible_commands_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        Command(0x100, 0xA4)
    with pytest.raises(UsageError):
        Command(0, 0xA4, data=b"\x00" * 65536)
    with pytest.raises(UsageError):
        Command(0, 0xB0, ne=65537)
    with pytest.raises(UsageError):
        Command(0, 0xB0, extended=True)
    with pytest.raises(UsageError):
        Command(0, 0xB0, ne=257, extended=False)


def test_response() -> None:
    r = Response.decode(bytes.fromhex("01029000"))
    assert (r.data, r.sw, r.sw1, r.sw2, r.ok) == (b"\x01\x02", 0x9000, 0x90, 0x00, True)
    assert r.encode() == bytes.fromhex("01029000")
    with pytest.raises(DecodeError):
        Response.decode(b"\x90")


commands = st.builds(
    Command,
    cla=st.integers(0, 255),
    ins=st.integers(0, 255),
    p1=st.integers(0, 255),
    p2=st.integers(0, 255),
    data=st.binary(max_size=600),
    ne=st.integers(0, 65536),
)


@given(commands)
def test_roundtrip(cmd: Command) -> None:
    assert Command.decode(cmd.encode()) == cmd


@given(st.binary(max_size=300))
def test_any_bytes_decode_or_decode_error(raw: bytes) -> None:
    try:
        cmd = Command.decode(raw)
    except DecodeError:
        return
    assert cmd.encode() == raw


# --- the validity check accepts and refuses exactly what ISO 7816-4 5.1 allows -----------------
# Every construction (the layers, decode, replace) runs the same check in __post_init__; these
# compare it with the rules written out independently, for data as bytes and as a bytes subclass.


class MarkedBytes(bytes):
    """bytes under another type: the constructors' detailed path."""


class Level(IntEnum):
    HIGH = 0xFF
    LOW = 0x00


def outcome(build: Callable[[], object]) -> object:
    """The built object, or the UsageError class when the constructor refuses."""
    try:
        return build()
    except UsageError:
        return UsageError


# ints in and around every range, bools, IntEnum members, floats and other types
fields = st.one_of(
    st.integers(-2, 0x101),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.sampled_from([Ins.SELECT, Ins.READ_BINARY, Level.HIGH, Level.LOW]),
    st.floats(allow_nan=False, min_value=-1, max_value=256),
    st.sampled_from([None, "00", b"\x00"]),
)
lengths = st.one_of(
    st.integers(-2, 65538), st.booleans(), st.sampled_from([256.0, None, Level.HIGH])
)


def _is_byte(value: object) -> bool:
    return isinstance(value, int) and 0 <= value <= 0xFF


@given(
    cla=fields,
    ins=fields,
    p1=fields,
    p2=fields,
    data=st.one_of(st.binary(max_size=8), st.integers(65534, 65537).map(bytes)),
    ne=lengths,
)
def test_command_check_follows_the_rules(
    cla: int, ins: int, p1: int, p2: int, data: bytes, ne: int
) -> None:
    valid = (
        all(_is_byte(value) for value in (cla, ins, p1, p2))
        and len(data) <= 65535
        and isinstance(ne, int)
        and 0 <= ne <= 65536
    )
    built = outcome(lambda: Command(cla, ins, p1, p2, data, ne))
    assert (built is not UsageError) == valid
    assert outcome(lambda: Command(cla, ins, p1, p2, MarkedBytes(data), ne)) == built
    if isinstance(built, Command):
        assert type(built.data) is bytes and built.data == data


@given(
    data=st.binary(max_size=8),
    sw=st.one_of(
        st.integers(-2, 0x10001),
        st.booleans(),
        st.sampled_from([Level.HIGH, 0x9000, 0.0, 36864.0, None, "9000"]),
    ),
)
def test_response_check_follows_the_rules(data: bytes, sw: int) -> None:
    valid = isinstance(sw, int) and 0 <= sw <= 0xFFFF
    built = outcome(lambda: Response(data, sw))
    assert (built is not UsageError) == valid
    assert outcome(lambda: Response(MarkedBytes(data), sw)) == built
    if isinstance(built, Response):
        assert type(built.data) is bytes and built.data == data


@pytest.mark.parametrize(
    ("fields", "accepted"),
    [
        ({"cla": 0, "ins": Ins.SELECT}, True),  # an IntEnum member is an int
        ({"cla": 0, "ins": 0xA4, "p1": Level.HIGH}, True),
        ({"cla": True, "ins": 0xB0, "ne": True}, True),  # bool is an int, as it always was
        ({"cla": 0, "ins": 0xA4, "p1": 4.0}, False),
        ({"cla": -1, "ins": 0xA4}, False),
        ({"cla": 0, "ins": 0x100}, False),
        ({"cla": 0, "ins": 0xB0, "ne": -1}, False),
        ({"cla": 0, "ins": 0xB0, "ne": 65537}, False),
        ({"cla": 0, "ins": 0xB0, "ne": 256.0}, False),
        ({"cla": 0, "ins": 0xD6, "data": "0102"}, False),
        ({"cla": 0, "ins": 0xD6, "data": [1, 2]}, False),
    ],
)
def test_command_field_types(fields: dict[str, object], accepted: bool) -> None:
    built = outcome(lambda: Command(**fields))  # type: ignore[arg-type]
    assert (built is not UsageError) == accepted


@pytest.mark.parametrize(
    "data", [bytearray(b"\x01\x02"), memoryview(b"\x01\x02"), MarkedBytes(b"\x01\x02")]
)
def test_data_of_other_byte_types(data: bytes) -> None:
    command, response = Command(0, 0xD6, data=data), Response(data)
    assert command.data == response.data == b"\x01\x02"
    # bytearray and memoryview are copied into bytes (frozen, hashable); a bytes subclass is
    # bytes already and kept as given.
    expected_type = type(data) if isinstance(data, bytes) else bytes
    assert type(command.data) is type(response.data) is expected_type
    assert hash(command) == hash(Command(0, 0xD6, data=b"\x01\x02"))


# --- secrets stay out of reprs (issue 15; one definition: cardwire.ins.carries_secret) ---------


@pytest.mark.parametrize(
    ("apdu", "shown"),
    [
        ("002000010431323334", "Command(00200001 <4 data bytes redacted>)"),  # VERIFY PIN 1234
        ("00240001083132333435363738", "Command(00240001 <8 data bytes redacted>)"),
        ("002C0203053132333435", "Command(002C0203 <5 data bytes redacted>)"),  # RESET RETRY
        ("8022000004AABBCCDD", "Command(80220000 <4 data bytes redacted>)"),  # Keycard UNBLOCK
        ("80D8000103112233", "Command(80D80001 <3 data bytes redacted>)"),  # GP PUT KEY
        ("00200001", "Command(00200001)"),  # VERIFY without data: nothing to hide
        ("00220000021122", "Command(00220000021122)"),  # MSE is not secret-bearing
    ],
)
def test_repr_redacts_secret_bearing_commands(apdu: str, shown: str) -> None:
    command = Command.decode(bytes.fromhex(apdu))
    assert repr(command) == shown


@given(
    st.sampled_from([0x00, 0x0C, 0x10, 0x80, 0x84, 0x90]),
    st.sampled_from([0x20, 0x21, 0x24, 0x25, 0x2C, 0x2D]),
    st.binary(min_size=4, max_size=64),
)
def test_no_pin_reaches_a_repr(cla: int, ins: int, pin: bytes) -> None:
    command = Command(cla, ins, 0x00, 0x01, pin)
    header = bytes((cla, ins, 0x00, 0x01)).hex().upper()
    assert repr(command) == f"Command({header} <{len(pin)} data bytes redacted>)"
