"""ICAO master lists (Doc 9303-12 9): a State's signed list of the CSCA certificates it has
validated, what ``--csca`` accepts besides CSCA certificates::

    ContentInfo { signedData, SignedData { eContentType id-icao-cscaMasterList (2.23.136.1.1.2),
        eContent CscaMasterList, certificates { the Master List Signer certificate, ... } } }
    CscaMasterList ::= SEQUENCE { version CscaMasterListVersion (v0), certList SET OF Certificate }

A list is used only once its signer is verified: the CMS signature with the Master List Signer
(MLS) certificate the list carries (RFC 5652 5.4/5.6, messageDigest and contentType), that
certificate marked for the purpose (extKeyUsage id-icao-cscaMasterListSigningKey, 9303-12 7.1.1
certificate profile) and issued by a CSCA (name and signature), both valid at the list's
signingTime (else now, the SOD's time model). cardwire's choice (docs/passport.md): the issuing
CSCA may be one inside the list (9303-12 9: the MLS is issued by the issuing State's CSCA, which
its own list holds) or one given separately with ``--csca``. A list signed under a CSCA inside
itself proves it was not changed since its signer signed it, not who the signer is: pin a list
you did not fetch from a source you trust by giving its State's CSCA with a second ``--csca``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from pyasn1.codec.der import encoder  # type: ignore[import-untyped]
from pyasn1.type import namedtype, univ  # type: ignore[import-untyped]
from pyasn1_modules import rfc5280  # type: ignore[import-untyped]

from cardwire.der import decode_der
from cardwire.errors import DecodeError, UsageError
from cardwire.passport.passive import (
    TrustedCscas,
    Verdict,
    issued_by,
    signer_certificate,
    valid_at,
    verify_signature,
)
from cardwire.passport.sod import Sod, parse_signed_data

ID_CSCA_MASTER_LIST = "2.23.136.1.1.2"  # 9303-12 9: id-icao-cscaMasterList
ID_MASTER_LIST_SIGNING_KEY = "2.23.136.1.1.3"  # 9303-12: id-icao-cscaMasterListSigningKey


class CscaMasterList(univ.Sequence):  # type: ignore[misc]
    """9303-12 9: CscaMasterList ::= SEQUENCE { version, certList SET OF Certificate }."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("version", univ.Integer()),
        namedtype.NamedType("certList", univ.SetOf(componentType=rfc5280.Certificate())),
    )


@dataclass(frozen=True, slots=True)
class MasterList:
    signed: Sod  # the SignedData's parts (econtent: the CscaMasterList DER)
    cscas: tuple[x509.Certificate, ...]
    unreadable: int = 0  # certificates in certList the X.509 parser refused


def parse_master_list(data: bytes) -> MasterList:
    """Decode a master list (DER ContentInfo); :class:`DecodeError` when it is not one."""
    econtent_type, signed = parse_signed_data(data, "master list")
    if econtent_type != ID_CSCA_MASTER_LIST:
        raise DecodeError(
            f"master list: eContentType {econtent_type} is not id-icao-cscaMasterList"
        )
    content = decode_der(signed.econtent, CscaMasterList(), "master list CscaMasterList")
    if int(content["version"]) != 0:  # 9303-12 9: CscaMasterListVersion ::= INTEGER {v0(0)}
        raise DecodeError(f"master list version {int(content['version'])}, expected 0")
    cscas: list[x509.Certificate] = []
    unreadable = 0
    for item in content["certList"]:
        try:
            cscas.append(x509.load_der_x509_certificate(bytes(encoder.encode(item))))
        except ValueError:
            unreadable += 1
    return MasterList(signed, tuple(cscas), unreadable)


def _marked_for_lists(signer: x509.Certificate) -> bool:
    """extKeyUsage id-icao-cscaMasterListSigningKey (9303-12 7.1.1, the MLS profile)."""
    try:
        usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return any(oid.dotted_string == ID_MASTER_LIST_SIGNING_KEY for oid in usage)


def verify_master_list(
    master_list: MasterList,
    anchors: Sequence[x509.Certificate] = (),
    *,
    now: datetime | None = None,
) -> Verdict:
    """Whether the list's signer is verified (module docstring): its CMS signature, its MLS
    certificate's purpose and issuer, a CSCA of the list or of ``anchors``."""
    when = master_list.signed.signing_time or now or datetime.now(UTC)
    signature = verify_signature(master_list.signed, ID_CSCA_MASTER_LIST)
    if not signature.ok:
        return Verdict(False, f"its signature: {signature.reason}")
    try:
        signer = signer_certificate(master_list.signed)
    except (ValueError, DecodeError) as exc:
        return Verdict(False, f"no usable Master List Signer certificate: {exc}")
    if not _marked_for_lists(signer):
        return Verdict(False, "its signer certificate lacks extKeyUsage cscaMasterListSigningKey")
    if not valid_at(signer, when):
        return Verdict(False, f"its signer certificate was not valid at {when:%Y-%m-%d}")
    issuers = [
        csca
        for csca in (*master_list.cscas, *anchors)
        if csca.subject == signer.issuer and issued_by(signer, csca)
    ]
    if not issuers:
        return Verdict(
            False, "its signer certificate is not issued by a CSCA in the list or given with --csca"
        )
    if not any(valid_at(csca, when) for csca in issuers):
        return Verdict(False, f"the CSCA of its signer was not valid at {when:%Y-%m-%d}")
    return Verdict(True)


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from exc


def load_cscas(paths: Path | Sequence[Path], *, now: datetime | None = None) -> TrustedCscas:
    """CSCA certificates from PEM or DER certificate files, ICAO master lists (DER) and folders
    of them (``--csca``, repeatable). Each master list is verified against the CSCAs it holds
    and those given as certificates; a refused list adds its reason, not its CSCAs."""
    roots = [paths] if isinstance(paths, Path) else list(paths)
    found: list[x509.Certificate] = []
    lists: list[tuple[Path, MasterList]] = []
    for path in roots:
        files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        for file in files:
            data = _read(file)
            try:
                if b"-----BEGIN CERTIFICATE-----" in data:
                    found.extend(x509.load_pem_x509_certificates(data))
                else:
                    found.append(x509.load_der_x509_certificate(data))
                continue
            except ValueError:
                pass
            try:
                lists.append((file, parse_master_list(data)))
            except DecodeError as exc:
                if not path.is_dir():
                    raise UsageError(
                        f"{file} is neither an X.509 certificate (PEM or DER) nor an ICAO "
                        f"master list ({exc})"
                    ) from exc
    anchors = list(found)
    refused: list[str] = []
    for file, master_list in lists:
        verdict = verify_master_list(master_list, anchors, now=now)
        if verdict.ok:
            found.extend(master_list.cscas)
        else:
            refused.append(f"master list {file.name} refused: {verdict.reason}")
    if not found and not refused:
        raise UsageError(f"no CSCA certificate found in {', '.join(map(str, roots))}")
    return TrustedCscas(found, refused)


__all__ = [
    "ID_CSCA_MASTER_LIST",
    "ID_MASTER_LIST_SIGNING_KEY",
    "CscaMasterList",
    "MasterList",
    "load_cscas",
    "parse_master_list",
    "verify_master_list",
]
