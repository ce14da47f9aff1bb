"""The simulated ePassport's test PKI: a Country Signing CA, a Document Signer, the Active and
Chip Authentication keys, all derived from the profile's ``seed`` so a profile always issues
the same passport (and ``cardwire sim csca`` exports the certificate the SOD chains to).

ICAO Doc 9303-12 (PKI for MRTDs): the CSCA is self-signed (5.1, 7.1.1: basicConstraints CA,
keyUsage keyCertSign and cRLSign); the Document Signer certificate is issued by it (keyUsage
digitalSignature, 7.1.1). Keys are EC on the named curve P-256 (secp256r1), which Debian's
OpenSSL verifies, or RSA 2048 (``key_type: rsa``, :mod:`.rsa_keys`); the signatures are
deterministic (ECDSA per RFC 6979, RSA PKCS#1 v1.5) so the issued files are reproducible.
``key_type: brainpool`` issues brainpoolP256r1 keys (RFC 5639) whose certificates, DG14 and DG15
carry explicit domain parameters, as 9303-12 4.1.6.3 asks and many States do: ``cryptography``
builds the certificates on the named curve, then :func:`.ec_keys.with_explicit_key` re-encodes
the key and signs the TBSCertificate again. The
broken-passport options (docs/passport.md) bend this PKI: an expired DS certificate, a DS issued
by a foreign CSCA, AA and CA keys the chip does not hold.

This is a TEST PKI: its private keys follow from a public seed. Never trust its CSCA outside
tests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from cardwire.passport.ec_keys import explicit_spki, with_explicit_key
from cardwire.passport.sod import CmsSigner
from cardwire.sim.applets.epassport.rsa_keys import derive_rsa_key

CURVE = ec.SECP256R1()
SIGNING_TIME = datetime(2025, 1, 1, tzinfo=UTC)  # the SOD's signingTime (docs/passport.md)
_CSCA_VALIDITY = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2044, 1, 1, tzinfo=UTC))
_DS_VALIDITY = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2035, 1, 1, tzinfo=UTC))
_EXPIRED_DS_VALIDITY = (datetime(2022, 1, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC))
ECDSA_DETERMINISTIC = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
ID_MLS_KEY = "2.23.136.1.1.3"  # 9303-12: id-icao-cscaMasterListSigningKey
KeyType = Literal["ec", "rsa", "brainpool"]
SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
# RFC 5758 3.2 / RFC 4055 5: the SignerInfo's signature algorithm for each key type.
SIGNATURE_OIDS = {
    "ec": "1.2.840.10045.4.3.2",
    "brainpool": "1.2.840.10045.4.3.2",
    "rsa": "1.2.840.113549.1.1.11",
}
_BRAINPOOL_ORDER = (
    0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7  # RFC 5639 3.4
)


def derive_key(seed: str, label: str, *, brainpool: bool = False) -> ec.EllipticCurvePrivateKey:
    """A P-256 (or brainpoolP256r1) private key from ``seed`` and ``label`` (SHA-256 of both,
    reduced mod n)."""
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # FIPS 186-4 D.1.2.3
    curve: ec.EllipticCurve = CURVE
    if brainpool:
        order, curve = _BRAINPOOL_ORDER, ec.BrainpoolP256R1()
    digest = hashlib.sha256(f"cardwire test PKI|{seed}|{label}".encode()).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (order - 1) + 1, curve)


def signing_key(seed: str, label: str, key_type: KeyType = "ec") -> SigningKey:
    """The CSCA, DS, AA (or CA) key: EC P-256, RSA 2048 for "rsa", brainpoolP256r1 for
    "brainpool"."""
    if key_type == "rsa":
        return derive_rsa_key(seed, label)
    return derive_key(seed, label, brainpool=key_type == "brainpool")


def _explicit(key: SigningKey) -> bool:
    """Whether the key's certificates and data groups carry explicit EC parameters."""
    return isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name.startswith("brainpool")


def sign(key: SigningKey, data: bytes) -> bytes:
    """SHA-256 signature: deterministic ECDSA (DER) or RSA PKCS#1 v1.5."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ECDSA_DETERMINISTIC)


def _certify(
    builder: x509.CertificateBuilder, key: SigningKey, subject: SigningKey
) -> x509.Certificate:
    if isinstance(key, rsa.RSAPrivateKey):
        return builder.sign(key, hashes.SHA256())
    certificate = builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    if not _explicit(subject):
        return certificate
    assert isinstance(subject, ec.EllipticCurvePrivateKey)
    der = certificate.public_bytes(serialization.Encoding.DER)
    der = with_explicit_key(der, subject.public_key(), lambda tbs: sign(key, tbs))
    return x509.load_der_x509_certificate(der)


def _name(country: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cardwire test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, sign: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@cache
def csca_certificate(seed: str, key_type: KeyType = "ec") -> x509.Certificate:
    """The self-signed test CSCA (9303-12 7.1.1)."""
    key = signing_key(seed, "CSCA", key_type)
    name = _name("UT", "cardwire test CSCA")
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(_CSCA_VALIDITY[0])
        .not_valid_after(_CSCA_VALIDITY[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    return _certify(builder, key, key)


@dataclass(frozen=True, slots=True)
class DocumentSigner:
    """The DS key and certificate that sign EF.SOD."""

    key: SigningKey
    certificate: x509.Certificate

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def cms_signer(self, attributes: bytes) -> CmsSigner:
        """The SignerInfo parts of this signer's SHA-256 signature over ``attributes``."""
        key_type = "rsa" if isinstance(self.key, rsa.RSAPrivateKey) else "ec"
        return CmsSigner(
            signature=sign(self.key, attributes),
            signature_algorithm=SIGNATURE_OIDS[key_type],
            hash_name="sha256",
            certificate=self.certificate_der,
            issuer=self.certificate.issuer.public_bytes(),
            serial=self.certificate.serial_number,
        )


def _issued_signer(
    seed: str,
    label: str,
    key_type: KeyType,
    *,
    subject: str,
    serial: int,
    validity: tuple[datetime, datetime],
    foreign: bool,
    extensions: tuple[x509.ExtensionType, ...] = (),
) -> DocumentSigner:
    """A signing key and its certificate (9303-12 7.1.1: keyUsage digitalSignature), issued
    by the test CSCA or, ``foreign``, by another CSCA of the same name."""
    csca_seed = f"{seed}|foreign" if foreign else seed
    issuer = csca_certificate(csca_seed, key_type)
    issuer_key = signing_key(csca_seed, "CSCA", key_type)
    key = signing_key(seed, label, key_type)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name("UT", subject))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(_usage(sign=True), critical=True)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    builder = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
    )
    return DocumentSigner(key, _certify(builder, issuer_key, key))


@cache
def document_signer(
    seed: str, *, key_type: KeyType = "ec", expired: bool = False, foreign: bool = False
) -> DocumentSigner:
    """The DS certificate, issued by the test CSCA (or, ``foreign``, by another CSCA of the
    same name: a chain that must not verify)."""
    return _issued_signer(
        seed,
        "DS",
        key_type,
        subject="cardwire test Document Signer",
        serial=2,
        validity=_EXPIRED_DS_VALIDITY if expired else _DS_VALIDITY,
        foreign=foreign,
    )


@cache
def master_list_signer(
    seed: str, key_type: KeyType = "ec", *, foreign: bool = False
) -> DocumentSigner:
    """The Master List Signer (9303-12 7.1.1: digitalSignature, extKeyUsage
    id-icao-cscaMasterListSigningKey), issued by the test CSCA (or, ``foreign``, by another CSCA
    of the same name that the list does not hold)."""
    purpose = x509.ExtendedKeyUsage([x509.ObjectIdentifier(ID_MLS_KEY)])
    return _issued_signer(
        seed,
        "MLS",
        key_type,
        subject="cardwire test Master List Signer",
        serial=3,
        validity=_DS_VALIDITY,
        foreign=foreign,
        extensions=(purpose,),
    )


def csca_crl(seed: str, key_type: KeyType = "ec", revoked: tuple[int, ...] = ()) -> bytes:
    """A CRL of the test CSCA (9303-12 7.1.4: issued and signed by the CSCA) revoking the
    certificates whose serial numbers are ``revoked`` (the DS is serial 2), PEM."""
    key = signing_key(seed, "CSCA", key_type)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(csca_certificate(seed, key_type).subject)
        .last_update(SIGNING_TIME)
        .next_update(_CSCA_VALIDITY[1])
    )
    for serial in revoked:
        entry = x509.RevokedCertificateBuilder().serial_number(serial)
        builder = builder.add_revoked_certificate(entry.revocation_date(SIGNING_TIME).build())
    if isinstance(key, rsa.RSAPrivateKey):
        crl = builder.sign(key, hashes.SHA256())
    else:
        crl = builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    return crl.public_bytes(serialization.Encoding.PEM)


def csca_pem(seed: str, key_type: KeyType = "ec") -> bytes:
    """The test CSCA certificate as PEM (what ``cardwire sim csca`` writes)."""
    return csca_certificate(seed, key_type).public_bytes(serialization.Encoding.PEM)


def public_key_info(key: SigningKey) -> bytes:
    """SubjectPublicKeyInfo DER of ``key``'s public half (DG14, DG15); explicit parameters
    for a brainpool key (9303-12 4.1.6.3)."""
    if _explicit(key):
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return explicit_spki(key.public_key())
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


__all__ = [
    "CURVE",
    "ECDSA_DETERMINISTIC",
    "ID_MLS_KEY",
    "SIGNATURE_OIDS",
    "SIGNING_TIME",
    "DocumentSigner",
    "KeyType",
    "SigningKey",
    "csca_certificate",
    "csca_crl",
    "csca_pem",
    "derive_key",
    "document_signer",
    "master_list_signer",
    "public_key_info",
    "sign",
    "signing_key",
]
