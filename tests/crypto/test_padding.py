"""ISO/IEC 9797-1 padding method 2 (cases from gmrtd/gmrtd cryptoutils/iso9797_test.go and
ICAO Doc 9303-11 Appendix D.4, where '011E' pads to '011E800000000000')."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.crypto.padding import pad, unpad
from cardwire.errors import DecodeError, UsageError

PAD_CASES = [
    ("1234567880", 8, "1234567880800000"),
    ("1234", 8, "1234800000000000"),
    ("", 8, "8000000000000000"),
    ("1234567890ABCDEF", 8, "1234567890ABCDEF8000000000000000"),
    ("011E", 8, "011E800000000000"),  # ICAO 9303-11 D.4 SELECT EF.COM
    ("", 16, "80" + "00" * 15),
]


@pytest.mark.parametrize(("data", "block", "padded"), PAD_CASES)
def test_pad_and_unpad(data: str, block: int, padded: str) -> None:
    assert pad(bytes.fromhex(data), block) == bytes.fromhex(padded)
    assert unpad(bytes.fromhex(padded), block) == bytes.fromhex(data)


BAD_UNPAD = [
    ("", 8, "empty"),
    ("12345678", 8, "no 80 marker"),
    ("1234800000000001", 8, "non-zero after the marker"),
    ("123480000000", 8, "not whole blocks"),
    ("8000000000000000" + "0000000000000000", 8, "padding longer than a block"),
    ("0000000000000000", 8, "all zeros"),
]


@pytest.mark.parametrize(("padded", "block", "why"), BAD_UNPAD, ids=[c[2] for c in BAD_UNPAD])
def test_unpad_rejects(padded: str, block: int, why: str) -> None:
    with pytest.raises(DecodeError):
        unpad(bytes.fromhex(padded), block)


def test_block_size_must_be_8_or_16() -> None:
    with pytest.raises(UsageError):
        pad(b"", 4)


@given(st.binary(max_size=80), st.sampled_from([8, 16]))
def test_round_trip(data: bytes, block: int) -> None:
    padded = pad(data, block)
    assert len(padded) % block == 0
    assert 1 <= len(padded) - len(data) <= block
    assert unpad(padded, block) == data


@given(st.binary(max_size=48), st.sampled_from([8, 16]))
def test_any_bytes_unpad_or_decode_error(data: bytes, block: int) -> None:
    try:
        plain = unpad(data, block)
    except DecodeError:
        return
    assert pad(plain, block) == data
