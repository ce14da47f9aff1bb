"""PACE algorithms: what each protocol OID means, and the command bytes, tags and sizes.

- PACE command bytes, data object tags and sizes (ICAO Doc 9303 Part 11, 4.4.4 and 9.4.2).
- PACE protocol OIDs and what each one means (ICAO Doc 9303 Part 11, 9.2.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from cardwire.crypto.kdf_icao import KeyType
from cardwire.errors import UsageError
from cardwire.sm.card_access import ID_PACE

# ICAO 9303-11 4.4.4 / ISO 7816-4: command bytes
INS_MSE = 0x22
INS_GENERAL_AUTHENTICATE = 0x86
MSE_SET_AT_P1 = 0xC1  # "set for mutual authentication" (computation, decipherment, ...)
MSE_SET_AT_P2 = 0xA4  # control reference template for authentication (AT)
CLA_CHAINING = 0x10  # 9303-11 4.4.4.2: GA steps 1-3 are sent as a command chain

# 9303-11 4.4.4.1, MSE:Set AT data objects
TAG_PROTOCOL = 0x80
TAG_PASSWORD_REFERENCE = 0x83
TAG_PARAMETER_ID = 0x84
TAG_CHAT = 0x7F4C  # certificate holder authorization template (eID terminals; ignored here)
TAG_AUXILIARY_DATA = 0x67  # eID auxiliary data (ignored here)

# 9303-11 4.4.4.2, GENERAL AUTHENTICATE dynamic authentication data
TAG_DYNAMIC_AUTHENTICATION_DATA = 0x7C


class AuthTag(IntEnum):
    """The data objects inside dynamic authentication data (7C), by step."""

    ENCRYPTED_NONCE = 0x80
    MAPPING_DATA_IFD = 0x81
    MAPPING_DATA_IC = 0x82
    EPHEMERAL_KEY_IFD = 0x83
    EPHEMERAL_KEY_IC = 0x84
    TOKEN_IFD = 0x85
    TOKEN_IC = 0x86
    CAR_1 = 0x87  # most recent certification authority reference (for Terminal Authentication)
    CAR_2 = 0x88  # previous certification authority reference


# 9303-11 9.4.2, public key data objects inside the authentication token input
TAG_PUBLIC_KEY = 0x7F49
TAG_OID = 0x06
TAG_DH_PUBLIC_VALUE = 0x84
TAG_EC_PUBLIC_POINT = 0x86

TOKEN_LENGTH = 8  # 9303-11 4.4.3.4 / 9.8.3: 8-byte MACs
NONCE_LENGTH = 16  # 9303-11 4.4.3.1: a multiple of the block size (16 suits 3DES and AES)


class KeyAgreement(StrEnum):
    DH = "dh"
    ECDH = "ecdh"


class MappingKind(StrEnum):
    GENERIC = "gm"
    INTEGRATED = "im"
    CHIP_AUTHENTICATION = "cam"


# 9303-11 9.2.1: id-PACE.{mapping arc}.{cipher arc}
_MAPPING_ARCS = {
    1: (KeyAgreement.DH, MappingKind.GENERIC),
    2: (KeyAgreement.ECDH, MappingKind.GENERIC),
    3: (KeyAgreement.DH, MappingKind.INTEGRATED),
    4: (KeyAgreement.ECDH, MappingKind.INTEGRATED),
    6: (KeyAgreement.ECDH, MappingKind.CHIP_AUTHENTICATION),
}
_CIPHER_ARCS = {1: KeyType.TDES, 2: KeyType.AES128, 3: KeyType.AES192, 4: KeyType.AES256}


def _oid_content(dotted: str) -> bytes:
    """The content octets of an OBJECT IDENTIFIER (X.690 8.19): 40*a1+a2, then base 128."""
    arcs = [int(arc) for arc in dotted.split(".")]
    out = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out.extend(reversed(chunk))
    return bytes(out)


@dataclass(frozen=True, slots=True)
class PaceAlgorithm:
    """A PACE protocol OID and what it means (9303-11 9.2.1)."""

    oid: str
    agreement: KeyAgreement
    mapping: MappingKind
    key_type: KeyType

    @property
    def oid_content(self) -> bytes:
        """The OID's DER content octets (the value of MSE tag 80 and of 7F49's tag 06)."""
        return _oid_content(self.oid)


ALGORITHMS: dict[str, PaceAlgorithm] = {}
for _mapping_arc, (_agreement, _mapping) in _MAPPING_ARCS.items():
    for _cipher_arc, _key_type in _CIPHER_ARCS.items():
        if _mapping is MappingKind.CHIP_AUTHENTICATION and _key_type is KeyType.TDES:
            continue  # 9303-11 9.2.1: CAM is defined with AES only
        _oid = ".".join(str(arc) for arc in (*ID_PACE, _mapping_arc, _cipher_arc))
        ALGORITHMS[_oid] = PaceAlgorithm(_oid, _agreement, _mapping, _key_type)

ID_PACE_DH_GM_3DES_CBC_CBC = "0.4.0.127.0.7.2.2.4.1.1"
ID_PACE_DH_GM_AES_CBC_CMAC_128 = "0.4.0.127.0.7.2.2.4.1.2"
ID_PACE_DH_GM_AES_CBC_CMAC_192 = "0.4.0.127.0.7.2.2.4.1.3"
ID_PACE_DH_GM_AES_CBC_CMAC_256 = "0.4.0.127.0.7.2.2.4.1.4"
ID_PACE_ECDH_GM_3DES_CBC_CBC = "0.4.0.127.0.7.2.2.4.2.1"
ID_PACE_ECDH_GM_AES_CBC_CMAC_128 = "0.4.0.127.0.7.2.2.4.2.2"
ID_PACE_ECDH_GM_AES_CBC_CMAC_192 = "0.4.0.127.0.7.2.2.4.2.3"
ID_PACE_ECDH_GM_AES_CBC_CMAC_256 = "0.4.0.127.0.7.2.2.4.2.4"


def algorithm_for(oid: str) -> PaceAlgorithm:
    """The PACE algorithm of a protocol OID; :class:`UsageError` when unknown."""
    found = ALGORITHMS.get(oid)
    if found is None:
        raise UsageError(f"{oid} is not a PACE protocol OID (9303-11 9.2.1)")
    return found


__all__ = [
    "ALGORITHMS",
    "CLA_CHAINING",
    "ID_PACE_DH_GM_3DES_CBC_CBC",
    "ID_PACE_DH_GM_AES_CBC_CMAC_128",
    "ID_PACE_DH_GM_AES_CBC_CMAC_192",
    "ID_PACE_DH_GM_AES_CBC_CMAC_256",
    "ID_PACE_ECDH_GM_3DES_CBC_CBC",
    "ID_PACE_ECDH_GM_AES_CBC_CMAC_128",
    "ID_PACE_ECDH_GM_AES_CBC_CMAC_192",
    "ID_PACE_ECDH_GM_AES_CBC_CMAC_256",
    "INS_GENERAL_AUTHENTICATE",
    "INS_MSE",
    "MSE_SET_AT_P1",
    "MSE_SET_AT_P2",
    "NONCE_LENGTH",
    "TAG_AUXILIARY_DATA",
    "TAG_CHAT",
    "TAG_DH_PUBLIC_VALUE",
    "TAG_DYNAMIC_AUTHENTICATION_DATA",
    "TAG_EC_PUBLIC_POINT",
    "TAG_OID",
    "TAG_PARAMETER_ID",
    "TAG_PASSWORD_REFERENCE",
    "TAG_PROTOCOL",
    "TAG_PUBLIC_KEY",
    "TOKEN_LENGTH",
    "AuthTag",
    "KeyAgreement",
    "MappingKind",
    "PaceAlgorithm",
    "algorithm_for",
]
