"""EF.SOD parsing: a published specimen SOD (RSASSA-PSS) and the simulator's, which Debian's
OpenSSL verifies against the exported CSCA (a check of the signature cardwire did not write)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from cardwire.errors import DecodeError
from cardwire.passport.passive import signer_certificate
from cardwire.passport.sod import ID_LDS_SECURITY_OBJECT, parse_sod
from cardwire.sim.applets.epassport.issuance import IssuanceConfig, Issuer
from cardwire.sim.applets.epassport.pki import csca_pem, document_signer
from cardwire.tlv import parse_one, tlv

VECTOR = json.loads((Path(__file__).parents[1] / "vectors" / "sod_hjp_specimen.json").read_text())
SEED = IssuanceConfig().seed


def issued_sod(**options: object) -> bytes:
    issuer = Issuer(IssuanceConfig(**options), ())  # type: ignore[arg-type]
    return issuer.sod({1: b"\x61\x00", 2: b"\x75\x00", 15: issuer.dg15()})


def test_published_specimen_sod() -> None:
    sod = parse_sod(bytes.fromhex(VECTOR["ef_sod"]))
    expected = VECTOR["expected"]
    assert sorted(sod.hashes) == expected["data_groups"]
    assert sod.hashes[1].hex() == expected["dg1_hash"]
    assert sod.hashes[2].hex() == expected["dg2_hash"]
    assert sod.message_digest is not None
    assert sod.message_digest.hex() == expected["message_digest"]
    assert (sod.hash_algorithm, sod.content_type) == ("sha256", ID_LDS_SECURITY_OBJECT)
    certificate = signer_certificate(sod)
    assert certificate.not_valid_before_utc.isoformat() == expected["ds_not_before"]
    assert certificate.issuer.rfc4514_string().startswith(f"CN={expected['ds_issuer_cn']}")


def test_issued_sod_parses() -> None:
    sod = parse_sod(issued_sod())
    assert sorted(sod.hashes) == [1, 2, 15]
    assert sod.signing_time is not None
    assert sod.signing_time.year == 2025
    assert len(sod.certificates) == 1


def test_not_a_sod() -> None:
    with pytest.raises(DecodeError):
        parse_sod(tlv(0x77, tlv(0x04, b"placeholder")))
    with pytest.raises(DecodeError):
        parse_sod(tlv(0x60, b""))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs Debian's openssl")
@pytest.mark.parametrize(
    ("key_type", "broken", "verifies"),
    [
        ("ec", (), True),
        ("rsa", (), True),
        ("ec", ("sod_signature",), False),
        ("rsa", ("sod_signature",), False),
        ("ec", ("foreign_ds",), False),
    ],
)
def test_openssl_verifies_the_issued_sod(
    tmp_path: Path, key_type: str, broken: tuple[str, ...], verifies: bool
) -> None:
    (tmp_path / "csca.pem").write_bytes(csca_pem(SEED, key_type))  # type: ignore[arg-type]
    sod = issued_sod(broken=broken, key_type=key_type)
    (tmp_path / "sod.p7").write_bytes(parse_one(sod).value)
    run = subprocess.run(
        [
            "openssl", "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "sod.p7"),
            "-CAfile", str(tmp_path / "csca.pem"), "-purpose", "any",
            "-attime", "1735689600",  # the SOD's signing time, 2025-01-01
            "-out", str(tmp_path / "lds.der"),
        ],
        capture_output=True,
        check=False,
    )  # fmt: skip
    assert (run.returncode == 0) is verifies, run.stderr
    if verifies:
        lds = (tmp_path / "lds.der").read_bytes()
        assert lds == parse_sod(sod).econtent


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs Debian's openssl")
@pytest.mark.parametrize(("broken", "verifies"), [((), True), (("sod_signature",), False)])
def test_openssl_checks_the_explicit_brainpool_sod_signature(
    tmp_path: Path, broken: tuple[str, ...], verifies: bool
) -> None:
    # 9303-12 4.1.6.3 keys (explicit brainpoolP256r1 parameters): OpenSSL 3.0 checks the
    # SOD's signature with the DS key (-noverify: no chain) but refuses the chain itself
    # ("Certificate public key has explicit ECC parameters"), which cardwire checks instead.
    sod = issued_sod(broken=broken, key_type="brainpool")
    (tmp_path / "sod.p7").write_bytes(parse_one(sod).value)
    run = subprocess.run(
        ["openssl", "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "sod.p7"),
         "-noverify", "-out", str(tmp_path / "lds.der")],
        capture_output=True,
        check=False,
    )  # fmt: skip
    assert (run.returncode == 0) is verifies, run.stderr
    (tmp_path / "csca.pem").write_bytes(csca_pem(SEED, "brainpool"))
    ds = document_signer(SEED, key_type="brainpool").certificate
    (tmp_path / "ds.pem").write_bytes(ds.public_bytes(serialization.Encoding.PEM))
    chain = subprocess.run(
        ["openssl", "verify", "-attime", "1735689600", "-CAfile", str(tmp_path / "csca.pem"),
         str(tmp_path / "ds.pem")],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert chain.returncode != 0 and "explicit ECC parameters" in chain.stdout + chain.stderr
