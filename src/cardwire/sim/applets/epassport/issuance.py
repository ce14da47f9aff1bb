"""The simulated ePassport issues itself: EF.COM, DG2 with the face, DG11, DG12, DG14, DG15
and EF.SOD signed by the test Document Signer (:mod:`cardwire.sim.applets.epassport.pki`).

Sources: ICAO Doc 9303-10 4.6 (EF.COM, EF.SOD), 4.7 (DG2 75/7F61/7F60, DG11 6B, DG12 6C,
DG14 6E, DG15 6F), ISO/IEC 19794-5:2005 5.4-5.8 (the facial record inside DG2), 9303-11 9.2
(DG14's SecurityInfos), RFC 5652 (the SOD's SignedData, built by :mod:`cardwire.passport.sod`).

The profile's ``issuance`` section (:class:`IssuanceConfig`) gives the personal details, the
PKI seed and the broken-passport options (docs/passport.md):

- ``tampered_dg``: DG11 on the chip differs from the DG11 the SOD hashed (hash mismatch);
- ``sod_signature``: the SOD's signature has one bit flipped;
- ``expired_ds``: the DS certificate expired before the SOD's signing time;
- ``foreign_ds``: the DS certificate is issued by another CSCA (the chain fails);
- ``aa_key`` / ``ca_key``: the chip answers AA / CA with a key other than DG15's / DG14's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import ec

from cardwire.crypto.dh_groups import MODP_2048_224
from cardwire.passport.dh_keys import DhPrivateKey, dh_spki
from cardwire.passport.security_infos import (
    ECDSA_SHA256,
    ID_CA_DH,
    ID_CA_ECDH,
    ID_PK_DH,
    ID_PK_ECDH,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKey,
    build_dg14,
)
from cardwire.passport.sod import build_sod, lds_security_object, signed_attributes
from cardwire.sim.applets.epassport.pki import (
    ECDSA_DETERMINISTIC,
    SIGNING_TIME,
    KeyType,
    SigningKey,
    derive_key,
    document_signer,
    public_key_info,
    signing_key,
)
from cardwire.sm.card_access import PaceInfo
from cardwire.tlv import tlv

BrokenOption = Literal[
    "tampered_dg", "sod_signature", "expired_ds", "foreign_ds", "aa_key", "ca_key"
]
DG_TEMPLATE_TAGS = {1: 0x61, 2: 0x75, 11: 0x6B, 12: 0x6C, 14: 0x6E, 15: 0x6F}  # 9303-10 4.6.1
TAMPERED_DG = 11
CA_PROTOCOLS = {  # 9303-11 9.2.5: id-CA-(EC)DH-3DES-CBC-CBC, -AES-CBC-CMAC-128/192/256
    (family, name): f"{oid}.{arc}"
    for family, oid in (("ec", ID_CA_ECDH), ("dh", ID_CA_DH))
    for arc, name in enumerate(("3des", "aes128", "aes192", "aes256"), 1)
}
CA_DH_GROUP = MODP_2048_224  # RFC 5114 2.2, PACE's standardized domain parameters id 2
FACE_WIDTH, FACE_HEIGHT = 240, 320  # the shipped face.jpg (scripts/make_face.py)


@dataclass(frozen=True, kw_only=True)
class IssuanceConfig:
    """The profile's ``issuance`` section: details printed in DG11/DG12, the PKI seed and the
    broken-passport options."""

    seed: str = "cardwire specimen passport"
    full_name: str = "ERIKSSON, ANNA MARIA"
    place_of_birth: str = "ZENITH, UTOPIA"
    full_date_of_birth: str = field(default="19690806", metadata={"number_as_text": True})
    issuing_authority: str = "UTOPIA PASSPORT OFFICE"
    date_of_issue: str = field(default="19840624", metadata={"number_as_text": True})
    # The Chip Authentication cipher DG14 announces (9303-11 9.2.5: id-CA-ECDH-<cipher>).
    chip_authentication: Literal["3des", "aes128", "aes192", "aes256"] = field(
        default="aes128", metadata={"omit_default": True}
    )
    # CSCA, DS and AA keys: EC P-256, RSA 2048 or brainpoolP256r1 with explicit parameters
    # (docs/passport.md); the CA key is ECDH (brainpool explicit with "brainpool", else P-256).
    key_type: KeyType = field(default="ec", metadata={"omit_default": True})
    # The Chip Authentication key: "ec" (ECDH, as key_type says) or "dh" (DH in RFC 5114's
    # 2048-bit group with a 224-bit subgroup, 2.2; DG14 announces id-PK-DH / id-CA-DH-*).
    ca_key: Literal["ec", "dh"] = field(default="ec", metadata={"omit_default": True})
    broken: tuple[BrokenOption, ...] = field(default=(), metadata={"omit_default": True})


@cache
def face_jpeg() -> bytes:
    """The built-in face image (drawn by scripts/make_face.py; no real person)."""
    return resources.files("cardwire.sim.applets.epassport").joinpath("face.jpg").read_bytes()


def facial_record(jpeg: bytes, width: int = FACE_WIDTH, height: int = FACE_HEIGHT) -> bytes:
    """An ISO/IEC 19794-5:2005 facial record holding one JPEG (5.4 header, 5.5 facial
    information, 5.7 image information, 5.8 image data)."""
    information = bytes.fromhex("00000200000000000001000000000000")
    # 5.5: no feature points, gender 02 female, eyes/hair unspecified, neutral expression.
    image_info = bytes([0x01, 0x00]) + width.to_bytes(2, "big") + height.to_bytes(2, "big")
    image_info += bytes([0x01, 0x02, 0x00, 0x00, 0x00, 0x00])  # full frontal, JPEG, RGB
    block = information + image_info + jpeg
    block = (len(block) + 4).to_bytes(4, "big") + block
    return b"FAC\x00010\x00" + (14 + len(block)).to_bytes(4, "big") + b"\x00\x01" + block


def dg2_photo(jpeg: bytes | None = None) -> bytes:
    """EF.DG2 with one face: 75 { 7F61 { 02 01, 7F60 { A1 header, 5F2E facial record } } }."""
    # 9303-10 4.7.2.1: CBEFF header 80 version, 81 type 02 (face), 87 format owner 0101
    # (ISO/IEC JTC 1 SC 37), 88 format type 0008 (19794-5 face image).
    header = bytes.fromhex("800201018101028702010188020008")
    record = facial_record(face_jpeg() if jpeg is None else jpeg)
    template = tlv(0x7F60, tlv(0xA1, header) + tlv(0x5F2E, record))
    return tlv(0x75, tlv(0x7F61, bytes.fromhex("020101") + template))


def ef_com(data_groups: list[int]) -> bytes:
    """EF.COM: 60 { 5F01 "0107", 5F36 "040000", 5C tags } (9303-10 4.6.1, LDS 1.7)."""
    tags = bytes(DG_TEMPLATE_TAGS.get(n, 0x60 + n) for n in sorted(data_groups))
    return tlv(0x60, tlv(0x5F01, b"0107") + tlv(0x5F36, b"040000") + tlv(0x5C, tags))


# The default passport's EF.COM: DG1, DG2, DG11, DG12, DG14 and DG15 (26 bytes).
ISSUED_EF_COM = ef_com([1, 2, 11, 12, 14, 15])


def _text_group(tag: int, items: list[tuple[int, str]]) -> bytes:
    # 9303-10 4.7.11/4.7.12: 5C lists the tags present, then each element.
    tags = b"".join(t.to_bytes(2, "big") for t, _ in items)
    return tlv(tag, tlv(0x5C, tags) + b"".join(tlv(t, v.encode()) for t, v in items))


class Issuer:
    """Generates the issued files of one profile (pure: the same section, the same bytes)."""

    def __init__(self, config: IssuanceConfig, pace: tuple[PaceInfo, ...]) -> None:
        self.config = config
        self.pace = pace
        seed, broken = config.seed, set(config.broken)
        kind = config.key_type
        self.aa_key: SigningKey = signing_key(seed, "AA", kind)
        self.ca_key = self._ca_key("CA")
        # The keys the chip answers with: DG15's / DG14's unless a broken option says not.
        self.chip_aa_key = (
            signing_key(seed, "AA-other", kind) if "aa_key" in broken else self.aa_key
        )
        self.chip_ca_key = self._ca_key("CA-other") if "ca_key" in broken else self.ca_key

    def _ca_key(self, label: str) -> ec.EllipticCurvePrivateKey | DhPrivateKey:
        config = self.config
        if config.ca_key == "dh":
            # x in [1, q-1] from the seed, as derive_key does for EC (SP 800-56A 5.6.1.1).
            digest = hashlib.sha256(f"cardwire test PKI|{config.seed}|{label}|DH".encode())
            x = int.from_bytes(digest.digest(), "big") % (CA_DH_GROUP.q - 1) + 1
            return DhPrivateKey(CA_DH_GROUP, x)
        # A brainpool passport's CA key is explicit brainpool in DG14 too.
        return derive_key(config.seed, label, brainpool=config.key_type == "brainpool")

    def dg11(self, *, pristine: bool = False) -> bytes:
        name = self.config.full_name
        if TAMPERED_DG == 11 and "tampered_dg" in self.config.broken and not pristine:
            name = name.replace("A", "O", 1)  # the chip's DG11 is not the one the SOD hashed
        return _text_group(
            0x6B,
            [
                (0x5F0E, name),
                (0x5F2B, self.config.full_date_of_birth),
                (0x5F11, self.config.place_of_birth),
            ],
        )

    def dg12(self) -> bytes:
        return _text_group(
            0x6C,
            [(0x5F19, self.config.issuing_authority), (0x5F26, self.config.date_of_issue)],
        )

    def dg14(self) -> bytes:
        key = self.ca_key
        if isinstance(key, DhPrivateKey):
            # 9303-11 9.2.6: id-PK-DH with an X9.42 SubjectPublicKeyInfo (p, g, q).
            chip_key = ChipAuthenticationPublicKey(ID_PK_DH, dh_spki(key.public_key()))
        else:
            chip_key = ChipAuthenticationPublicKey(ID_PK_ECDH, public_key_info(key))
        protocol = CA_PROTOCOLS[self.config.ca_key, self.config.chip_authentication]
        return build_dg14(
            chip_key=chip_key,
            chip_info=ChipAuthenticationInfo(protocol, 1),
            # 9303-11 9.2.7: ActiveAuthenticationInfo names the ECDSA hash; RSA AA needs none.
            aa_algorithm=ECDSA_SHA256 if self.config.key_type != "rsa" else None,
            pace=self.pace,
        )

    def dg15(self) -> bytes:
        return tlv(0x6F, public_key_info(self.aa_key))

    def content(self, kind: str, data_groups: list[int]) -> bytes | None:
        """The generated content ``kind`` ("com", "dg11", ...); None when not an issued kind."""
        makers = {
            "com": lambda: ef_com(data_groups),
            "dg11": self.dg11,
            "dg12": self.dg12,
            "dg14": self.dg14,
            "dg15": self.dg15,
        }
        maker = makers.get(kind)
        return maker() if maker else None

    def sod(self, data_groups: dict[int, bytes]) -> bytes:
        """EF.SOD over ``data_groups`` (number -> content), SHA-256, signed by the DS."""
        broken = set(self.config.broken)
        hashes = {}
        for number, content in data_groups.items():
            hashed = content
            if number == TAMPERED_DG and "tampered_dg" in broken:
                hashed = self.dg11(pristine=True)
            hashes[number] = hashlib.sha256(hashed).digest()
        econtent = lds_security_object("sha256", hashes)
        attributes = signed_attributes(econtent, "sha256", SIGNING_TIME)
        signer = document_signer(
            self.config.seed,
            key_type=self.config.key_type,
            expired="expired_ds" in broken,
            foreign="foreign_ds" in broken,
        )
        cms = signer.cms_signer(attributes)
        if "sod_signature" in broken:
            flipped = cms.signature[:-1] + bytes([cms.signature[-1] ^ 0x01])
            cms = replace(cms, signature=flipped)
        return build_sod(econtent=econtent, attributes=attributes, signer=cms)


def sign_aa(key: SigningKey, challenge: bytes, rng: Callable[[int], bytes]) -> bytes:
    """The chip's Active Authentication answer: ECDSA plain, or RSA ISO/IEC 9796-2 scheme 1
    with SHA-1 and trailer BC (9303-11 6.1.2.1): F = 6A || M1 || SHA-1(M1 || challenge) || BC,
    M1 random, the signature the smaller of F^d and n - F^d mod n (9796-2 B.6)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return sign_plain(key, challenge)
    size = (key.key_size + 7) // 8
    m1 = rng(size - 22)
    f = int.from_bytes(b"\x6a" + m1 + hashlib.sha1(m1 + challenge).digest() + b"\xbc", "big")  # noqa: S324 - the scheme's hash
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    signature = pow(f, numbers.d, n)
    return min(signature, n - signature).to_bytes(size, "big")


def sign_plain(key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    """ECDSA-SHA256 signature in the plain format r || s (BSI TR-03111 5.2.1)."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(key.sign(message, ECDSA_DETERMINISTIC))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


__all__ = [
    "ISSUED_EF_COM",
    "BrokenOption",
    "IssuanceConfig",
    "Issuer",
    "dg2_photo",
    "ef_com",
    "face_jpeg",
    "facial_record",
    "sign_aa",
    "sign_plain",
]
