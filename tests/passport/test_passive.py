"""Passive Authentication: signature, chain and hashes reported apart; the time model; the
published specimen SOD's RSASSA-PSS signature; CRLs (CSCA loading: test_master_list.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from cardwire.errors import UsageError
from cardwire.passport.passive import (
    load_crls,
    passive_authentication,
    verify_signature,
)
from cardwire.passport.sod import parse_sod
from cardwire.sim.applets.epassport.issuance import IssuanceConfig, Issuer
from cardwire.sim.applets.epassport.pki import csca_certificate, csca_crl, csca_pem

VECTOR = json.loads((Path(__file__).parents[1] / "vectors" / "sod_hjp_specimen.json").read_text())
SEED = IssuanceConfig().seed
GROUPS = {1: b"\x61\x03\x5f\x1f\x00", 2: b"\x75\x00"}


def sod_of(*broken: str) -> bytes:
    return Issuer(IssuanceConfig(broken=broken), ()).sod(GROUPS)  # type: ignore[arg-type]


def test_every_check_passes() -> None:
    result = passive_authentication(parse_sod(sod_of()), GROUPS, [csca_certificate(SEED)])
    assert result.signature.ok
    assert result.chain is not None and result.chain.ok
    assert result.hashes == {"DG1": True, "DG2": True}
    assert result.passed
    assert result.check_time == datetime(2025, 1, 1, tzinfo=UTC)  # the SOD's signingTime


def test_without_csca_the_chain_is_not_checked() -> None:
    result = passive_authentication(parse_sod(sod_of()), GROUPS)
    assert result.chain is None
    assert result.passed


def test_a_changed_data_group_fails_only_its_hash() -> None:
    changed = {**GROUPS, 2: b"\x75\x01\x00"}
    result = passive_authentication(parse_sod(sod_of()), changed, [csca_certificate(SEED)])
    assert result.hashes == {"DG1": True, "DG2": False}
    assert result.signature.ok and result.chain is not None and result.chain.ok
    extra = passive_authentication(parse_sod(sod_of()), {**GROUPS, 11: b"\x6b\x00"})
    assert extra.hashes["DG11"] is False  # read but not in the SOD


@pytest.mark.parametrize(
    ("broken", "signature", "chain"),
    [("sod_signature", False, True), ("expired_ds", True, False), ("foreign_ds", True, False)],
)
def test_broken_pki(broken: str, signature: bool, chain: bool) -> None:
    result = passive_authentication(parse_sod(sod_of(broken)), GROUPS, [csca_certificate(SEED)])
    assert (result.signature.ok, result.chain is not None and result.chain.ok) == (signature, chain)
    assert all(result.hashes.values())


def test_published_specimen_signature_verifies() -> None:
    # RSASSA-PSS with SHA-256 by the "HJP PB DS" Document Signer (tests/vectors).
    sod = parse_sod(bytes.fromhex(VECTOR["ef_sod"]))
    assert verify_signature(sod).ok
    tampered = bytes.fromhex(VECTOR["ef_sod"])
    tampered = tampered[:-5] + bytes([tampered[-5] ^ 1]) + tampered[-4:]
    assert not verify_signature(parse_sod(tampered)).ok


def test_specimen_chain_without_its_csca_fails_and_checks_now() -> None:
    sod = parse_sod(bytes.fromhex(VECTOR["ef_sod"]))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    result = passive_authentication(sod, {}, [csca_certificate(SEED)], now=now)
    assert result.check_time == now  # no signingTime in this SOD
    assert result.chain is not None and not result.chain.ok


@pytest.mark.parametrize(
    ("crl_seed", "revoked", "chain_ok"),
    [
        (SEED, (2,), False),  # the CSCA's CRL lists the DS (serial 2)
        (SEED, (7,), True),  # a CRL that lists another certificate
        (f"{SEED}|foreign", (2,), True),  # same issuer name, another key: not the CSCA's CRL
    ],
)
def test_crl_revokes_the_document_signer(
    crl_seed: str, revoked: tuple[int, ...], chain_ok: bool
) -> None:
    crls = load_crls_from(csca_crl(crl_seed, "ec", revoked))
    result = passive_authentication(
        parse_sod(sod_of()), GROUPS, [csca_certificate(SEED)], crls=crls
    )
    assert result.chain is not None and result.chain.ok is chain_ok
    assert result.signature.ok and all(result.hashes.values())
    if not chain_ok:
        assert result.chain.reason == "the DS certificate is revoked (CSCA CRL)"


def load_crls_from(pem: bytes) -> list[x509.CertificateRevocationList]:
    return [x509.load_pem_x509_crl(pem)]


def test_load_crls_reads_pem_and_der_and_refuses_others(tmp_path: Path) -> None:
    pem = csca_crl(SEED, "ec", (2,))
    der = x509.load_pem_x509_crl(pem).public_bytes(Encoding.DER)
    (tmp_path / "a.pem").write_bytes(pem)
    (tmp_path / "b.der").write_bytes(der)
    (tmp_path / "c.pem").write_bytes(csca_pem(SEED))
    crls = load_crls([tmp_path / "a.pem", tmp_path / "b.der"])
    assert [c.public_bytes(Encoding.DER) for c in crls] == [der, der]
    with pytest.raises(UsageError, match=r"not an X\.509 CRL"):
        load_crls([tmp_path / "c.pem"])
