"""The simulator's master list, checked by Debian's OpenSSL (``openssl cms -verify``): the CMS
signature and the Master List Signer's chain to the exported test CSCA, a check of bytes
cardwire did not verify itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from cardwire.sim.applets.epassport.issuance import IssuanceConfig
from cardwire.sim.applets.epassport.master_list import OTHER_STATE, master_list
from cardwire.sim.applets.epassport.pki import csca_certificate, csca_pem

SEED = IssuanceConfig().seed


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs Debian's openssl")
@pytest.mark.parametrize(
    ("key_type", "broken", "verifies"),
    [
        ("ec", (), True),
        ("rsa", (), True),
        ("ec", ("tampered",), False),
        ("ec", ("foreign_signer",), False),
    ],
)
def test_openssl_verifies_the_master_list(
    tmp_path: Path, key_type: str, broken: tuple[str, ...], verifies: bool
) -> None:
    (tmp_path / "csca.pem").write_bytes(csca_pem(SEED, key_type))  # type: ignore[arg-type]
    (tmp_path / "list.ml").write_bytes(master_list(SEED, key_type, broken))  # type: ignore[arg-type]
    run = subprocess.run(
        [
            "openssl", "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "list.ml"),
            "-CAfile", str(tmp_path / "csca.pem"), "-purpose", "any",
            "-attime", "1735689600",  # the list's signing time, 2025-01-01
            "-out", str(tmp_path / "content.der"),
        ],
        capture_output=True,
        check=False,
    )  # fmt: skip
    assert (run.returncode == 0) is verifies, run.stderr
    if verifies:
        # The content OpenSSL returns is the CscaMasterList holding both CSCAs, DER.
        content = (tmp_path / "content.der").read_bytes()
        for seed in (SEED, OTHER_STATE):
            der = csca_certificate(seed, key_type).public_bytes(Encoding.DER)
            assert der in content
        assert content.startswith(b"\x30") and content[4:7] == b"\x02\x01\x00"  # version v0
