"""PACE with the Generic Mapping over ECDH and DH, host (terminal) and card (chip) side.

Sources: ICAO Doc 9303 Part 11 (8th edition, 2021) section 4.4 (protocol), 9.2.1 (PACEInfo and
OIDs), 9.5.1 (standardized domain parameters), 9.7 (key derivation) and 9.8 (secure
messaging); worked examples in Appendix G (G.1 ECDH on brainpoolP256r1, G.2 DH on the RFC 5114
1024-bit group). BSI TR-03110-3 and TR-03111 define the same protocol for eID cards.

The protocol (9303-11 4.4.3 and 4.4.4):

0. MSE:Set AT (00 22 C1 A4): 80 protocol OID, 83 password reference (MRZ 01, CAN 02, PIN 03,
   PUK 04), 84 domain parameter id when ambiguous.
1. GENERAL AUTHENTICATE (10 86 00 00, 7C 00): the chip answers 7C { 80 z } with
   z = E(K_pi, s), CBC with a zero IV, K_pi = KDF(f(password), 3).
2. 7C { 81 PK_map,IFD } -> 7C { 82 PK_map,IC }; both sides compute H from the mapping keys and
   the mapped generator G~ = s*G + H (ECDH) or g~ = g^s * h (DH) (4.4.3.3.1).
3. 7C { 83 PK_IFD } -> 7C { 84 PK_IC }: ephemeral keys on G~; K = shared secret (the
   x-coordinate for ECDH); KS_enc = KDF(K, 1), KS_mac = KDF(K, 2) (9.7.1).
4. (CLA 00) 7C { 85 T_IFD } -> 7C { 86 T_IC [87 CAR1] [88 CAR2] }: T = MAC(KS_mac, 7F49 { 06 OID,
   86 point | 84 value } of the *other* side's ephemeral key) (4.4.3.4, 9.4.2); AES-CMAC
   truncated to 8 bytes or the 3DES retail MAC.
5. Secure messaging with KS_enc / KS_mac and SSC 0 (9.8.2 / 4.4.3.5).

Everything is sans-IO: the host turns responses into the next command, the card turns commands
into responses, and randomness comes from an injected ``rng`` so the worked examples replay.
Integrated Mapping and Chip Authentication Mapping are recognised in OIDs but not supported.
"""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, IntEnum, StrEnum
from typing import NoReturn

from cardwire import tlv
from cardwire.apdu import Command, Response
from cardwire.crypto import (
    Aes,
    AesCmacKey,
    KdfCounter,
    KeyType,
    RetailMacKey,
    TripleDes,
    dh_groups,
    ec_arith,
    kdf,
    pad,
)
from cardwire.crypto.dh_groups import DhGroup
from cardwire.crypto.ec_arith import Curve
from cardwire.errors import (
    CryptogramError,
    DecodeError,
    SecureChannelError,
    SessionClosedError,
    StatusError,
    UsageError,
)
from cardwire.sm.bac import mrz_information
from cardwire.sm.base import Rng
from cardwire.sm.card_access import ID_PACE, PACE_VERSION, PaceInfo
from cardwire.sm.iso7816 import AesSuite, IsoSmCard, IsoSmHost, SmMode, SmSuite, TdesSuite
from cardwire.sw import SW, meaning

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
TAG_ENCRYPTED_NONCE = 0x80
TAG_MAPPING_DATA_IFD = 0x81
TAG_MAPPING_DATA_IC = 0x82
TAG_EPHEMERAL_KEY_IFD = 0x83
TAG_EPHEMERAL_KEY_IC = 0x84
TAG_TOKEN_IFD = 0x85
TAG_TOKEN_IC = 0x86
TAG_CAR_1 = 0x87  # most recent certification authority reference (for Terminal Authentication)
TAG_CAR_2 = 0x88  # previous certification authority reference

# 9303-11 9.4.2, public key data objects inside the authentication token input
TAG_PUBLIC_KEY = 0x7F49
TAG_OID = 0x06
TAG_DH_PUBLIC_VALUE = 0x84
TAG_EC_PUBLIC_POINT = 0x86

TOKEN_LENGTH = 8  # 9303-11 4.4.3.4 / 9.8.3: 8-byte MACs
NONCE_LENGTH = 16  # 9303-11 4.4.3.1: a multiple of the block size (16 suits 3DES and AES)
_MAX_DRAWS = 64


class PasswordType(IntEnum):
    """The password reference in MSE:Set AT tag 83 (9303-11 4.4.4.1, BSI TR-03110-3 D.2)."""

    MRZ = 1
    CAN = 2
    PIN = 3
    PUK = 4


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


# ---------------------------------------------------------------------------------------------
# Passwords (9303-11 4.4.1 and 9.7.3)


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


# ---------------------------------------------------------------------------------------------
# Symmetric steps


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
        return IsoSmHost(suite, bytes(suite.ssc_width), mode=mode)

    def card_session(self, mode: SmMode = SmMode.COMBINED) -> IsoSmCard:
        suite = self.suite()
        return IsoSmCard(suite, bytes(suite.ssc_width), mode=mode)


def authentication_token(key_type: KeyType, ks_mac: bytes, public_key_data: bytes) -> bytes:
    """T = MAC(KS_mac, PK data) (9303-11 4.4.3.4): 8-byte AES-CMAC, or the 3DES retail MAC
    over the data padded with ISO 9797-1 method 2 (9.8.3)."""
    if key_type is KeyType.TDES:
        return RetailMacKey(ks_mac).mac(pad(public_key_data, 8))
    return AesCmacKey(ks_mac).mac(public_key_data)[:TOKEN_LENGTH]


# ---------------------------------------------------------------------------------------------
# Groups: the asymmetric half of the Generic Mapping


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

    @abstractmethod
    def mapping_secret(self, private: int, peer_public: bytes) -> bytes:
        """H = SK_map * PK_map,peer (ECDH) or h = PK_map,peer^SK_map mod p (DH)."""

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

    def mapping_secret(self, private: int, peer_public: bytes) -> bytes:
        return self.public_key(private, peer_public)

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

    def mapping_secret(self, private: int, peer_public: bytes) -> bytes:
        return self.public_key(private, peer_public)

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


def _checked_setup(info: PaceInfo) -> tuple[PaceAlgorithm, PaceGroup]:
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


# ---------------------------------------------------------------------------------------------
# Command and response encoding


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


def general_authenticate(objects: bytes, *, last: bool) -> Command:
    """GENERAL AUTHENTICATE with 7C { objects }, Le 00; CLA 10 (chained) except the last step
    (9303-11 4.4.4.2)."""
    cla = 0x00 if last else CLA_CHAINING
    return Command(
        cla, INS_GENERAL_AUTHENTICATE, 0, 0, tlv.tlv(TAG_DYNAMIC_AUTHENTICATION_DATA, objects), 256
    )


def _dynamic_objects(data: bytes, allowed: Sequence[int], required: int | None) -> dict[int, bytes]:
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


# ---------------------------------------------------------------------------------------------
# Host (terminal)


@dataclass(frozen=True, slots=True)
class PaceResult:
    """What a successful PACE leaves: the session keys, the secure-messaging session with
    SSC 0, both ephemeral public keys (PK_IC gives ID_PICC for Terminal Authentication), and
    the certification authority references the chip sent (87, 88)."""

    keys: SessionKeys
    session: IsoSmHost = field(compare=False)
    chip_public_key: bytes
    terminal_public_key: bytes
    car: tuple[bytes, ...] = ()


class _HostStep(Enum):
    NEW = "new"
    MSE = "mse"
    NONCE = "nonce"
    MAPPING = "mapping"
    KEY_AGREEMENT = "key-agreement"
    TOKENS = "tokens"
    DONE = "done"
    FAILED = "failed"


class PaceHost:
    """The terminal's side of PACE: :meth:`start` gives MSE:Set AT; :meth:`receive` turns each
    answer into the next command and returns ``None`` once the chip's token verified; then
    :attr:`result` holds the keys and the :class:`IsoSmHost` session (SSC 0).

    Any failure (status word, malformed answer, token mismatch) ends the exchange; later calls
    raise :class:`SessionClosedError`. ``announce_parameter_id`` adds tag 84 to MSE:Set AT
    (9303-11 4.4.4.1: needed when the chip offers several domain parameters).
    """

    def __init__(
        self,
        password: PacePassword,
        info: PaceInfo,
        rng: Rng,
        *,
        announce_parameter_id: bool = False,
        mode: SmMode = SmMode.COMBINED,
    ) -> None:
        self.algorithm, self.group = _checked_setup(info)
        self._info = info
        self._password = password
        self._rng = rng
        self._announce = announce_parameter_id
        self._mode = mode
        self._step = _HostStep.NEW
        self._command: Command | None = None
        self._nonce = b""
        self._private = 0
        self._generator = b""
        self._public = b""
        self._keys: SessionKeys | None = None
        self._chip_public = b""
        self._result: PaceResult | None = None

    @property
    def result(self) -> PaceResult:
        if self._result is None:
            raise UsageError("PACE has not completed")
        return self._result

    def start(self) -> Command:
        """The MSE:Set AT command that opens the exchange."""
        if self._step is not _HostStep.NEW:
            raise UsageError("start() opens a PACE exchange once")
        pid = self._info.parameter_id if self._announce else None
        return self._send(_HostStep.MSE, mse_set_at(self.algorithm, self._password.kind, pid))

    def receive(self, response: Response) -> Command | None:
        """Process the answer to the last command; the next command, or ``None`` when done."""
        step = self._step
        if step in (_HostStep.DONE, _HostStep.FAILED):
            raise SessionClosedError("this PACE exchange has ended")
        if step is _HostStep.NEW:
            raise UsageError("call start() first")
        try:
            if response.sw != SW.SUCCESS:
                raise StatusError(response.sw, meaning(response.sw), self._command)
            return self._advance(step, response.data)
        except (StatusError, DecodeError, SecureChannelError):
            self._step = _HostStep.FAILED
            raise

    def establish(self, transmit: Callable[[Command], Response]) -> PaceResult:
        """Run the whole exchange through ``transmit`` and return the result."""
        command: Command | None = self.start()
        while command is not None:
            command = self.receive(transmit(command))
        return self.result

    def _send(self, step: _HostStep, command: Command) -> Command:
        self._step = step
        self._command = command
        return command

    def _advance(self, step: _HostStep, data: bytes) -> Command | None:
        group = self.group
        if step is _HostStep.MSE:
            # 9303-11 4.4.4.2 step 1: ask for the encrypted nonce with empty 7C.
            return self._send(_HostStep.NONCE, general_authenticate(b"", last=False))
        if step is _HostStep.NONCE:
            z = _dynamic_objects(data, (TAG_ENCRYPTED_NONCE,), TAG_ENCRYPTED_NONCE)
            k_pi = self._password.key(self.algorithm.key_type)
            self._nonce = decrypt_nonce(self.algorithm.key_type, k_pi, z[TAG_ENCRYPTED_NONCE])
            self._private = group.private_key(self._rng)
            mapping_key = group.public_key(self._private, group.generator)
            return self._send(
                _HostStep.MAPPING,
                general_authenticate(tlv.tlv(TAG_MAPPING_DATA_IFD, mapping_key), last=False),
            )
        if step is _HostStep.MAPPING:
            objects = _dynamic_objects(data, (TAG_MAPPING_DATA_IC,), TAG_MAPPING_DATA_IC)
            chip_mapping = group.check_public_key(objects[TAG_MAPPING_DATA_IC])
            secret = group.mapping_secret(self._private, chip_mapping)
            self._generator = group.map_generator(self._nonce, secret)
            self._private = group.private_key(self._rng)
            self._public = group.public_key(self._private, self._generator)
            return self._send(
                _HostStep.KEY_AGREEMENT,
                general_authenticate(tlv.tlv(TAG_EPHEMERAL_KEY_IFD, self._public), last=False),
            )
        if step is _HostStep.KEY_AGREEMENT:
            objects = _dynamic_objects(data, (TAG_EPHEMERAL_KEY_IC,), TAG_EPHEMERAL_KEY_IC)
            chip_public = group.check_public_key(objects[TAG_EPHEMERAL_KEY_IC])
            if hmac.compare_digest(chip_public, self._public):
                # 9303-11 4.4.3.3.2: the two ephemeral public keys must differ.
                raise CryptogramError("the chip's ephemeral public key equals the terminal's")
            self._chip_public = chip_public
            shared = group.shared_secret(self._private, chip_public)
            keys = self._keys = SessionKeys.derive(self.algorithm.key_type, shared)
            token = authentication_token(
                keys.key_type, keys.ks_mac, group.public_key_data(self.algorithm, chip_public)
            )
            return self._send(
                _HostStep.TOKENS, general_authenticate(tlv.tlv(TAG_TOKEN_IFD, token), last=True)
            )
        objects = _dynamic_objects(data, (TAG_TOKEN_IC, TAG_CAR_1, TAG_CAR_2), TAG_TOKEN_IC)
        agreed = self._keys
        assert agreed is not None
        expected = authentication_token(
            agreed.key_type, agreed.ks_mac, group.public_key_data(self.algorithm, self._public)
        )
        if not hmac.compare_digest(expected, objects[TAG_TOKEN_IC]):
            raise CryptogramError("the chip's authentication token T_IC does not verify")
        cars = tuple(objects[tag] for tag in (TAG_CAR_1, TAG_CAR_2) if tag in objects)
        self._result = PaceResult(
            agreed, agreed.host_session(self._mode), self._chip_public, self._public, cars
        )
        self._private = 0
        self._step = _HostStep.DONE
        return None

    def __repr__(self) -> str:
        return f"PaceHost({self.algorithm.oid}, {self.group.name}, {self._step.value})"


# ---------------------------------------------------------------------------------------------
# Card (chip)


class PaceOutcome(Enum):
    """Where the card's side of PACE stands (for the applet's retry counters)."""

    IDLE = "idle"
    RUNNING = "running"
    ESTABLISHED = "established"
    AUTHENTICATION_FAILED = "authentication-failed"  # the terminal's token did not verify (6300)
    ABORTED = "aborted"  # malformed or out-of-order command


class _CardFailure(Exception):
    def __init__(self, sw: int, outcome: PaceOutcome = PaceOutcome.ABORTED) -> None:
        super().__init__(f"{sw:04X}")
        self.sw = sw
        self.outcome = outcome


class PaceCard:
    """The chip's side of PACE: :meth:`process` answers MSE:Set AT and the four GENERAL
    AUTHENTICATE steps with a :class:`Response` (never raises for bad input).

    ``infos`` are the PACEInfos the chip offers (EF.CardAccess); ``passwords`` the passwords it
    knows by type; ``car`` the certification authority references sent with T_IC (87, 88).
    Status words: 6A80 unsupported protocol or malformed data, 6A88 unknown password, 6985
    step out of order, 6300 wrong token (the password was wrong). After ESTABLISHED,
    :attr:`session` is the :class:`IsoSmCard` with SSC 0. The chaining bit of CLA is not
    checked (the card OS may have consumed it).
    """

    def __init__(
        self,
        infos: Sequence[PaceInfo],
        passwords: Mapping[PasswordType, PacePassword],
        rng: Rng,
        *,
        nonce_length: int = NONCE_LENGTH,
        car: Sequence[bytes] = (),
        mode: SmMode = SmMode.COMBINED,
    ) -> None:
        for info in infos:
            _checked_setup(info)
        if nonce_length <= 0 or nonce_length % 16:
            raise UsageError("the nonce length must be a positive multiple of 16 bytes")
        if len(car) > 2:
            raise UsageError("at most two certification authority references (87, 88)")
        self._infos = tuple(infos)
        self._passwords = dict(passwords)
        self._rng = rng
        self._nonce_length = nonce_length
        self._car = tuple(car)
        self._mode = mode
        self.outcome = PaceOutcome.IDLE
        self.password_type: PasswordType | None = None
        self.session: IsoSmCard | None = None
        self.keys: SessionKeys | None = None
        self._reset()

    def _reset(self) -> None:
        self._algorithm: PaceAlgorithm | None = None
        self._group: PaceGroup | None = None
        self._step = 0
        self._nonce = b""
        self._private = 0
        self._generator = b""
        self._public = b""
        self._terminal_public = b""
        self._pending_keys: SessionKeys | None = None
        self._password: PacePassword | None = None

    def process(self, command: Command) -> Response:
        """Answer one command (MSE:Set AT or GENERAL AUTHENTICATE)."""
        try:
            if command.ins == INS_MSE:
                return self._set_at(command)
            if command.ins == INS_GENERAL_AUTHENTICATE:
                return self._authenticate(command)
            raise _CardFailure(SW.INS_NOT_SUPPORTED, self.outcome)
        except _CardFailure as failure:
            if command.ins in (INS_MSE, INS_GENERAL_AUTHENTICATE):
                self._reset()
                self.outcome = failure.outcome
            return Response(sw=failure.sw)

    def _fail(self, sw: int, outcome: PaceOutcome = PaceOutcome.ABORTED) -> NoReturn:
        raise _CardFailure(sw, outcome)

    def _set_at(self, command: Command) -> Response:
        if (command.p1, command.p2) != (MSE_SET_AT_P1, MSE_SET_AT_P2):
            self._fail(SW.INCORRECT_P1_P2)
        try:
            nodes = tlv.parse(command.data)
        except DecodeError:
            self._fail(SW.INCORRECT_DATA)
        values: dict[int, bytes] = {}
        for node in nodes:
            if node.tag in values or node.tag not in (
                TAG_PROTOCOL,
                TAG_PASSWORD_REFERENCE,
                TAG_PARAMETER_ID,
                TAG_CHAT,
                TAG_AUXILIARY_DATA,
            ):
                self._fail(SW.INCORRECT_DATA)
            values[node.tag] = node.value
        oid = values.get(TAG_PROTOCOL)
        reference = values.get(TAG_PASSWORD_REFERENCE)
        if oid is None or reference is None or len(reference) != 1:
            self._fail(SW.INCORRECT_DATA)
        pid_bytes = values.get(TAG_PARAMETER_ID)
        if pid_bytes is not None and len(pid_bytes) != 1:
            self._fail(SW.INCORRECT_DATA)
        pid = pid_bytes[0] if pid_bytes is not None else None
        info = next(
            (
                i
                for i in self._infos
                if algorithm_for(i.protocol).oid_content == oid
                and (pid is None or i.parameter_id == pid)
            ),
            None,
        )
        if info is None:
            self._fail(SW.INCORRECT_DATA)  # 9303-11 4.4.4.1: protocol / parameters unsupported
        try:
            kind = PasswordType(reference[0])
        except ValueError:
            self._fail(SW.INCORRECT_DATA)
        if kind not in self._passwords:
            self._fail(SW.REFERENCED_DATA_NOT_FOUND)
        self._reset()
        self._algorithm, self._group = _checked_setup(info)
        self._password = self._passwords[kind]
        self.password_type = kind
        self.outcome = PaceOutcome.RUNNING
        self.session = None
        self.keys = None
        self._step = 1
        return Response()

    def _objects(self, command: Command, tag: int | None) -> dict[int, bytes]:
        allowed = () if tag is None else (tag,)
        try:
            return _dynamic_objects(command.data, allowed, tag)
        except DecodeError:
            self._fail(SW.INCORRECT_DATA)

    def _public_key(self, group: PaceGroup, data: bytes) -> bytes:
        try:
            return group.check_public_key(data)
        except DecodeError:
            self._fail(SW.INCORRECT_DATA)

    def _authenticate(self, command: Command) -> Response:
        algorithm, group, password = self._algorithm, self._group, self._password
        step = self._step
        if command.p1 or command.p2:
            self._fail(SW.INCORRECT_P1_P2)  # 9303-11 4.4.4.2: P1 P2 are 00 00
        if algorithm is None or group is None or password is None:
            self._fail(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # no MSE:Set AT before
        if step == 1:
            # 9303-11 4.4.3.1: z = E(K_pi, s) for a random nonce s.
            self._objects(command, None)
            self._nonce = self._rng(self._nonce_length)
            k_pi = password.key(algorithm.key_type)
            answer = tlv.tlv(
                TAG_ENCRYPTED_NONCE, encrypt_nonce(algorithm.key_type, k_pi, self._nonce)
            )
        elif step == 2:
            objects = self._objects(command, TAG_MAPPING_DATA_IFD)
            terminal_mapping = self._public_key(group, objects[TAG_MAPPING_DATA_IFD])
            private = group.private_key(self._rng)
            answer = tlv.tlv(TAG_MAPPING_DATA_IC, group.public_key(private, group.generator))
            secret = group.mapping_secret(private, terminal_mapping)
            self._generator = group.map_generator(self._nonce, secret)
        elif step == 3:
            objects = self._objects(command, TAG_EPHEMERAL_KEY_IFD)
            terminal_public = self._public_key(group, objects[TAG_EPHEMERAL_KEY_IFD])
            self._private = group.private_key(self._rng)
            self._public = group.public_key(self._private, self._generator)
            if hmac.compare_digest(terminal_public, self._public):
                self._fail(SW.INCORRECT_DATA)  # 9303-11 4.4.3.3.2: PK_IFD must differ
            self._terminal_public = terminal_public
            shared = group.shared_secret(self._private, terminal_public)
            self._pending_keys = SessionKeys.derive(algorithm.key_type, shared)
            answer = tlv.tlv(TAG_EPHEMERAL_KEY_IC, self._public)
        elif step == 4:
            objects = self._objects(command, TAG_TOKEN_IFD)
            keys = self._pending_keys
            assert keys is not None
            expected = authentication_token(
                keys.key_type, keys.ks_mac, group.public_key_data(algorithm, self._public)
            )
            if not hmac.compare_digest(expected, objects[TAG_TOKEN_IFD]):
                self._fail(SW.VERIFICATION_FAILED, PaceOutcome.AUTHENTICATION_FAILED)
            token = authentication_token(
                keys.key_type,
                keys.ks_mac,
                group.public_key_data(algorithm, self._terminal_public),
            )
            answer = tlv.tlv(TAG_TOKEN_IC, token) + b"".join(
                tlv.tlv(tag, car)
                for tag, car in zip((TAG_CAR_1, TAG_CAR_2), self._car, strict=False)
            )
            kind = self.password_type
            self._reset()
            self.password_type = kind
            self.keys = keys
            self.session = keys.card_session(self._mode)
            self.outcome = PaceOutcome.ESTABLISHED
            return Response(tlv.tlv(TAG_DYNAMIC_AUTHENTICATION_DATA, answer))
        else:
            self._fail(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        self._step = step + 1
        return Response(tlv.tlv(TAG_DYNAMIC_AUTHENTICATION_DATA, answer))

    def __repr__(self) -> str:
        return f"PaceCard({self.outcome.value})"


__all__ = [
    "ALGORITHMS",
    "ID_PACE_DH_GM_3DES_CBC_CBC",
    "ID_PACE_DH_GM_AES_CBC_CMAC_128",
    "ID_PACE_DH_GM_AES_CBC_CMAC_192",
    "ID_PACE_DH_GM_AES_CBC_CMAC_256",
    "ID_PACE_ECDH_GM_3DES_CBC_CBC",
    "ID_PACE_ECDH_GM_AES_CBC_CMAC_128",
    "ID_PACE_ECDH_GM_AES_CBC_CMAC_192",
    "ID_PACE_ECDH_GM_AES_CBC_CMAC_256",
    "SUPPORTED_PARAMETER_IDS",
    "DhModpGroup",
    "EcGroup",
    "KeyAgreement",
    "MappingKind",
    "PaceAlgorithm",
    "PaceCard",
    "PaceGroup",
    "PaceHost",
    "PaceOutcome",
    "PacePassword",
    "PaceResult",
    "PasswordType",
    "SessionKeys",
    "algorithm_for",
    "authentication_token",
    "decrypt_nonce",
    "domain_parameters",
    "encrypt_nonce",
    "general_authenticate",
    "mse_set_at",
]
