"""AES-CMAC known answers: RFC 4493 section 4 and NIST SP 800-38B Appendix D (see the JSON)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.crypto.cmac import AesCmacKey, aes_cmac
from cardwire.errors import UsageError

_DATA = json.loads((Path(__file__).parent.parent / "vectors" / "cmac_aes.json").read_text())
_VECTORS: list[dict[str, Any]] = _DATA["vectors"]


@pytest.mark.parametrize("vector", _VECTORS, ids=[v["name"] for v in _VECTORS])
def test_rfc4493_and_sp800_38b_vectors(vector: dict[str, Any]) -> None:
    key = bytes.fromhex(vector["key"])
    message = bytes.fromhex(_DATA["messages"][vector["message"]])
    tag = bytes.fromhex(vector["tag"])
    assert aes_cmac(key, message) == tag
    assert AesCmacKey(key).mac(message) == tag


def test_prepared_key_is_reusable() -> None:
    vector = _VECTORS[1]
    key = AesCmacKey(bytes.fromhex(vector["key"]))
    message = bytes.fromhex(_DATA["messages"][vector["message"]])
    assert [key.mac(message) for _ in range(3)] == [bytes.fromhex(vector["tag"])] * 3


@pytest.mark.parametrize("size", [0, 8, 15, 17, 33])
def test_bad_key_length_is_a_usage_error(size: int) -> None:
    with pytest.raises(UsageError):
        aes_cmac(bytes(size), b"")
    with pytest.raises(UsageError):
        AesCmacKey(bytes(size))


def test_repr_hides_key() -> None:
    key = bytes.fromhex(_VECTORS[0]["key"])
    assert key.hex() not in repr(AesCmacKey(key)).lower()


@given(st.binary(min_size=16, max_size=16), st.binary(max_size=100))
def test_prepared_and_one_shot_agree(key: bytes, message: bytes) -> None:
    assert AesCmacKey(key).mac(message) == aes_cmac(key, message)
