"""PACE protocol OIDs and what each one means (ICAO Doc 9303 Part 11, 9.2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cardwire.crypto.kdf_icao import KeyType
from cardwire.errors import UsageError
from cardwire.sm.card_access import ID_PACE


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
