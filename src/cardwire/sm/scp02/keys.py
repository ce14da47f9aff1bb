"""SCP02 key sets: the three static 3DES keys of a Security Domain and the session keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cardwire.sm.scp02.constants import DEFAULT_KVN, DES3_KEY_LENGTH
from cardwire.sm.scp02.diversification import diversify_key
from cardwire.sm.scp03 import Diversify, GpStaticKeys


@dataclass(frozen=True, slots=True)
class StaticKeys(GpStaticKeys):
    """A static SCP02 key set (GP Card Spec v2.3.1 E.1.3): K-ENC, K-MAC, K-DEK (two-key 3DES)
    and its version; ``kvn`` 0 on the host means the card's default key set. The repr never
    shows key bytes."""

    protocol: ClassVar[str] = "SCP02"
    key_lengths: ClassVar[tuple[int, ...]] = (DES3_KEY_LENGTH,)  # two-key 3DES
    default_kvn: ClassVar[int] = DEFAULT_KVN
    # Templates ``emv``, ``visa2`` or ``none``: ``cardwire.sm.scp02.diversification``.
    derive_key: ClassVar[Diversify] = diversify_key

    kvn: int = DEFAULT_KVN

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
