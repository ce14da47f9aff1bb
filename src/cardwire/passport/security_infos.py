"""DG14's SecurityInfos for Chip and Active Authentication, parsed and built (with pyasn1, the
one ASN.1 library, as EF.CardAccess in :mod:`cardwire.sm.card_access`).

ASN.1 (ICAO Doc 9303-11 9.2.5, 9.2.6 and 9.2.7)::

    ChipAuthenticationInfo ::= SEQUENCE { protocol OID (id-CA-*), version INTEGER,
                                          keyId INTEGER OPTIONAL }
    ChipAuthenticationPublicKeyInfo ::= SEQUENCE { protocol OID (id-PK-DH | id-PK-ECDH),
                                          chipAuthenticationPublicKey SubjectPublicKeyInfo,
                                          keyId INTEGER OPTIONAL }
    ActiveAuthenticationInfo ::= SEQUENCE { protocol id-icao-mrtd-security-aaProtocolObject,
                                          version INTEGER (1), signatureAlgorithm OID }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyasn1.codec.der import encoder  # type: ignore[import-untyped]
from pyasn1.type import univ  # type: ignore[import-untyped]

from cardwire.der import decode_der
from cardwire.passport.ec_keys import ECDSA_SIGNATURE_HASHES
from cardwire.sm.card_access import OtherSecurityInfo, PaceInfo, build_card_access
from cardwire.sm.card_access import parse_card_access as parse_security_infos
from cardwire.tlv import tlv

ID_PK_DH, ID_PK_ECDH = "0.4.0.127.0.7.2.2.1.1", "0.4.0.127.0.7.2.2.1.2"  # 9303-11 9.2.6
ID_CA_DH, ID_CA_ECDH = "0.4.0.127.0.7.2.2.3.1", "0.4.0.127.0.7.2.2.3.2"  # 9303-11 9.2.5
ID_CA_DH_3DES, ID_CA_ECDH_3DES = ID_CA_DH + ".1", ID_CA_ECDH + ".1"
ID_CA_DH_AES_128 = ID_CA_DH + ".2"
ID_CA_ECDH_AES_128 = ID_CA_ECDH + ".2"
ID_AA = "2.23.136.1.1.5"  # 9303-11 9.2.7: id-icao-mrtd-security-aaProtocolObject
# 9303-11 9.2.7 / BSI TR-03111 5.2.1: the ECDSA signature algorithms AA may name.
ECDSA_HASHES = ECDSA_SIGNATURE_HASHES
ECDSA_SHA256 = "1.2.840.10045.4.3.2"


@dataclass(frozen=True, slots=True)
class ChipAuthenticationInfo:
    protocol: str
    version: int = 1
    key_id: int | None = None


@dataclass(frozen=True, slots=True)
class ChipAuthenticationPublicKey:
    protocol: str  # ID_PK_DH or ID_PK_ECDH
    public_key: bytes  # SubjectPublicKeyInfo, DER
    key_id: int | None = None


@dataclass(frozen=True, slots=True)
class Dg14:
    """What DG14 offers: CA infos and keys, the AA signature algorithm, PACE infos."""

    chip_authentication: tuple[ChipAuthenticationInfo, ...] = ()
    chip_keys: tuple[ChipAuthenticationPublicKey, ...] = ()
    aa_algorithm: str | None = None
    pace: tuple[PaceInfo, ...] = ()


def _elements(der: bytes, what: str) -> list[bytes]:
    sequence = decode_der(der, univ.SequenceOf(componentType=univ.Any()), f"DG14 {what}")
    assert isinstance(sequence, univ.SequenceOf)
    return [bytes(item) for item in sequence]


def _int(der: bytes, what: str) -> int:
    value: Any = decode_der(der, univ.Integer(), f"DG14 {what}")
    return int(value)


def parse_dg14_infos(der: bytes) -> Dg14:
    """Interpret DG14's DER SecurityInfos (the 6E template's content)."""
    infos = parse_security_infos(der)
    cas, keys, aa = [], [], None
    for other in infos.others:
        parts = _elements(other.der, other.protocol)[1:]  # after the protocol OID
        if other.protocol.startswith((ID_CA_DH + ".", ID_CA_ECDH + ".")):
            key_id = _int(parts[1], "keyId") if len(parts) > 1 else None
            cas.append(ChipAuthenticationInfo(other.protocol, _int(parts[0], "version"), key_id))
        elif other.protocol in (ID_PK_DH, ID_PK_ECDH):
            key_id = _int(parts[1], "keyId") if len(parts) > 1 else None
            keys.append(ChipAuthenticationPublicKey(other.protocol, parts[0], key_id))
        elif other.protocol == ID_AA and len(parts) == 2:
            aa = str(decode_der(parts[1], univ.ObjectIdentifier(), "DG14 signatureAlgorithm"))
    return Dg14(tuple(cas), tuple(keys), aa, infos.pace)


def _info(protocol: str, *parts: object) -> OtherSecurityInfo:
    sequence = univ.SequenceOf(componentType=univ.Any())
    sequence.append(univ.Any(encoder.encode(univ.ObjectIdentifier(protocol))))
    for part in parts:
        der = part if isinstance(part, bytes) else encoder.encode(part)
        sequence.append(univ.Any(der))
    return OtherSecurityInfo(protocol, bytes(encoder.encode(sequence)))


def build_dg14(
    *,
    chip_key: ChipAuthenticationPublicKey | None = None,
    chip_info: ChipAuthenticationInfo | None = None,
    aa_algorithm: str | None = None,
    pace: tuple[PaceInfo, ...] = (),
) -> bytes:
    """EF.DG14: 6E { SecurityInfos } with the given infos (9303-10 4.7.14)."""
    others = []
    if chip_key is not None:
        extra = () if chip_key.key_id is None else (univ.Integer(chip_key.key_id),)
        others.append(_info(chip_key.protocol, chip_key.public_key, *extra))
    if chip_info is not None:
        extra = () if chip_info.key_id is None else (univ.Integer(chip_info.key_id),)
        others.append(_info(chip_info.protocol, univ.Integer(chip_info.version), *extra))
    if aa_algorithm is not None:
        others.append(_info(ID_AA, univ.Integer(1), univ.ObjectIdentifier(aa_algorithm)))
    return tlv(0x6E, build_card_access(pace, others))


__all__ = [
    "ECDSA_HASHES",
    "ECDSA_SHA256",
    "ID_AA",
    "ID_CA_DH",
    "ID_CA_DH_3DES",
    "ID_CA_DH_AES_128",
    "ID_CA_ECDH",
    "ID_CA_ECDH_3DES",
    "ID_CA_ECDH_AES_128",
    "ID_PK_DH",
    "ID_PK_ECDH",
    "ChipAuthenticationInfo",
    "ChipAuthenticationPublicKey",
    "Dg14",
    "build_dg14",
    "parse_dg14_infos",
]
