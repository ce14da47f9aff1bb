"""ICAO master lists for ``--csca`` (9303-12 9): the list parsed, its signer verified (CMS
signature, MLS purpose, issued by a CSCA of the list or given apart), its CSCAs then used for
the DS chain; a tampered list or a foreign signer fails the chain with the reason."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from cardwire.errors import DecodeError, UsageError
from cardwire.passport.master_list import (
    ID_CSCA_MASTER_LIST,
    load_cscas,
    parse_master_list,
    verify_master_list,
)
from cardwire.passport.passive import passive_authentication
from cardwire.passport.sod import build_signed_data, parse_sod, signed_attributes
from cardwire.sim.applets.epassport.issuance import IssuanceConfig, Issuer
from cardwire.sim.applets.epassport.master_list import (
    OTHER_STATE,
    BrokenList,
    csca_master_list,
    master_list,
)
from cardwire.sim.applets.epassport.pki import (
    SIGNING_TIME,
    csca_certificate,
    csca_pem,
    document_signer,
    master_list_signer,
)
from cardwire.tlv import parse_one

SEED = IssuanceConfig().seed
GROUPS = {1: b"\x61\x03\x5f\x1f\x00", 2: b"\x75\x00"}
CSCA_DER = csca_certificate(SEED).public_bytes(Encoding.DER)


def chain_with(tmp_path: Path, *files: tuple[str, bytes]) -> tuple[bool, str]:
    for name, data in files:
        (tmp_path / name).write_bytes(data)
    trusted = load_cscas([tmp_path / name for name, _ in files])
    sod = parse_sod(Issuer(IssuanceConfig(), ()).sod(GROUPS))
    chain = passive_authentication(sod, GROUPS, trusted).chain
    assert chain is not None
    return chain.ok, chain.reason


def test_the_list_parses_into_its_cscas() -> None:
    parsed = parse_master_list(master_list(SEED))
    assert parsed.signed.content_type == ID_CSCA_MASTER_LIST
    assert {c.public_bytes(Encoding.DER) for c in parsed.cscas} == {
        CSCA_DER,
        csca_certificate(OTHER_STATE).public_bytes(Encoding.DER),
    }
    assert parsed.unreadable == 0
    assert verify_master_list(parsed).ok


@pytest.mark.parametrize("key_type", ["ec", "rsa", "brainpool"])
def test_a_valid_list_passes_the_chain(tmp_path: Path, key_type: str) -> None:
    data = master_list(SEED, key_type)  # type: ignore[arg-type]
    assert verify_master_list(parse_master_list(data)).ok
    if key_type == "ec":
        assert chain_with(tmp_path, ("csca.ml", data)) == (True, "")


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ("tampered", "its signature: messageDigest does not match the signed content"),
        (
            "foreign_signer",
            "its signer certificate is not issued by a CSCA in the list or given with --csca",
        ),
    ],
)
def test_a_refused_list_fails_the_chain_with_the_reason(
    tmp_path: Path, broken: str, reason: str
) -> None:
    ok, why = chain_with(tmp_path, ("csca.ml", master_list(SEED, "ec", (broken,))))  # type: ignore[arg-type]
    assert not ok
    assert why == (
        "no trusted CSCA has the DS certificate's issuer name "
        f"(master list csca.ml refused: {reason})"
    )


def test_a_signature_over_other_content_is_refused() -> None:
    # The SignedData's eContentType is the master list's, but the signed contentType
    # attribute must say so too (RFC 5652 11.1): a signed SOD attribute set is not a list's.
    parsed = parse_master_list(master_list(SEED))
    sod = parse_sod(Issuer(IssuanceConfig(), ()).sod(GROUPS))
    forged = replace(parsed, signed=replace(parsed.signed, content_type=sod.content_type))
    assert verify_master_list(forged).reason.endswith(f"is not {ID_CSCA_MASTER_LIST}")


def test_the_signer_needs_the_master_list_purpose() -> None:
    # A DS certificate (no extKeyUsage cscaMasterListSigningKey) signing a list is refused.
    econtent = csca_master_list([CSCA_DER])
    attributes = signed_attributes(econtent, "sha256", SIGNING_TIME, ID_CSCA_MASTER_LIST)
    ds = document_signer(SEED)
    data = build_signed_data(ID_CSCA_MASTER_LIST, econtent, attributes, ds.cms_signer(attributes))
    verdict = verify_master_list(parse_master_list(data))
    assert verdict.reason == "its signer certificate lacks extKeyUsage cscaMasterListSigningKey"
    assert verify_master_list(parse_master_list(master_list(SEED))).ok  # the MLS has it


def test_a_foreign_signer_passes_with_its_csca_given_apart(tmp_path: Path) -> None:
    broken: tuple[BrokenList, ...] = ("foreign_signer",)
    foreign = master_list(SEED, "ec", broken)
    issuer = csca_certificate(f"{SEED}|foreign")
    assert master_list_signer(SEED, foreign=True).certificate.issuer == issuer.subject
    pem = issuer.public_bytes(Encoding.PEM)
    assert chain_with(tmp_path, ("csca.ml", foreign), ("foreign.pem", pem)) == (True, "")


def test_not_a_master_list() -> None:
    sod = parse_one(Issuer(IssuanceConfig(), ()).sod(GROUPS)).value  # a SignedData, not a list
    with pytest.raises(DecodeError, match="id-icao-cscaMasterList"):
        parse_master_list(sod)


def test_load_cscas(tmp_path: Path) -> None:
    (tmp_path / "a.pem").write_bytes(csca_pem(SEED))
    (tmp_path / "b.der").write_bytes(csca_certificate("other").public_bytes(Encoding.DER))
    (tmp_path / "c.ml").write_bytes(master_list(SEED))
    (tmp_path / "notes.txt").write_text("not a certificate")
    assert len(load_cscas(tmp_path)) == 4  # two certificates and the list's two CSCAs
    assert len(load_cscas(tmp_path / "a.pem")) == 1
    assert len(load_cscas([tmp_path / "a.pem", tmp_path / "c.ml"])) == 3
    with pytest.raises(UsageError, match="nor an ICAO master list"):
        load_cscas(tmp_path / "notes.txt")
