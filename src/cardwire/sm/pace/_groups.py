"""PACE groups and domain parameters (the asymmetric half of the Generic Mapping).

- Groups: the asymmetric half of the PACE Generic Mapping over ECDH and DH (ICAO Doc 9303 Part
  11, 4.4.3.3; BSI TR-03111).
- The standardized PACE domain parameters and the check of a PACEInfo against them (ICAO Doc
  9303 Part 11, 9.5.1 and 9.2.1).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from cardwire import tlv
from cardwire.crypto import dh_groups, ec_arith
from cardwire.crypto.dh_groups import DhGroup
from cardwire.crypto.ec_arith import Curve
from cardwire.errors import CryptogramError, UsageError
from cardwire.sm.base import Rng
from cardwire.sm.card_access import PACE_VERSION, PaceInfo
from cardwire.sm.pace._algorithms import (
    TAG_DH_PUBLIC_VALUE,
    TAG_EC_PUBLIC_POINT,
    TAG_OID,
    TAG_PUBLIC_KEY,
    KeyAgreement,
    MappingKind,
    PaceAlgorithm,
    algorithm_for,
)

_MAX_DRAWS = 64


def _random_below(rng: Rng, bound: int) -> int:
    """A uniform integer in [1, bound-1] by rejection sampling of big-endian draws, excess top
    bits cleared (FIPS 186-5 A.2.2 "rejection sampling")."""
    bits = bound.bit_length()
    size = (bits + 7) // 8
    mask = (1 << bits) - 1
    for _ in range(_MAX_DRAWS):
        candidate = int.from_bytes(rng(size), "big") & mask
        if 1 <= candidate < bound:
            return candidate
    raise UsageError("the random generator gave no valid private key in 64 draws")


class PaceGroup(ABC):
    """The operations PACE needs from a DH group or an elliptic curve; elements are bytes in
    their wire encoding (an uncompressed point, or a value the length of p)."""

    name: str
    agreement: KeyAgreement
    public_key_tag: int  # 9303-11 9.4.2: 84 (DH public value) or 86 (EC public point)

    @property
    @abstractmethod
    def generator(self) -> bytes:
        """The standard generator."""

    @abstractmethod
    def private_key(self, rng: Rng) -> int:
        """A fresh private key in [1, order-1]."""

    @abstractmethod
    def public_key(self, private: int, generator: bytes) -> bytes:
        """private * generator (ECDH) or generator^private (DH), encoded."""

    @abstractmethod
    def check_public_key(self, data: bytes) -> bytes:
        """``data`` if it is a valid group element (DecodeError otherwise), canonical form."""

    def mapping_secret(self, private: int, peer_public: bytes) -> bytes:
        """H = SK_map * PK_map,peer (ECDH) or h = PK_map,peer^SK_map mod p (DH): the public-key
        operation on the peer's mapping key (9303-11 4.4.3.3.1)."""
        return self.public_key(private, peer_public)

    @abstractmethod
    def map_generator(self, nonce: bytes, mapping_secret: bytes) -> bytes:
        """G~ = s*G + H (ECDH) or g~ = g^s * h mod p (DH) (9303-11 4.4.3.3.1)."""

    @abstractmethod
    def shared_secret(self, private: int, peer_public: bytes) -> bytes:
        """K: the x-coordinate of SK * PK_peer (ECDH) or PK_peer^SK mod p (DH), as an octet
        string the length of p (9303-11 4.4.3.3.2, BSI TR-03111 4.3.1)."""

    def public_key_data(self, algorithm: PaceAlgorithm, public_key: bytes) -> bytes:
        """The authentication token input 7F49 { 06 OID, 84|86 key } (9303-11 9.4.2)."""
        body = tlv.tlv(TAG_OID, algorithm.oid_content) + tlv.tlv(self.public_key_tag, public_key)
        return tlv.tlv(TAG_PUBLIC_KEY, body)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"


class EcGroup(PaceGroup):
    """ECDH over a short-Weierstrass curve (cofactor 1)."""

    agreement = KeyAgreement.ECDH
    public_key_tag = TAG_EC_PUBLIC_POINT

    def __init__(self, curve: Curve) -> None:
        self.curve = curve
        self.name = curve.name

    @property
    def generator(self) -> bytes:
        return ec_arith.encode_point(self.curve, self.curve.generator)

    def private_key(self, rng: Rng) -> int:
        return _random_below(rng, self.curve.n)

    def _point(self, data: bytes) -> ec_arith.Point:
        return ec_arith.decode_point(self.curve, data)

    def _finite(self, point: ec_arith.Point | None) -> ec_arith.Point:
        if point is None:
            raise CryptogramError("PACE reached the point at infinity")
        return point

    def public_key(self, private: int, generator: bytes) -> bytes:
        point = ec_arith.multiply(self.curve, private, self._point(generator))
        return ec_arith.encode_point(self.curve, self._finite(point))

    def check_public_key(self, data: bytes) -> bytes:
        return ec_arith.encode_point(self.curve, self._point(data))

    def map_generator(self, nonce: bytes, mapping_secret: bytes) -> bytes:
        curve = self.curve
        s_g = ec_arith.multiply(curve, int.from_bytes(nonce, "big"), curve.generator)
        mapped = ec_arith.add(curve, s_g, self._point(mapping_secret))
        return ec_arith.encode_point(curve, self._finite(mapped))

    def shared_secret(self, private: int, peer_public: bytes) -> bytes:
        point = self._finite(ec_arith.multiply(self.curve, private, self._point(peer_public)))
        return ec_arith.field_element_bytes(self.curve, point.x)


class DhModpGroup(PaceGroup):
    """DH in a MODP group with a prime-order subgroup."""

    agreement = KeyAgreement.DH
    public_key_tag = TAG_DH_PUBLIC_VALUE

    def __init__(self, group: DhGroup) -> None:
        self.group = group
        self.name = group.name

    @property
    def generator(self) -> bytes:
        return dh_groups.encode_value(self.group, self.group.g)

    def private_key(self, rng: Rng) -> int:
        return _random_below(rng, self.group.q)

    def _value(self, data: bytes) -> int:
        return dh_groups.decode_value(self.group, data)

    def public_key(self, private: int, generator: bytes) -> bytes:
        value = dh_groups.public_value(self.group, self._value(generator), private)
        return dh_groups.encode_value(self.group, value)

    def check_public_key(self, data: bytes) -> bytes:
        return dh_groups.encode_value(self.group, self._value(data))

    def map_generator(self, nonce: bytes, mapping_secret: bytes) -> bytes:
        group = self.group
        mapped = pow(group.g, int.from_bytes(nonce, "big"), group.p) * self._value(mapping_secret)
        mapped %= group.p
        if mapped == 1:
            raise CryptogramError("the mapped DH generator is 1")
        return dh_groups.encode_value(group, mapped)

    def shared_secret(self, private: int, peer_public: bytes) -> bytes:
        return self.public_key(private, peer_public)


# 9303-11 9.5.1, table of standardized domain parameters (BSI TR-03110-3 A.2.1.1)
_DOMAIN_PARAMETERS: dict[int, DhGroup | Curve] = {
    0: dh_groups.MODP_1024_160,
    1: dh_groups.MODP_2048_224,
    2: dh_groups.MODP_2048_256,
    12: ec_arith.NIST_P256,
    13: ec_arith.BRAINPOOL_P256R1,
    15: ec_arith.NIST_P384,
    16: ec_arith.BRAINPOOL_P384R1,
    17: ec_arith.BRAINPOOL_P512R1,
    18: ec_arith.NIST_P521,
}
SUPPORTED_PARAMETER_IDS = tuple(sorted(_DOMAIN_PARAMETERS))


def domain_parameters(parameter_id: int) -> PaceGroup:
    """The group of a standardized domain parameter id (9303-11 9.5.1)."""
    found = _DOMAIN_PARAMETERS.get(parameter_id)
    if found is None:
        raise UsageError(
            f"domain parameter id {parameter_id} is not supported "
            f"(supported: {', '.join(map(str, SUPPORTED_PARAMETER_IDS))})"
        )
    return DhModpGroup(found) if isinstance(found, DhGroup) else EcGroup(found)


def checked_setup(info: PaceInfo) -> tuple[PaceAlgorithm, PaceGroup]:
    algorithm = algorithm_for(info.protocol)
    if algorithm.mapping is not MappingKind.GENERIC:
        raise UsageError(f"{info.protocol}: only the Generic Mapping is supported")
    if info.version != PACE_VERSION:
        raise UsageError(f"PACEInfo version {info.version} is not {PACE_VERSION}")
    if info.parameter_id is None:
        raise UsageError("a PACEInfo without parameterId (proprietary domain parameters)")
    group = domain_parameters(info.parameter_id)
    if group.agreement is not algorithm.agreement:
        raise UsageError(
            f"{info.protocol} is {algorithm.agreement.upper()} but parameter id "
            f"{info.parameter_id} is a {group.agreement.upper()} group"
        )
    return algorithm, group


__all__ = [
    "SUPPORTED_PARAMETER_IDS",
    "DhModpGroup",
    "EcGroup",
    "PaceGroup",
    "domain_parameters",
]
