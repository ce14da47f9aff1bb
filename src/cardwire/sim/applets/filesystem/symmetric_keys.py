"""The file-system applet's symmetric keys and their profile form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cardwire.errors import ConfigError
from cardwire.hexutil import to_hex
from cardwire.sim.config_loader import by_reference
from cardwire.sim.fs import decode_content

AES_KEY_LENGTHS = {"aes-128": 16, "aes-192": 24, "aes-256": 32}


@dataclass(frozen=True, slots=True)
class SymmetricKey:
    """A card key for INTERNAL/EXTERNAL AUTHENTICATE (AES-CMAC challenge-response)."""

    reference: int
    algorithm: str
    value: bytes = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class KeyConfig:
    """One entry of the profile's ``keys`` list; ``value`` is a content mapping (``{hex: ...}``)."""

    reference: int = field(metadata={"range": (0, 0xFF)})
    algorithm: str = "aes-128"
    value: object = field(repr=False)

    def key(self) -> SymmetricKey:
        algorithm = self.algorithm.lower()
        value = decode_content(self.value, None, "value")
        if AES_KEY_LENGTHS.get(algorithm) != len(value):
            raise ConfigError("value", f"expected an AES key of the stated length ({algorithm})")
        return SymmetricKey(self.reference, algorithm, value)


def keys_from_config(entries: Sequence[KeyConfig]) -> dict[int, SymmetricKey]:
    """The profile's ``keys`` list: unique references, AES keys of the stated length."""
    return by_reference(entries, KeyConfig.key)


def keys_to_config(keys: Mapping[int, SymmetricKey]) -> tuple[KeyConfig, ...]:
    """The ``keys`` entries of an exported state, by reference."""
    return tuple(
        KeyConfig(reference=k.reference, algorithm=k.algorithm, value={"hex": to_hex(k.value)})
        for k in sorted(keys.values(), key=lambda k: k.reference)
    )
