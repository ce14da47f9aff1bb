"""EF.SOD, the Document Security Object: a CMS SignedData over the LDSSecurityObject (the hash
of every data group), signed by the Document Signer whose certificate it carries.

Sources: ICAO Doc 9303-10 4.6.2 (EF.SOD, tag 77), 9303-10 Appendix D / 9303-12 (the
LDSSecurityObject ASN.1), RFC 5652 5 (SignedData, SignerInfo, signed attributes 5.3-5.4)::

    LDSSecurityObject ::= SEQUENCE { version INTEGER, hashAlgorithm AlgorithmIdentifier,
        dataGroupHashValues SEQUENCE OF DataGroupHash, ldsVersionInfo ... OPTIONAL }
    DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING }

Parsed with pyasn1 and pyasn1-modules (RFC 5652 structures); built as DER by :func:`build_sod`
for the simulator.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from pyasn1.codec.der import encoder  # type: ignore[import-untyped]
from pyasn1.type import namedtype, univ, useful  # type: ignore[import-untyped]
from pyasn1_modules import rfc5652  # type: ignore[import-untyped]

from cardwire.der import decode_der
from cardwire.errors import DecodeError
from cardwire.tlv import Tlv, parse_one, tlv

ID_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"  # 9303-10: id-icao-mrtd-security-ldsSecurityObject
ID_SIGNED_DATA = "1.2.840.113549.1.7.2"  # RFC 5652 5.1
ID_CONTENT_TYPE = "1.2.840.113549.1.9.3"  # RFC 5652 11.1
ID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"  # RFC 5652 11.2
ID_SIGNING_TIME = "1.2.840.113549.1.9.5"  # RFC 5652 11.3
HASH_OIDS = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
HASH_OID_BY_NAME = {name: oid for oid, name in HASH_OIDS.items()}


class _DataGroupHash(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("dataGroupNumber", univ.Integer()),
        namedtype.NamedType("dataGroupHashValue", univ.OctetString()),
    )


class _LdsSecurityObject(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("version", univ.Integer()),
        namedtype.NamedType("hashAlgorithm", univ.Sequence()),
        namedtype.NamedType("dataGroupHashValues", univ.SequenceOf(componentType=_DataGroupHash())),
        namedtype.OptionalNamedType("ldsVersionInfo", univ.Any()),
    )


@dataclass(frozen=True, slots=True)
class Sod:
    """The parts of EF.SOD Passive Authentication needs."""

    hash_algorithm: str  # hashlib name
    hashes: dict[int, bytes]  # data group number -> hash value
    certificates: tuple[bytes, ...]  # DER, the Document Signer's first when it is there
    signed_attributes: bytes  # DER of the SET OF attributes: what the signature covers
    signature_algorithm: str  # OID, dotted
    digest_algorithm: str  # hashlib name of the SignerInfo's digest algorithm
    signature: bytes
    message_digest: bytes | None
    content_type: str | None
    econtent: bytes  # the LDSSecurityObject DER (the signed eContent)
    signer_serial: int | None
    signing_time: datetime | None


def _hash_name(oid: str, what: str, where: str = "EF.SOD") -> str:
    name = HASH_OIDS.get(oid)
    if name is None:
        raise DecodeError(f"{where} {what}: unknown hash algorithm {oid}")
    return name


def parse_sod(data: bytes) -> Sod:
    """Decode EF.SOD (77 { ContentInfo }); :class:`DecodeError` when it is not one."""
    node: Tlv = parse_one(data, strict=False)
    if node.tag != 0x77:
        raise DecodeError(f"EF.SOD starts with tag {node.tag:X}, expected 77", 0)
    econtent_type, signed = parse_signed_data(node.value)
    if econtent_type != ID_LDS_SECURITY_OBJECT:
        raise DecodeError(f"EF.SOD holds eContentType {econtent_type}, not the LDSSecurityObject")
    lds = decode_der(signed.econtent, _LdsSecurityObject(), "EF.SOD LDSSecurityObject")
    algorithm = _hash_name(str(lds["hashAlgorithm"][0]), "LDSSecurityObject")
    hashes = {
        int(item["dataGroupNumber"]): bytes(item["dataGroupHashValue"])
        for item in lds["dataGroupHashValues"]
    }
    return replace(signed, hash_algorithm=algorithm, hashes=hashes)


def parse_signed_data(content_info: bytes, what: str = "EF.SOD") -> tuple[str, Sod]:
    """A CMS ContentInfo holding a SignedData with one SignerInfo (RFC 5652 5): its
    eContentType and its parts (``hashes`` empty: the caller decodes the eContent). EF.SOD and
    the ICAO master list (9303-12 9) are both such SignedData."""
    info = decode_der(content_info, rfc5652.ContentInfo(), f"{what} ContentInfo")
    if str(info["contentType"]) != ID_SIGNED_DATA:
        raise DecodeError(f"{what} does not hold a CMS SignedData")
    signed = decode_der(bytes(info["content"]), rfc5652.SignedData(), f"{what} SignedData")
    encap = signed["encapContentInfo"]
    if not encap["eContent"].isValue:
        raise DecodeError(f"{what} SignedData has no encapsulated content")
    econtent = bytes(encap["eContent"])
    certificates = tuple(
        bytes(encoder.encode(choice["certificate"]))
        for choice in signed["certificates"]
        if choice.getName() == "certificate"
    )
    signers = signed["signerInfos"]
    if len(signers) != 1:
        raise DecodeError(f"{what} has {len(signers)} SignerInfos, expected 1")
    signer = signers[0]
    attributes = signer["signedAttrs"]
    digest = content_type = signing_time = None
    for attribute in attributes:
        kind, values = str(attribute["attrType"]), attribute["attrValues"]
        if kind == ID_MESSAGE_DIGEST:
            digest = bytes(
                decode_der(bytes(values[0]), univ.OctetString(), f"{what} messageDigest")
            )
        elif kind == ID_CONTENT_TYPE:
            oid = decode_der(bytes(values[0]), univ.ObjectIdentifier(), f"{what} contentType")
            content_type = str(oid)
        elif kind == ID_SIGNING_TIME:
            time = decode_der(bytes(values[0]), rfc5652.Time(), f"{what} signingTime")
            signing_time = time.getComponent().asDateTime
    # RFC 5652 5.4: the signature covers the DER of the attributes as an explicit SET OF.
    signed_attributes = b"\x31" + bytes(encoder.encode(attributes))[1:]
    sid = signer["sid"]
    serial = (
        int(sid["issuerAndSerialNumber"]["serialNumber"])
        if sid.getName() == "issuerAndSerialNumber"
        else None
    )
    return str(encap["eContentType"]), Sod(
        hash_algorithm="",
        hashes={},
        certificates=certificates,
        signed_attributes=signed_attributes if attributes.isValue else b"",
        signature_algorithm=str(signer["signatureAlgorithm"]["algorithm"]),
        digest_algorithm=_hash_name(
            str(signer["digestAlgorithm"]["algorithm"]), "SignerInfo", what
        ),
        signature=bytes(signer["signature"]),
        message_digest=digest,
        content_type=content_type,
        econtent=econtent,
        signer_serial=serial,
        signing_time=signing_time,
    )


# --- building (the simulator's issuance) --------------------------------------------------


def _der(value: object) -> bytes:
    return bytes(encoder.encode(value))


def _oid(dotted: str) -> bytes:
    return _der(univ.ObjectIdentifier(dotted))


def algorithm_identifier(dotted: str, *, null: bool = False) -> bytes:
    """AlgorithmIdentifier ::= SEQUENCE { algorithm, parameters } (RFC 5280 4.1.1.2)."""
    return tlv(0x30, _oid(dotted) + (b"\x05\x00" if null else b""))


def lds_security_object(hash_name: str, hashes: dict[int, bytes]) -> bytes:
    """The LDSSecurityObject DER, version 0, with the data group hashes in number order."""
    entries = b"".join(
        tlv(0x30, _der(univ.Integer(n)) + tlv(0x04, hashes[n])) for n in sorted(hashes)
    )
    return tlv(
        0x30,
        _der(univ.Integer(0))
        + algorithm_identifier(HASH_OID_BY_NAME[hash_name])
        + tlv(0x30, entries),
    )


def signed_attributes(
    econtent: bytes,
    hash_name: str,
    signing_time: datetime,
    content_type: str = ID_LDS_SECURITY_OBJECT,
) -> bytes:
    """SET OF { contentType, messageDigest, signingTime } (RFC 5652 5.3, 11), DER sorted."""
    digest = hashlib.new(hash_name, econtent).digest()
    time = _der(useful.UTCTime.fromDateTime(signing_time))

    def attribute(kind: str, value: bytes) -> bytes:
        return tlv(0x30, _oid(kind) + tlv(0x31, value))

    items = [
        attribute(ID_CONTENT_TYPE, _oid(content_type)),
        attribute(ID_MESSAGE_DIGEST, tlv(0x04, digest)),
        attribute(ID_SIGNING_TIME, time),
    ]
    return tlv(0x31, b"".join(sorted(items)))  # X.690 11.6: SET OF in encoding order


@dataclass(frozen=True, slots=True)
class CmsSigner:
    """The one SignerInfo's parts besides the signed attributes (RFC 5652 5.3): the signature,
    its algorithm OID, the digest algorithm (hashlib name) and the signer's certificate (DER),
    named by its issuer (DER Name) and serial number."""

    signature: bytes
    signature_algorithm: str
    hash_name: str
    certificate: bytes
    issuer: bytes
    serial: int


def build_sod(*, econtent: bytes, attributes: bytes, signer: CmsSigner) -> bytes:
    """EF.SOD: 77 { ContentInfo { signedData, SignedData v3 } } (RFC 5652 5.1-5.3)."""
    return tlv(0x77, build_signed_data(ID_LDS_SECURITY_OBJECT, econtent, attributes, signer))


def build_signed_data(
    econtent_type: str, econtent: bytes, attributes: bytes, signer: CmsSigner
) -> bytes:
    """ContentInfo { signedData, SignedData v3 } with one signer (RFC 5652 5.1-5.3)."""
    digest_algorithm = algorithm_identifier(HASH_OID_BY_NAME[signer.hash_name])
    signer_info = tlv(
        0x30,
        _der(univ.Integer(1))  # version 1: sid is issuerAndSerialNumber (RFC 5652 5.3)
        + tlv(0x30, signer.issuer + _der(univ.Integer(signer.serial)))
        + digest_algorithm
        + b"\xa0"
        + attributes[1:]  # [0] IMPLICIT SignedAttributes
        + algorithm_identifier(signer.signature_algorithm)
        + tlv(0x04, signer.signature),
    )
    signed_data = tlv(
        0x30,
        _der(univ.Integer(3))  # version 3: eContentType is not id-data (RFC 5652 5.1)
        + tlv(0x31, digest_algorithm)
        + tlv(0x30, _oid(econtent_type) + tlv(0xA0, tlv(0x04, econtent)))
        + tlv(0xA0, signer.certificate)
        + tlv(0x31, signer_info),
    )
    return tlv(0x30, _oid(ID_SIGNED_DATA) + tlv(0xA0, signed_data))


__all__ = [
    "HASH_OIDS",
    "HASH_OID_BY_NAME",
    "ID_LDS_SECURITY_OBJECT",
    "CmsSigner",
    "Sod",
    "algorithm_identifier",
    "build_signed_data",
    "build_sod",
    "lds_security_object",
    "parse_signed_data",
    "parse_sod",
    "signed_attributes",
]
