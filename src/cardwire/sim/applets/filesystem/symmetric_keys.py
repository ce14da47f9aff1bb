"""The file-system applet's symmetric keys and their profile form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cardwire.errors import UsageError
from cardwire.hexutil import to_hex
from cardwire.sim.applet_settings import mapping_entries, required_number
from cardwire.sim.fs import decode_content

AES_KEY_LENGTHS = {"aes-128": 16, "aes-192": 24, "aes-256": 32}


@dataclass(frozen=True, slots=True)
class SymmetricKey:
    """A card key for INTERNAL/EXTERNAL AUTHENTICATE (AES-CMAC challenge-response)."""

    reference: int
    algorithm: str
    value: bytes = field(repr=False)


def keys_from_config(entries: object) -> dict[int, SymmetricKey]:
    """The profile's ``keys`` list: unique references, AES keys of the stated length."""
    keys: dict[int, SymmetricKey] = {}
    for where, entry in mapping_entries(entries, "keys"):
        reference = required_number(entry, "reference", where)
        algorithm = str(entry.get("algorithm", "aes-128")).lower()
        value = decode_content(entry.get("value"), None, f"{where}.value")
        if AES_KEY_LENGTHS.get(algorithm) != len(value) or reference in keys:
            raise UsageError(f"{where}: a unique reference and an AES key of the stated length")
        keys[reference] = SymmetricKey(reference, algorithm, value)
    return keys


def keys_to_config(keys: Mapping[int, SymmetricKey]) -> list[dict[str, Any]]:
    """The ``keys`` list of an exported state, by reference."""
    return [
        {"reference": k.reference, "algorithm": k.algorithm, "value": {"hex": to_hex(k.value)}}
        for k in sorted(keys.values(), key=lambda k: k.reference)
    ]
