"""SCP03 key sets: the static keys a Security Domain holds and the session keys of one session."""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.errors import UsageError
from cardwire.sm.scp03.constants import AES_KEY_LENGTHS, DEFAULT_KEY, DEFAULT_KVN
from cardwire.sm.scp03.diversification import KDF3, KeyPurpose, diversify_key


def _check_aes_key(name: str, key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) not in AES_KEY_LENGTHS:
        size = len(key) if isinstance(key, bytes) else type(key).__name__
        raise UsageError(f"SCP03 {name} key must be 16, 24 or 32 bytes, got {size}")


@dataclass(frozen=True, slots=True)
class StaticKeys:
    """A static SCP03 key set (GP Amendment D 4.1.1): K-ENC, K-MAC, K-DEK and its version.

    ``kvn`` 0 on the host means "the card's default key set" (GP Card Spec 11.11.2.1). The repr
    never shows key bytes.
    """

    enc: bytes
    mac: bytes
    dek: bytes
    kvn: int = DEFAULT_KVN

    def __post_init__(self) -> None:
        for name in ("enc", "mac", "dek"):
            _check_aes_key(name.upper(), getattr(self, name))
        if not isinstance(self.kvn, int) or not 0 <= self.kvn <= 0xFF:
            raise UsageError(f"key version number must be 0..255, got {self.kvn!r}")

    @classmethod
    def default(cls, kvn: int = DEFAULT_KVN) -> StaticKeys:
        """The well-known test key set 404142...4F for ENC, MAC and DEK."""
        return cls(DEFAULT_KEY, DEFAULT_KEY, DEFAULT_KEY, kvn)

    def diversified(self, diversification_data: bytes, scheme: str = KDF3) -> StaticKeys:
        """The card's keys derived from these (master) keys and the card's 10-byte key
        diversification data with the named template (``cardwire.sm.scp03.diversification``:
        ``kdf3`` or ``none``); the key version stays."""
        enc, mac, dek = (
            diversify_key(master, purpose, diversification_data, scheme)
            for master, purpose in (
                (self.enc, KeyPurpose.ENC),
                (self.mac, KeyPurpose.MAC),
                (self.dek, KeyPurpose.DEK),
            )
        )
        return StaticKeys(enc, mac, dek, self.kvn)

    def __repr__(self) -> str:
        return f"StaticKeys(kvn={self.kvn:02X}, AES-{len(self.enc) * 8}, <hidden>)"


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """S-ENC, S-MAC and S-RMAC (GP Amendment D 6.2.1). The repr never shows key bytes."""

    enc: bytes
    mac: bytes
    rmac: bytes

    def __repr__(self) -> str:
        return "SessionKeys(<hidden>)"
