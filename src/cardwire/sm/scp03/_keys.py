"""SCP03 keys: the static key set a Security Domain holds, its per-card diversification, and the
session keys, challenge and cryptograms derived from it with the SP 800-108 KDF (GP Amendment D
4.1.1, 6.2.1, 6.2.2).

Key diversification. GlobalPlatform defines no diversification scheme of its own; the named
templates are those that public host tools implement for AES (SCP03) keys, applied to the card's
10-byte key diversification data (the first field of the INITIALIZE UPDATE answer, GP Amendment D
7.1.1.6 table 7-3):

- ``kdf3``: GlobalPlatformPro (``library/src/main/java/pro/javacard/gp/keys/PlaintextKeys.java``,
  template ``"$_ 0x00 0x00 0x00 $k 0x00 $0 .. $9"``, run through ``GPCrypto.scp03_kdf``): the
  NIST SP 800-108 counter-mode KDF with AES-CMAC, an 8-bit counter *before* the fixed data
  (nothing precedes it), fixed data = 00 00 00 || key type || 00 || diversification data, and
  output length = the master key length. Key types: 01 ENC, 02 MAC, 03 DEK (the same project's
  ``SCP03_KDF_CONSTANTS`` 0000000100 / 0000000200 / 0000000300). There is no L field.
- ``none``: the keys are used as given.

The EMV CPS and VISA2 templates of the same projects build a 3DES-ECB input block; they apply to
SCP01/SCP02 3DES keys only (GlobalPlatformPro refuses them for SCP03, whose templates must hold
the ``$_`` counter marker), so they are offered for SCP02 keys only
(``cardwire.sm.scp02.diversification``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Self

from cardwire.crypto.kdf_sp800108 import kdf_counter_cmac, scp03_kdf
from cardwire.errors import UsageError
from cardwire.sm.scp03._params import (
    AES_KEY_LENGTHS,
    DEFAULT_KEY,
    DEFAULT_KVN,
    DIVERSIFICATION_DATA_LENGTH,
    SEQUENCE_COUNTER_LENGTH,
    Derivation,
    Mode,
)

NO_DIVERSIFICATION = "none"
KDF3 = "kdf3"
DIVERSIFICATION_SCHEMES = (NO_DIVERSIFICATION, KDF3)


class KeyPurpose(IntEnum):
    """The key type byte of the KDF3 fixed data (GlobalPlatformPro ``GPCardKeys.KeyPurpose``)."""

    ENC = 0x01
    MAC = 0x02
    DEK = 0x03


def scheme_name(name: str) -> str:
    """``name`` normalised to one of :data:`DIVERSIFICATION_SCHEMES` (any case).

    UsageError for any other name.
    """
    normalised = name.strip().lower() if isinstance(name, str) else ""
    if normalised not in DIVERSIFICATION_SCHEMES:
        raise UsageError(
            f"unknown key diversification {name!r}: use one of {', '.join(DIVERSIFICATION_SCHEMES)}"
        )
    return normalised


def _kdf3(master: bytes, purpose: KeyPurpose, diversification_data: bytes) -> bytes:
    # GlobalPlatformPro "kdf3": counter || 00 00 00 || key type || 00 || KDD, L = key length.
    fixed = b"".join((bytes(3), bytes((purpose,)), b"\x00", diversification_data))
    return kdf_counter_cmac(master, b"", fixed, len(master))


def check_diversification_data(diversification_data: bytes) -> None:
    """UsageError unless ``diversification_data`` is the 10 bytes of the INITIALIZE UPDATE
    answer (GP Amendment D 7.1.1.6 table 7-3; GP Card Spec E.5.1.6 for SCP02)."""
    if len(diversification_data) != DIVERSIFICATION_DATA_LENGTH:
        raise UsageError(
            f"key diversification data is {DIVERSIFICATION_DATA_LENGTH} bytes, "
            f"got {len(diversification_data)}"
        )


Diversify = Callable[[bytes, KeyPurpose, bytes, str], bytes]
"""A template's key derivation: master key, key type, diversification data, template name."""


def per_purpose(
    masters: tuple[bytes, bytes, bytes], data: bytes, scheme: str, derive: Diversify
) -> tuple[bytes, bytes, bytes]:
    """The card's ENC, MAC and DEK from the master ``masters``, each derived with its key type
    (the ``$k`` of the diversification templates)."""
    enc, mac, dek = masters
    return (
        derive(enc, KeyPurpose.ENC, data, scheme),
        derive(mac, KeyPurpose.MAC, data, scheme),
        derive(dek, KeyPurpose.DEK, data, scheme),
    )


def diversify_key(
    master: bytes, purpose: KeyPurpose, diversification_data: bytes, scheme: str = KDF3
) -> bytes:
    """The card key for ``purpose`` derived from ``master`` with the named ``scheme``."""
    name = scheme_name(scheme)
    check_diversification_data(diversification_data)
    if name == NO_DIVERSIFICATION:
        return master
    return _kdf3(master, purpose, diversification_data)


@dataclass(frozen=True, slots=True)
class GpStaticKeys:
    """What SCP02 and SCP03 static key sets share: K-ENC, K-MAC, K-DEK under one key version
    (GP Card Spec 11.1.8), the key lengths its protocol allows, and the per-card derivation of
    its templates. The repr never shows key bytes."""

    protocol: ClassVar[str]
    key_lengths: ClassVar[tuple[int, ...]]
    default_kvn: ClassVar[int]
    derive_key: ClassVar[Diversify]

    enc: bytes
    mac: bytes
    dek: bytes
    kvn: int

    def __post_init__(self) -> None:
        for name in ("enc", "mac", "dek"):
            key = getattr(self, name)
            if not isinstance(key, bytes) or len(key) not in self.key_lengths:
                size = len(key) if isinstance(key, bytes) else type(key).__name__
                allowed = ", ".join(map(str, self.key_lengths))
                raise UsageError(
                    f"{self.protocol} {name.upper()} key must be {allowed} bytes, got {size}"
                )
        if not isinstance(self.kvn, int) or not 0 <= self.kvn <= 0xFF:
            raise UsageError(f"key version number must be 0..255, got {self.kvn!r}")

    @classmethod
    def default(cls, kvn: int | None = None) -> Self:
        """The well-known test key set 404142...4F for ENC, MAC and DEK."""
        return cls(DEFAULT_KEY, DEFAULT_KEY, DEFAULT_KEY, cls.default_kvn if kvn is None else kvn)

    def diversified(self, diversification_data: bytes, scheme: str) -> Self:
        """The card's keys derived from these (master) keys and the card's 10-byte key
        diversification data with the named template; the key version stays."""
        masters = (self.enc, self.mac, self.dek)
        keys = per_purpose(masters, diversification_data, scheme, type(self).derive_key)
        return type(self)(*keys, self.kvn)


@dataclass(frozen=True, slots=True)
class StaticKeys(GpStaticKeys):
    """A static SCP03 key set (GP Amendment D 4.1.1): K-ENC, K-MAC, K-DEK and its version.

    ``kvn`` 0 on the host means "the card's default key set" (GP Card Spec 11.11.2.1). The repr
    never shows key bytes.
    """

    protocol: ClassVar[str] = "SCP03"
    key_lengths: ClassVar[tuple[int, ...]] = tuple(sorted(AES_KEY_LENGTHS))
    default_kvn: ClassVar[int] = DEFAULT_KVN
    derive_key: ClassVar[Diversify] = diversify_key

    kvn: int = DEFAULT_KVN

    def diversified(self, diversification_data: bytes, scheme: str = KDF3) -> Self:
        """As :meth:`GpStaticKeys.diversified`, ``kdf3`` by default
        (``cardwire.sm.scp03.DIVERSIFICATION_SCHEMES``)."""
        return GpStaticKeys.diversified(self, diversification_data, scheme)

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


def derive_session_keys(keys: StaticKeys, context: bytes) -> SessionKeys:
    """GP Amendment D 6.2.1: each session key is KDF(static key, constant, L = key bits,
    context = host challenge || card challenge)."""
    return SessionKeys(
        enc=scp03_kdf(keys.enc, Derivation.S_ENC, context, len(keys.enc) * 8),
        mac=scp03_kdf(keys.mac, Derivation.S_MAC, context, len(keys.mac) * 8),
        rmac=scp03_kdf(keys.mac, Derivation.S_RMAC, context, len(keys.mac) * 8),
    )


def pseudo_random_challenge(
    keys: StaticKeys, sequence_counter: int, aid: bytes, mode: Mode
) -> bytes:
    """GP Amendment D 6.2.2.1: card challenge = KDF(K-ENC, 02, L, sequence counter || AID)."""
    context = sequence_counter.to_bytes(SEQUENCE_COUNTER_LENGTH, "big") + aid
    return scp03_kdf(keys.enc, Derivation.CARD_CHALLENGE, context, mode * 8)


def derive_cryptogram(s_mac: bytes, constant: Derivation, context: bytes, mode: Mode) -> bytes:
    # GP Amendment D 6.2.2.2 / 6.2.2.3: cryptograms use S-MAC, L = 64 (S8) or 128 (S16).
    return scp03_kdf(s_mac, constant, context, mode * 8)


__all__ = [
    "DIVERSIFICATION_SCHEMES",
    "KDF3",
    "NO_DIVERSIFICATION",
    "Diversify",
    "GpStaticKeys",
    "KeyPurpose",
    "SessionKeys",
    "StaticKeys",
    "check_diversification_data",
    "derive_cryptogram",
    "derive_session_keys",
    "diversify_key",
    "per_purpose",
    "pseudo_random_challenge",
    "scheme_name",
]
