"""SCP02 key sets: the three static 3DES keys of a Security Domain and the session keys."""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.errors import UsageError
from cardwire.sm.scp02.constants import DEFAULT_KVN, DES3_KEY_LENGTH
from cardwire.sm.scp02.diversification import diversify_key
from cardwire.sm.scp03 import per_purpose

DEFAULT_KEY = bytes(range(0x40, 0x50))  # the well-known GP test key 404142...4F


@dataclass(frozen=True, slots=True)
class StaticKeys:
    """A static SCP02 key set (GP Card Spec v2.3.1 E.1.3): K-ENC, K-MAC, K-DEK (two-key 3DES)
    and its version; ``kvn`` 0 on the host means the card's default key set. The repr never
    shows key bytes."""

    enc: bytes
    mac: bytes
    dek: bytes
    kvn: int = DEFAULT_KVN

    def __post_init__(self) -> None:
        for name in ("enc", "mac", "dek"):
            key = getattr(self, name)
            if not isinstance(key, bytes) or len(key) != DES3_KEY_LENGTH:
                raise UsageError(f"SCP02 {name.upper()} key must be 16 bytes (two-key 3DES)")
        if not isinstance(self.kvn, int) or not 0 <= self.kvn <= 0xFF:
            raise UsageError(f"key version number must be 0..255, got {self.kvn!r}")

    @classmethod
    def default(cls, kvn: int = DEFAULT_KVN) -> StaticKeys:
        return cls(DEFAULT_KEY, DEFAULT_KEY, DEFAULT_KEY, kvn)

    def diversified(self, diversification_data: bytes, scheme: str) -> StaticKeys:
        """The card's keys derived from these (master) keys and the card's 10-byte key
        diversification data with the named template (``emv``, ``visa2`` or ``none``:
        ``cardwire.sm.scp02.diversification``); the key version stays."""
        masters = (self.enc, self.mac, self.dek)
        keys = per_purpose(masters, diversification_data, scheme, diversify_key)
        return StaticKeys(*keys, self.kvn)

    def __repr__(self) -> str:
        return f"Scp02StaticKeys(kvn={self.kvn:02X}, <hidden>)"


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """S-ENC, C-MAC, R-MAC and DEK session keys (GP Card Spec E.4.1); repr hides them."""

    enc: bytes
    c_mac: bytes
    r_mac: bytes
    dek: bytes

    def __repr__(self) -> str:
        return "Scp02SessionKeys(<hidden>)"
