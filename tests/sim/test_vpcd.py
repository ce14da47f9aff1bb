"""The vpcd frame codec on its own: framing, controls, partial and merged reads, oversize."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.errors import DecodeError, UsageError
from cardwire.sim.vpcd import (
    MAX_PAYLOAD,
    ApduFrame,
    Control,
    ControlFrame,
    FrameDecoder,
    answer,
    encode_frame,
    parse_payload,
)

# vsmartcard virtualsmartcard/doc/api.rst ("Creating a virtual smart card"): the vpcd side
# sends length 0x00 0x01 and one control byte; 0x00 power off, 0x01 power on, 0x02 reset,
# 0x04 get ATR.
API_RST_CONTROLS = [
    ("000100", Control.POWER_OFF),
    ("000101", Control.POWER_ON),
    ("000102", Control.RESET),
    ("000104", Control.GET_ATR),
]


class RecordingCard:
    """A card double that records what vpcd asked of it."""

    atr = b"\x3b\x00"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def power_on(self) -> bytes:
        self.calls.append("power_on")
        return self.atr

    def power_off(self) -> None:
        self.calls.append("power_off")

    def reset(self) -> bytes:
        self.calls.append("reset")
        return self.atr

    def process(self, apdu: bytes) -> bytes:
        self.calls.append("process")
        return apdu[::-1] + b"\x90\x00"


@pytest.mark.parametrize(("wire", "control"), API_RST_CONTROLS)
def test_api_rst_control_frames(wire: str, control: Control) -> None:
    payloads = FrameDecoder().feed(bytes.fromhex(wire))
    assert payloads == [bytes([control])]
    assert parse_payload(payloads[0]) == ControlFrame(control)


@pytest.mark.parametrize(
    ("payload", "wire"),
    [
        (b"", "0000"),
        (b"\x04", "000104"),
        (bytes.fromhex("00A4040C"), "000400A4040C"),
        (bytes(300), "012C" + "00" * 300),
        (bytes(MAX_PAYLOAD), "FFFF" + "00" * MAX_PAYLOAD),
    ],
)
def test_encode_frame_is_big_endian_length_then_payload(payload: bytes, wire: str) -> None:
    assert encode_frame(payload) == bytes.fromhex(wire)


def test_oversize_frame_is_rejected() -> None:
    with pytest.raises(UsageError, match="65535"):
        encode_frame(bytes(MAX_PAYLOAD + 1))


def test_partial_frames_byte_by_byte() -> None:
    decoder = FrameDecoder()
    wire = encode_frame(b"\x00\xb0\x00\x00\x10")
    for byte in wire[:-1]:
        assert decoder.feed(bytes([byte])) == []
    assert decoder.pending == len(wire) - 1
    assert decoder.needed() == 1
    assert decoder.feed(wire[-1:]) == [b"\x00\xb0\x00\x00\x10"]
    assert decoder.pending == 0


def test_length_and_payload_in_two_reads() -> None:
    # Debian's vpcd writes the length and the payload in two sends (../shared/protocols.md).
    decoder = FrameDecoder()
    assert decoder.feed(b"\x00\x05") == []
    assert decoder.needed() == 5
    assert decoder.feed(b"\x00\xa4\x04\x00\x00") == [b"\x00\xa4\x04\x00\x00"]


def test_several_frames_in_one_read_and_a_tail() -> None:
    decoder = FrameDecoder()
    wire = encode_frame(b"\x04") + encode_frame(b"\x00\x84\x00\x00\x08") + b"\x00"
    assert decoder.feed(wire) == [b"\x04", b"\x00\x84\x00\x00\x08"]
    assert decoder.pending == 1
    assert decoder.needed() == 1
    decoder.reset()
    assert decoder.pending == 0
    assert decoder.needed() == 2


def test_largest_frame_reassembles() -> None:
    payload = bytes(i % 251 for i in range(MAX_PAYLOAD))
    wire = encode_frame(payload)
    decoder = FrameDecoder()
    out: list[bytes] = []
    for start in range(0, len(wire), 4096):
        out += decoder.feed(wire[start : start + 4096])
    assert out == [payload]


@given(
    payloads=st.lists(st.binary(max_size=600), max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=10),
)
def test_any_split_gives_back_the_same_frames(payloads: list[bytes], cuts: list[int]) -> None:
    wire = b"".join(encode_frame(p) for p in payloads)
    points = sorted({0, len(wire), *(c for c in cuts if c <= len(wire))})
    decoder = FrameDecoder()
    out: list[bytes] = []
    for start, stop in itertools.pairwise(points):
        out += decoder.feed(wire[start:stop])
    assert out == payloads
    assert decoder.pending == 0


@pytest.mark.parametrize("code", [0x03, 0x05, 0x80, 0xFF])
def test_unknown_control_is_a_decode_error(code: int) -> None:
    with pytest.raises(DecodeError, match=f"{code:02X}"):
        parse_payload(bytes([code]))


@given(st.binary(max_size=300))
def test_any_payload_is_a_frame_or_a_decode_error(payload: bytes) -> None:
    try:
        frame = parse_payload(payload)
    except DecodeError:
        assert len(payload) == 1
        return
    if len(payload) == 1:
        assert frame == ControlFrame(Control(payload[0]))
    else:
        assert frame == ApduFrame(payload)


@pytest.mark.parametrize(
    ("frame", "reply", "calls"),
    [
        (ControlFrame(Control.GET_ATR), b"\x3b\x00", []),
        (ControlFrame(Control.POWER_ON), None, ["power_on"]),
        (ControlFrame(Control.POWER_OFF), None, ["power_off"]),
        (ControlFrame(Control.RESET), None, ["reset"]),
        (ApduFrame(b"\x00\x01\x02\x03"), b"\x03\x02\x01\x00\x90\x00", ["process"]),
    ],
)
def test_answer_maps_frames_to_the_card(
    frame: ControlFrame | ApduFrame, reply: bytes | None, calls: list[str]
) -> None:
    card = RecordingCard()
    assert answer(card, frame) == reply
    assert card.calls == calls
