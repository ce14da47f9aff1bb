"""cardwire.der: one DER value or a DecodeError (X.690 10)."""

from __future__ import annotations

import pytest
from pyasn1.type import univ  # type: ignore[import-untyped]

from cardwire.der import decode_der
from cardwire.errors import DecodeError


def test_decodes_one_value() -> None:
    assert int(decode_der(bytes.fromhex("020105"), univ.Integer(), "n")) == 5


def test_trailing_bytes_name_the_value_and_offset() -> None:
    with pytest.raises(DecodeError, match=r"^n: trailing bytes") as info:
        decode_der(bytes.fromhex("02010500"), univ.Integer(), "n")
    assert info.value.offset == 3


@pytest.mark.parametrize("der", ["", "0201", "040105", "0282"])
def test_malformed_or_wrong_type_is_a_decode_error(der: str) -> None:
    with pytest.raises(DecodeError, match=r"^n: "):
        decode_der(bytes.fromhex(der), univ.Integer(), "n")
