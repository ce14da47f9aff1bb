"""PACE passwords, the symmetric steps and the GENERAL AUTHENTICATE messages.

- PACE passwords: MRZ, CAN, PIN, PUK and the key K_pi derived from them (9303-11 4.4.1, 9.7.3).
- The symmetric steps of PACE: nonce encryption, session keys and authentication tokens (ICAO
  Doc 9303 Part 11, 4.4.3.1, 4.4.3.4, 9.7.1, 9.8).
- PACE command encoding and the strict decoding of dynamic authentication data (ICAO Doc 9303
  Part 11, 4.4.4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from cardwire import tlv
from cardwire.apdu import Command
from cardwire.crypto.block import Aes, TripleDes
from cardwire.crypto.cmac import AesCmacKey
from cardwire.crypto.kdf_icao import KdfCounter, KeyType, kdf
from cardwire.crypto.padding import pad
from cardwire.crypto.retail_mac import RetailMacKey
from cardwire.errors import DecodeError, UsageError
from cardwire.sm.bac import mrz_information
from cardwire.sm.iso7816 import AesSuite, IsoSmCard, IsoSmHost, SmMode, SmSuite, TdesSuite
from cardwire.sm.pace._algorithms import (
    CLA_CHAINING,
    INS_GENERAL_AUTHENTICATE,
    INS_MSE,
    MSE_SET_AT_P1,
    MSE_SET_AT_P2,
    TAG_AUXILIARY_DATA,
    TAG_CHAT,
    TAG_DYNAMIC_AUTHENTICATION_DATA,
    TAG_PARAMETER_ID,
    TAG_PASSWORD_REFERENCE,
    TAG_PROTOCOL,
    TOKEN_LENGTH,
    PaceAlgorithm,
)
from cardwire.sm.selection import SessionScope


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


def _nonce_cipher(key_type: KeyType, k_pi: bytes) -> Aes | TripleDes:
    return TripleDes(k_pi) if key_type is KeyType.TDES else Aes(k_pi)


def encrypt_nonce(key_type: KeyType, k_pi: bytes, nonce: bytes) -> bytes:
    """z = E(K_pi, s), CBC with a zero IV (9303-11 4.4.3.1)."""
    cipher = _nonce_cipher(key_type, k_pi)
    return cipher.encrypt_cbc(bytes(cipher.block_size), nonce)


def decrypt_nonce(key_type: KeyType, k_pi: bytes, encrypted: bytes) -> bytes:
    """s = D(K_pi, z); :class:`DecodeError` when z is not whole blocks."""
    cipher = _nonce_cipher(key_type, k_pi)
    if not encrypted or len(encrypted) % cipher.block_size:
        raise DecodeError(
            f"the encrypted nonce must be whole {cipher.block_size}-byte blocks, "
            f"got {len(encrypted)} bytes"
        )
    return cipher.decrypt_cbc(bytes(cipher.block_size), encrypted)


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """KS_enc and KS_mac for the protocol's cipher (repr hides them)."""

    key_type: KeyType
    ks_enc: bytes = field(repr=False)
    ks_mac: bytes = field(repr=False)

    @classmethod
    def derive(cls, key_type: KeyType, shared_secret: bytes) -> SessionKeys:
        """9303-11 9.7.1: KS_enc = KDF(K, 1), KS_mac = KDF(K, 2)."""
        return cls(
            key_type,
            kdf(shared_secret, KdfCounter.ENC, key_type),
            kdf(shared_secret, KdfCounter.MAC, key_type),
        )

    def suite(self) -> SmSuite:
        if self.key_type is KeyType.TDES:
            return TdesSuite(self.ks_enc, self.ks_mac)
        return AesSuite(self.ks_enc, self.ks_mac)

    def host_session(self, mode: SmMode = SmMode.COMBINED) -> IsoSmHost:
        """ISO secure messaging with these keys and SSC 0 (9303-11 9.8.2 for PACE)."""
        suite = self.suite()
        session = IsoSmHost(suite, bytes(suite.ssc_width), mode=mode)
        session.scope = SessionScope.CHIP  # ICAO 9303-11 4.2: PACE is chip-wide
        return session

    def card_session(self, mode: SmMode = SmMode.COMBINED) -> IsoSmCard:
        suite = self.suite()
        session = IsoSmCard(suite, bytes(suite.ssc_width), mode=mode)
        session.scope = SessionScope.CHIP  # ICAO 9303-11 4.2: PACE is chip-wide
        return session


def authentication_token(key_type: KeyType, ks_mac: bytes, public_key_data: bytes) -> bytes:
    """T = MAC(KS_mac, PK data) (9303-11 4.4.3.4): 8-byte AES-CMAC, or the 3DES retail MAC
    over the data padded with ISO 9797-1 method 2 (9.8.3)."""
    if key_type is KeyType.TDES:
        return RetailMacKey(ks_mac).mac(pad(public_key_data, 8))
    return AesCmacKey(ks_mac).mac(public_key_data)[:TOKEN_LENGTH]


def mse_set_at(
    algorithm: PaceAlgorithm, password: PasswordType, parameter_id: int | None = None
) -> Command:
    """MSE:Set AT for PACE (9303-11 4.4.4.1): 00 22 C1 A4 with 80 OID, 83 password reference
    and, when given, 84 domain parameter id."""
    data = tlv.tlv(TAG_PROTOCOL, algorithm.oid_content)
    data += tlv.tlv(TAG_PASSWORD_REFERENCE, bytes((int(password),)))
    if parameter_id is not None:
        data += tlv.tlv(TAG_PARAMETER_ID, bytes((parameter_id,)))
    return Command(0x00, INS_MSE, MSE_SET_AT_P1, MSE_SET_AT_P2, data)


@dataclass(frozen=True, slots=True)
class SetAt:
    """The data of MSE:Set AT for PACE (9303-11 4.4.4.1)."""

    protocol: bytes  # 80: the OID's content octets
    password: int  # 83: the password reference (a PasswordType value when the card knows it)
    parameter_id: int | None = None  # 84: the standardized domain parameters


# 9303-11 4.4.4.1: 80, 83 and 84; an eID terminal adds 7F4C (CHAT) and 67 (auxiliary data).
_SET_AT_TAGS = (
    TAG_PROTOCOL,
    TAG_PASSWORD_REFERENCE,
    TAG_PARAMETER_ID,
    TAG_CHAT,
    TAG_AUXILIARY_DATA,
)


def parse_set_at(data: bytes) -> SetAt:
    """The data of MSE:Set AT (what :func:`mse_set_at` sends): 80 and a one-byte 83 required, a
    one-byte 84, 7F4C and 67 allowed, each at most once; :class:`DecodeError` else."""
    values: dict[int, bytes] = {}
    for node in tlv.parse(data):
        if node.tag in values or node.tag not in _SET_AT_TAGS:
            raise DecodeError(f"unexpected or repeated object {node.tag:X} in MSE:Set AT")
        values[node.tag] = node.value
    protocol, reference = values.get(TAG_PROTOCOL), values.get(TAG_PASSWORD_REFERENCE)
    if protocol is None or reference is None or len(reference) != 1:
        raise DecodeError("MSE:Set AT needs a protocol (80) and a one-byte password (83)")
    parameter = values.get(TAG_PARAMETER_ID)
    if parameter is not None and len(parameter) != 1:
        raise DecodeError("the domain parameter id (84) of MSE:Set AT is one byte")
    return SetAt(protocol, reference[0], None if parameter is None else parameter[0])


def general_authenticate(objects: bytes, *, last: bool) -> Command:
    """GENERAL AUTHENTICATE with 7C { objects }, Le 00; CLA 10 (chained) except the last step
    (9303-11 4.4.4.2)."""
    cla = 0x00 if last else CLA_CHAINING
    return Command(
        cla, INS_GENERAL_AUTHENTICATE, 0, 0, tlv.tlv(TAG_DYNAMIC_AUTHENTICATION_DATA, objects), 256
    )


def dynamic_objects(data: bytes, allowed: Sequence[int], required: int | None) -> dict[int, bytes]:
    """The objects inside 7C, each tag at most once, in ``allowed`` order; DecodeError else."""
    outer = tlv.parse_one(data)
    if outer.tag != TAG_DYNAMIC_AUTHENTICATION_DATA:
        raise DecodeError(f"expected dynamic authentication data 7C, got tag {outer.tag:X}", 0)
    values: dict[int, bytes] = {}
    position = 0
    for node in tlv.parse(outer.value):
        if node.tag not in allowed[position:]:
            raise DecodeError(f"unexpected or repeated object {node.tag:X} in 7C")
        position = allowed.index(node.tag) + 1
        values[node.tag] = node.value
    if required is not None and required not in values:
        raise DecodeError(f"object {required:02X} is missing from 7C")
    return values


__all__ = [
    "PacePassword",
    "PasswordType",
    "SessionKeys",
    "SetAt",
    "authentication_token",
    "decrypt_nonce",
    "dynamic_objects",
    "encrypt_nonce",
    "general_authenticate",
    "mse_set_at",
    "parse_set_at",
]
