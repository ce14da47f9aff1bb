"""ICAO Doc 9303-11 9.7.1 KDF and DES parity (sources in tests/vectors/kdf_icao.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.crypto.des_parity import adjust_parity, has_odd_parity
from cardwire.crypto.kdf_icao import KeyType, kdf

_VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent.parent / "vectors" / "kdf_icao.json").read_text()
)["vectors"]


@pytest.mark.parametrize("vector", _VECTORS, ids=[v["name"] for v in _VECTORS])
def test_known_answers(vector: dict[str, Any]) -> None:
    key = kdf(bytes.fromhex(vector["secret"]), vector["counter"], KeyType(vector["key_type"]))
    assert key == bytes.fromhex(vector["key"])


ADJUSTED = [v for v in _VECTORS if "unadjusted" in v]


@pytest.mark.parametrize("vector", ADJUSTED, ids=[v["name"] for v in ADJUSTED])
def test_parity_adjustment_of_appendix_d1(vector: dict[str, Any]) -> None:
    raw = bytes.fromhex(vector["unadjusted"])
    assert not has_odd_parity(raw)
    assert adjust_parity(raw) == bytes.fromhex(vector["key"])


@given(st.binary(max_size=32))
def test_adjust_parity_gives_odd_parity_and_keeps_key_bits(key: bytes) -> None:
    adjusted = adjust_parity(key)
    assert has_odd_parity(adjusted)
    assert bytes(b & 0xFE for b in adjusted) == bytes(b & 0xFE for b in key)
