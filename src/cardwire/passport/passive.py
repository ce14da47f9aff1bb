"""Passive Authentication (ICAO Doc 9303-11 5.1, 9303-12): is the data on the chip what the
issuing State signed?

Three results, reported apart:

- ``signature``: the SOD's SignerInfo verifies with the Document Signer certificate it carries
  (RFC 5652 5.4/5.6: the signature covers the DER SET OF signed attributes; messageDigest is
  the hash of the LDSSecurityObject and contentType its OID);
- ``chain``: that DS certificate was issued by one of the trusted CSCA certificates (name and
  signature) and both were valid at the check time; None when no CSCA was given;
- ``hashes``: each data group read hashes to the value in the LDSSecurityObject.

Time model (docs/passport.md): certificates are checked at the SOD's signingTime when it has
one, else now. ICAO's PKI is a chain model: a DS certificate expires long before the passports
it signed, so "now" would fail every valid older passport (9303-12 5.3, the DS private key
usage period), and a specimen that expired in 1994 is still a document that was signed right.

Keys: RSA and named-curve EC keys through the ``cryptography`` package; EC keys with explicit
domain parameters (9303-12 4.1.6.3, what many States issue) through cardwire's own parsing and
ECDSA (:mod:`cardwire.passport.ec_keys`), whichever ``cryptography`` version is installed (44
refuses explicit brainpool keys), so one code path checks them everywhere.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from cardwire.errors import DecodeError, UsageError
from cardwire.passport import ec_keys
from cardwire.passport.sod import ID_LDS_SECURITY_OBJECT, Sod

# RFC 5758 3.2 (ECDSA), RFC 4055 5 and RFC 8017 A.2.4 (RSA): signature algorithms and their hash.
_SIGNATURE_HASHES = {
    **ec_keys.ECDSA_SIGNATURE_HASHES,
    "1.2.840.113549.1.1.5": "sha1",
    "1.2.840.113549.1.1.14": "sha224",
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
}
ID_RSASSA_PSS = "1.2.840.113549.1.1.10"


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: str = ""


class TrustedCscas(list[x509.Certificate]):
    """The CSCA certificates ``--csca`` gave, and the master lists it refused (each with the
    reason: their CSCAs are not among these), so a chain that fails says why."""

    def __init__(self, cscas: Sequence[x509.Certificate] = (), refused: Sequence[str] = ()):
        super().__init__(cscas)
        self.refused = tuple(refused)


@dataclass(frozen=True, slots=True)
class PassiveResult:
    signature: Verdict
    chain: Verdict | None
    hashes: dict[str, bool] = field(default_factory=dict)
    check_time: datetime | None = None

    @property
    def passed(self) -> bool:
        chain_ok = self.chain is None or self.chain.ok
        return self.signature.ok and chain_ok and all(self.hashes.values())


def _hash(name: str) -> hashes.HashAlgorithm:
    return {
        "sha1": hashes.SHA1(),  # noqa: S303 - older passports signed with SHA-1 (9303-12)
        "sha224": hashes.SHA224(),
        "sha256": hashes.SHA256(),
        "sha384": hashes.SHA384(),
        "sha512": hashes.SHA512(),
    }[name]


def signer_certificate(sod: Sod) -> x509.Certificate:
    """The DS certificate inside the SOD (the one whose serial the SignerInfo names)."""
    if not sod.certificates:
        raise DecodeError("EF.SOD carries no Document Signer certificate")
    certificates = [x509.load_der_x509_certificate(der) for der in sod.certificates]
    for certificate in certificates:
        if sod.signer_serial is None or certificate.serial_number == sod.signer_serial:
            return certificate
    raise DecodeError("no certificate in EF.SOD matches the SignerInfo's serial number")


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _explicit_key(certificate: x509.Certificate) -> bytes | None:
    """The certificate's SubjectPublicKeyInfo when it is an EC key with explicit parameters
    (9303-12 4.1.6.3), verified by cardwire's ECDSA; None for any other key."""
    spki = ec_keys.certificate_spki(_der(certificate))
    key = ec_keys.parse_ec_public_key(spki)
    return spki if key is not None and key.explicit else None


def issued_by(signer: x509.Certificate, csca: x509.Certificate) -> bool:
    """Whether ``csca``'s key signed ``signer`` (RFC 5280 6.1.3 (a)(1))."""
    try:
        explicit = _explicit_key(csca)
        if explicit is not None:
            return ec_keys.verify_certificate(_der(signer), explicit)
        signer.verify_directly_issued_by(csca)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm, DecodeError):
        return False
    return True


def verify_signature(sod: Sod, content_type: str = ID_LDS_SECURITY_OBJECT) -> Verdict:
    """The SOD's signature with the DS certificate it carries (RFC 5652 5.4, 5.6); with
    ``content_type``, any such SignedData (a master list and its signer certificate)."""
    if sod.content_type != content_type:
        return Verdict(False, f"the signed contentType is not {content_type}")
    digest = hashlib.new(sod.digest_algorithm, sod.econtent).digest()
    if not hmac.compare_digest(sod.message_digest or b"", digest):
        return Verdict(False, "messageDigest does not match the signed content")
    hash_name = _SIGNATURE_HASHES.get(sod.signature_algorithm, sod.digest_algorithm)
    try:
        certificate = signer_certificate(sod)
        explicit = _explicit_key(certificate)
        if explicit is not None:
            if ec_keys.verify_ecdsa(explicit, sod.signed_attributes, sod.signature, hash_name):
                return Verdict(True)
            return Verdict(False, "the SOD signature does not verify with the DS certificate")
        key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm, DecodeError) as exc:
        return Verdict(False, f"unsupported Document Signer certificate or key: {exc}")
    algorithm = _hash(hash_name)
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sod.signature, sod.signed_attributes, ec.ECDSA(algorithm))
        elif isinstance(key, rsa.RSAPublicKey):
            scheme: padding.AsymmetricPadding = padding.PKCS1v15()
            if sod.signature_algorithm == ID_RSASSA_PSS:  # RFC 4055 3.1, salt = hash length
                scheme = padding.PSS(padding.MGF1(algorithm), algorithm.digest_size)
            key.verify(sod.signature, sod.signed_attributes, scheme, algorithm)
        else:
            return Verdict(False, f"unsupported Document Signer key {type(key).__name__}")
    except InvalidSignature:
        return Verdict(False, "the SOD signature does not verify with the DS certificate")
    return Verdict(True)


def valid_at(certificate: x509.Certificate, when: datetime) -> bool:
    return certificate.not_valid_before_utc <= when <= certificate.not_valid_after_utc


def _revoked(
    signer: x509.Certificate,
    csca: x509.Certificate,
    crls: Sequence[x509.CertificateRevocationList],
) -> bool:
    """Whether a CRL of ``csca`` (its name, signed with its key) lists the DS certificate
    (9303-12 7.1.4, RFC 5280 6.3). A CRL whose signature does not verify is ignored. cardwire's
    choice: a revoked DS fails whatever the revocation date, since a compromised DS key can
    sign SODs with any signingTime (docs/passport.md)."""
    for crl in crls:
        if crl.issuer != csca.subject:
            continue
        try:
            signed = crl.is_signature_valid(csca.public_key())  # type: ignore[arg-type]
        except (ValueError, TypeError, UnsupportedAlgorithm):
            signed = False
        entry = crl.get_revoked_certificate_by_serial_number(signer.serial_number)
        if signed and entry is not None:
            return True
    return False


def verify_chain(
    sod: Sod,
    trusted: Sequence[x509.Certificate],
    when: datetime,
    crls: Sequence[x509.CertificateRevocationList] = (),
) -> Verdict:
    """The DS certificate against the CSCA certificates at ``when`` (9303-12 5.1, 7.1), and
    against their CRLs; a failure names the master lists ``--csca`` refused."""
    verdict = _chain(sod, trusted, when, crls)
    refused = trusted.refused if isinstance(trusted, TrustedCscas) else ()
    if verdict.ok or not refused:
        return verdict
    return Verdict(False, f"{verdict.reason} ({'; '.join(refused)})")


def _chain(
    sod: Sod,
    trusted: Sequence[x509.Certificate],
    when: datetime,
    crls: Sequence[x509.CertificateRevocationList],
) -> Verdict:
    try:
        signer = signer_certificate(sod)
    except (ValueError, DecodeError) as exc:
        return Verdict(False, f"no usable DS certificate: {exc}")
    if not valid_at(signer, when):
        return Verdict(False, f"the DS certificate was not valid at {when:%Y-%m-%d}")
    issuers = [c for c in trusted if c.subject == signer.issuer]
    if not issuers:
        return Verdict(False, "no trusted CSCA has the DS certificate's issuer name")
    for csca in issuers:
        if not issued_by(signer, csca):
            continue
        if not valid_at(csca, when):
            return Verdict(False, f"the CSCA certificate was not valid at {when:%Y-%m-%d}")
        if _revoked(signer, csca, crls):
            return Verdict(False, "the DS certificate is revoked (CSCA CRL)")
        return Verdict(True)
    return Verdict(False, "the DS certificate's signature does not verify with any trusted CSCA")


def verify_hashes(sod: Sod, data_groups: Mapping[int, bytes]) -> dict[str, bool]:
    """DG name -> whether its content hashes to the LDSSecurityObject's value (9303-11 5.1.1
    step 3); a data group read that the SOD does not list fails."""
    return {
        f"DG{n}": hmac.compare_digest(
            hashlib.new(sod.hash_algorithm, content).digest(), sod.hashes.get(n, b"")
        )
        for n, content in sorted(data_groups.items())
    }


def passive_authentication(
    sod: Sod,
    data_groups: Mapping[int, bytes],
    trusted: Sequence[x509.Certificate] | None = None,
    *,
    now: datetime | None = None,
    crls: Sequence[x509.CertificateRevocationList] = (),
) -> PassiveResult:
    """The three checks; ``trusted`` None leaves the chain unchecked (its verdict None)."""
    when = sod.signing_time or now or datetime.now(UTC)
    chain = None if trusted is None else verify_chain(sod, trusted, when, crls)
    return PassiveResult(verify_signature(sod), chain, verify_hashes(sod, data_groups), when)


def load_crls(paths: Sequence[Path]) -> list[x509.CertificateRevocationList]:
    """CRLs from PEM or DER files (``--crl``)."""
    found: list[x509.CertificateRevocationList] = []
    for file in paths:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from exc
        try:
            if b"-----BEGIN X509 CRL-----" in data:
                found.append(x509.load_pem_x509_crl(data))
            else:
                found.append(x509.load_der_x509_crl(data))
        except ValueError as exc:
            raise UsageError(f"{file} is not an X.509 CRL (PEM or DER)") from exc
    return found


__all__ = [
    "PassiveResult",
    "TrustedCscas",
    "Verdict",
    "issued_by",
    "load_crls",
    "passive_authentication",
    "signer_certificate",
    "valid_at",
    "verify_chain",
    "verify_hashes",
    "verify_signature",
]
