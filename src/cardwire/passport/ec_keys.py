"""EC public keys with explicit domain parameters, parsed and used without ``cryptography``.

ICAO Doc 9303-12 4.1.6.3 asks EC keys in CSCA and Document Signer certificates (and the DG14
and DG15 keys of many States) to carry explicit domain parameters (RFC 3279 2.3.5, SEC 1 v2
C.2) instead of a named-curve OID. ``cryptography`` refuses such keys unless they map to
secp256r1/384r1/521r1, so brainpool keys, the common case, fail to load. This module parses
the SubjectPublicKeyInfo with pyasn1 (pyasn1-modules RFC 5280 / RFC 3279 structures), accepts
the parameters only when they are exactly one of cardwire's curves (:mod:`ec_arith`: brainpool
P256r1/384r1/512r1 from RFC 5639, NIST P-256/384/521), and verifies ECDSA with
:mod:`cardwire.crypto.ecdsa_verify`. Parameters of another curve are refused: a verifier that
takes any curve from the key could be handed a weak one.

It also builds such keys and re-signs certificates to carry them, for the simulator's
``key_type: brainpool`` passports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from pyasn1.codec.der import encoder  # type: ignore[import-untyped]
from pyasn1.type import univ  # type: ignore[import-untyped]
from pyasn1_modules import rfc3279, rfc5280  # type: ignore[import-untyped]

from cardwire.crypto.ec_arith import CURVES, Curve, Point, decode_point, encode_point
from cardwire.crypto.ecdsa_verify import decode_der_signature, verify
from cardwire.der import decode_der
from cardwire.errors import DecodeError
from cardwire.tlv import tlv

ID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"  # RFC 5480 2.1.1
ID_PRIME_FIELD = "1.2.840.10045.1.1"  # RFC 3279 2.3.5 / X9.62 prime-field
NAMED_CURVES = {  # RFC 5639 4.1 (brainpool), RFC 5480 2.1.1.1 (NIST)
    "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
    "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
    "1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
    "1.2.840.10045.3.1.7": "secp256r1",
    "1.3.132.0.34": "secp384r1",
    "1.3.132.0.35": "secp521r1",
}
# RFC 5758 3.2: ecdsa-with-SHA* -> hash.
ECDSA_SIGNATURE_HASHES = {
    "1.2.840.10045.4.1": "sha1",
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}
CRYPTOGRAPHY_CURVES: dict[str, Callable[[], ec.EllipticCurve]] = {
    "brainpoolP256r1": ec.BrainpoolP256R1,
    "brainpoolP384r1": ec.BrainpoolP384R1,
    "brainpoolP512r1": ec.BrainpoolP512R1,
    "secp256r1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
}


@dataclass(frozen=True, slots=True)
class EcPublicKey:
    """An EC public key: its curve (one of cardwire's), the point, and whether the key came
    with explicit parameters."""

    curve: Curve
    point: Point
    explicit: bool

    def to_cryptography(self) -> ec.EllipticCurvePublicKey:
        """The same key as a named-curve ``cryptography`` key (ECDH, Chip Authentication)."""
        curve = CRYPTOGRAPHY_CURVES[self.curve.name]()
        return ec.EllipticCurvePublicNumbers(self.point.x, self.point.y, curve).public_key()


def _explicit_curve(parameters: object) -> Curve:
    """The cardwire curve with exactly these ECParameters (RFC 3279 2.3.5)."""
    fields = parameters["fieldID"]  # type: ignore[index]
    if str(fields["fieldType"]) != ID_PRIME_FIELD:
        raise DecodeError("explicit EC parameters over a binary field are not supported")
    p = int(decode_der(bytes(fields["parameters"]), rfc3279.Prime_p(), "EC prime"))
    shape = parameters["curve"]  # type: ignore[index]
    a = int.from_bytes(bytes(shape["a"]), "big")
    b = int.from_bytes(bytes(shape["b"]), "big")
    n = int(parameters["order"])  # type: ignore[index]
    cofactor = parameters["cofactor"]  # type: ignore[index]
    h = int(cofactor) if cofactor.isValue else 1
    for curve in CURVES.values():
        if (curve.p, curve.a % curve.p, curve.b, curve.n, curve.h) == (p, a % p, b, n, h):
            base = decode_point(curve, bytes(parameters["base"]))  # type: ignore[index]
            if base == curve.generator:
                return curve
    raise DecodeError("explicit EC parameters of a curve cardwire does not know")


def parse_ec_public_key(spki: bytes) -> EcPublicKey | None:
    """An EC SubjectPublicKeyInfo (named or explicit parameters); None when the key is not
    id-ecPublicKey; :class:`DecodeError` when it is malformed or on an unknown curve."""
    info = decode_der(spki, rfc5280.SubjectPublicKeyInfo(), "SubjectPublicKeyInfo")
    algorithm = info["algorithm"]
    if str(algorithm["algorithm"]) != ID_EC_PUBLIC_KEY:
        return None
    parameters = decode_der(bytes(algorithm["parameters"]), rfc3279.EcpkParameters(), "EC params")
    kind = parameters.getName()
    if kind == "namedCurve":
        name = NAMED_CURVES.get(str(parameters["namedCurve"]))
        if name is None:
            raise DecodeError(f"unknown named curve {parameters['namedCurve']}")
        curve, explicit = CURVES[name], False
    elif kind == "ecParameters":
        curve, explicit = _explicit_curve(parameters["ecParameters"]), True
    else:
        raise DecodeError("implicitlyCA EC parameters name no curve")
    point = decode_point(curve, info["subjectPublicKey"].asOctets())
    return EcPublicKey(curve, point, explicit)


def verify_ecdsa(spki: bytes, message: bytes, signature: bytes, hash_name: str) -> bool:
    """Whether the DER ECDSA ``signature`` of ``message`` verifies with the key ``spki``."""
    key = parse_ec_public_key(spki)
    if key is None:
        raise DecodeError("not an EC public key")
    r, s = decode_der_signature(signature)
    return verify(key.curve, key.point, message, r, s, hash_name)


def certificate_spki(certificate: bytes) -> bytes:
    """The SubjectPublicKeyInfo DER of an X.509 certificate (RFC 5280 4.1.2.7)."""
    cert = decode_der(certificate, rfc5280.Certificate(), "certificate")
    return bytes(encoder.encode(cert["tbsCertificate"]["subjectPublicKeyInfo"]))


def verify_certificate(certificate: bytes, issuer_spki: bytes) -> bool:
    """Whether ``certificate``'s ECDSA signature over its TBSCertificate verifies with the
    issuer's EC key (RFC 5280 4.1.1.2-4.1.1.3, RFC 5758 3.2)."""
    cert = decode_der(certificate, rfc5280.Certificate(), "certificate")
    oid = str(cert["signatureAlgorithm"]["algorithm"])
    hash_name = ECDSA_SIGNATURE_HASHES.get(oid)
    if hash_name is None:
        raise DecodeError(f"the certificate's signature algorithm {oid} is not ECDSA")
    tbs = bytes(encoder.encode(cert["tbsCertificate"]))
    signature = cert["signature"].asOctets()
    return verify_ecdsa(issuer_spki, tbs, signature, hash_name)


# --- building (the simulator) --------------------------------------------------------------


def _integer(value: int) -> bytes:
    return bytes(encoder.encode(univ.Integer(value)))


def _oid(dotted: str) -> bytes:
    return bytes(encoder.encode(univ.ObjectIdentifier(dotted)))


def explicit_parameters(curve: Curve) -> bytes:
    """ECParameters DER (RFC 3279 2.3.5, SEC 1 v2 C.2): version 1, prime field, a, b (octet
    strings of the length of p), the uncompressed base point, order and cofactor."""
    size = curve.coordinate_size
    a, b = curve.a.to_bytes(size, "big"), curve.b.to_bytes(size, "big")
    return tlv(
        0x30,
        _integer(1)
        + tlv(0x30, _oid(ID_PRIME_FIELD) + _integer(curve.p))
        + tlv(0x30, tlv(0x04, a) + tlv(0x04, b))
        + tlv(0x04, encode_point(curve, curve.generator))
        + _integer(curve.n)
        + _integer(curve.h),
    )


def explicit_spki(key: ec.EllipticCurvePublicKey) -> bytes:
    """``key`` as a SubjectPublicKeyInfo with explicit domain parameters (9303-12 4.1.6.3)."""
    curve = CURVES[key.curve.name]
    numbers = key.public_numbers()
    point = encode_point(curve, Point(numbers.x, numbers.y))
    algorithm = tlv(0x30, _oid(ID_EC_PUBLIC_KEY) + explicit_parameters(curve))
    return tlv(0x30, algorithm + tlv(0x03, b"\x00" + point))


def with_explicit_key(
    certificate: bytes, subject_key: ec.EllipticCurvePublicKey, sign: Callable[[bytes], bytes]
) -> bytes:
    """``certificate`` with its subject key re-encoded with explicit parameters and the
    TBSCertificate signed again by ``sign`` (the issuer's DER ECDSA signature)."""
    cert = decode_der(certificate, rfc5280.Certificate(), "certificate")
    spki = decode_der(explicit_spki(subject_key), rfc5280.SubjectPublicKeyInfo(), "SPKI")
    tbs = cert["tbsCertificate"]
    tbs["subjectPublicKeyInfo"] = spki
    tbs_der = bytes(encoder.encode(tbs))
    signature = univ.BitString.fromOctetString(sign(tbs_der))
    algorithm = bytes(encoder.encode(cert["signatureAlgorithm"]))
    return tlv(0x30, tbs_der + algorithm + bytes(encoder.encode(signature)))


__all__ = [
    "ECDSA_SIGNATURE_HASHES",
    "NAMED_CURVES",
    "EcPublicKey",
    "certificate_spki",
    "explicit_parameters",
    "explicit_spki",
    "parse_ec_public_key",
    "verify_certificate",
    "verify_ecdsa",
    "with_explicit_key",
]
