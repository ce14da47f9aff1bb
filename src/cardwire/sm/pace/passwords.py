"""PACE passwords: MRZ, CAN, PIN, PUK and the key K_pi derived from them (9303-11 4.4.1, 9.7.3)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum

from cardwire.crypto.kdf_icao import KdfCounter, KeyType, kdf
from cardwire.errors import UsageError
from cardwire.sm.bac import mrz_information


class PasswordType(IntEnum):
    """The password reference in MSE:Set AT tag 83 (9303-11 4.4.4.1, BSI TR-03110-3 D.2)."""

    MRZ = 1
    CAN = 2
    PIN = 3
    PUK = 4


@dataclass(frozen=True, slots=True)
class PacePassword:
    """A PACE password: its type and f(password), the input of the KDF (repr hides it).

    9303-11 9.7.3: for the MRZ, f = SHA-1(MRZ information) (all 20 bytes, unlike BAC's K_seed);
    for CAN, PIN and PUK, f = the password itself as an ISO 8859-1 string.
    """

    kind: PasswordType
    secret: bytes = field(repr=False)

    @classmethod
    def from_mrz(
        cls, document_number: str, date_of_birth: str, date_of_expiry: str
    ) -> PacePassword:
        """From the MRZ fields (the same MRZ information as BAC, 9303-11 9.7.2)."""
        info = mrz_information(document_number, date_of_birth, date_of_expiry)
        return cls.from_mrz_information(info)

    @classmethod
    def from_mrz_information(cls, info: bytes) -> PacePassword:
        digest = hashlib.sha1(info).digest()  # noqa: S324 - mandated by ICAO 9303-11 9.7.3
        return cls(PasswordType.MRZ, digest)

    @classmethod
    def from_text(cls, kind: PasswordType, text: str) -> PacePassword:
        """A CAN, PIN or PUK (9303-11 9.7.3: encoded as ISO 8859-1)."""
        if kind is PasswordType.MRZ:
            raise UsageError("an MRZ password comes from the MRZ fields (from_mrz)")
        if not text:
            raise UsageError(f"the {kind.name} is empty")
        try:
            secret = text.encode("iso-8859-1")
        except UnicodeEncodeError as exc:
            raise UsageError(f"the {kind.name} must be ISO 8859-1 text") from exc
        return cls(PasswordType(kind), secret)

    def key(self, key_type: KeyType) -> bytes:
        """K_pi = KDF(f(password), 3) for the cipher of the chosen protocol (9303-11 9.7.3)."""
        return kdf(self.secret, KdfCounter.PASSWORD, key_type)
