"""ISO/IEC 9797-1 MAC algorithm 3 with DES (sources in tests/vectors/retail_mac.json:
ICAO Doc 9303-11 Appendix D.3 and gmrtd/gmrtd cryptoutils/iso9797_test.go)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cardwire.crypto.retail_mac import RetailMacKey, retail_mac
from cardwire.errors import UsageError

_VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent.parent / "vectors" / "retail_mac.json").read_text()
)["vectors"]


@pytest.mark.parametrize("vector", _VECTORS, ids=[v["name"] for v in _VECTORS])
def test_known_answers(vector: dict[str, Any]) -> None:
    key, padded = bytes.fromhex(vector["key"]), bytes.fromhex(vector["padded"])
    assert retail_mac(key, padded) == bytes.fromhex(vector["mac"])
    assert RetailMacKey(key).mac(padded) == bytes.fromhex(vector["mac"])


@pytest.mark.parametrize(("key_size", "data_size"), [(8, 8), (24, 8), (16, 0), (16, 9)])
def test_rejects_bad_sizes(key_size: int, data_size: int) -> None:
    with pytest.raises(UsageError):
        retail_mac(bytes(key_size), bytes(data_size))


def test_repr_hides_key() -> None:
    key = bytes.fromhex(_VECTORS[0]["key"])
    assert key.hex() not in repr(RetailMacKey(key)).lower()
