"""``cardwire passport read`` and ``cardwire sim csca``: the done-when command of issue 19,
the JSON keys, files written, exit 1 on a failed check, usage errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner, Result

from cardwire.cli import cli
from cardwire.sim import profile as profiles
from cardwire.sim.applets.epassport.issuance import IssuanceConfig
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.applets.epassport.pki import csca_crl
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from passport_cards import passport_section
from pty_session import run_with_terminal_stderr

MRZ = "L898902C<,690806,940623"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_done_when(tmp_path: Path) -> None:
    csca = tmp_path / "csca.pem"
    assert invoke("sim", "csca", str(csca)).exit_code == 0
    assert csca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    out = tmp_path / "out"
    result = invoke(
        "passport", "read", "--sim", "--mrz", MRZ, "--csca", str(csca), "--out", str(out), "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["access"] == "PACE"
    assert report["mrz"]["document_number"] == "L898902C"
    assert report["data_groups"] == ["DG1", "DG2", "DG11", "DG12", "DG14", "DG15"]
    assert report["passive_authentication"]["signature"] is True
    assert report["passive_authentication"]["chain"] is True
    assert set(report["passive_authentication"]["hashes"].values()) == {True}
    assert report["active_authentication"] == report["chip_authentication"] == "passed"
    assert report["unreadable"] == {}
    files = {os.path.basename(p) for p in report["files"]}
    assert {"EF.SOD.bin", "DG2.bin", "face-1.jpg"} <= files
    assert (out / "face-1.jpg").read_bytes()[:3] == b"\xff\xd8\xff"


def test_a_master_list_from_sim_csca_passes_and_a_tampered_one_fails(tmp_path: Path) -> None:
    listed = tmp_path / "csca.ml"
    assert invoke("sim", "csca", "--master-list", str(listed)).exit_code == 0
    args = ["passport", "read", "--sim", "--mrz", MRZ, "--json", "--csca", str(listed)]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["passive_authentication"]["chain"] is True
    data = bytearray(listed.read_bytes())
    data[-100] ^= 0x01  # inside the signature or the signer certificate
    listed.write_bytes(bytes(data))
    result = invoke(*args)
    assert result.exit_code == 1
    report = json.loads(result.stdout)["passive_authentication"]
    assert report["chain"] is False
    assert "master list csca.ml refused" in " ".join(report["reasons"])


def test_without_csca_the_chain_is_null_and_text_says_so() -> None:
    result = invoke("passport", "read", "--sim", "--can", "123456", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["passive_authentication"]["chain"] is None
    text = invoke("passport", "read", "--sim", "--can", "123456")
    assert "chain: not checked (no --csca)" in text.stdout
    assert "active authentication: passed" in text.stdout


def test_a_broken_passport_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "card.json"
    section = passport_section(broken=("aa_key",))
    profiles.save(path, Profile(CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, section),)))
    csca = tmp_path / "csca.pem"
    assert invoke("sim", "csca", str(csca), "--profile", str(path)).exit_code == 0
    result = invoke(
        "passport",
        "read",
        "--sim",
        "--profile",
        str(path),
        "--mrz",
        MRZ,
        "--csca",
        str(csca),
        "--json",
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["active_authentication"] == "failed"
    assert report["chip_authentication"] == "passed"
    assert report["passive_authentication"]["chain"] is True
    text = invoke("passport", "read", "--sim", "--profile", str(path), "--mrz", MRZ)
    assert text.exit_code == 1
    assert "active authentication: failed (the ECDSA signature does not verify" in text.stdout


def test_usage_errors() -> None:
    assert invoke("passport", "read", "--sim").exit_code == 2
    both = invoke("passport", "read", "--sim", "--mrz", MRZ, "--can", "123456")
    assert both.exit_code == 2
    assert "exactly one" in both.output
    wrong = invoke("passport", "read", "--sim", "--can", "654321")
    assert wrong.exit_code == 1  # the chip refuses the password
    assert wrong.output.startswith("error: ")


def test_crl_revoking_the_document_signer_fails_the_chain(tmp_path: Path) -> None:
    csca, crl = tmp_path / "csca.pem", tmp_path / "csca.crl"
    assert invoke("sim", "csca", str(csca)).exit_code == 0
    crl.write_bytes(csca_crl(IssuanceConfig().seed, "ec", (2,)))  # the DS is serial 2
    args = ["passport", "read", "--sim", "--mrz", MRZ, "--csca", str(csca), "--json"]
    result = invoke(*args, "--crl", str(crl))
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["passive_authentication"]["chain"] is False
    assert report["passive_authentication"]["signature"] is True


def test_the_face_shows_progress_on_a_terminal_stderr_only() -> None:
    # issue 18: DG2 (5,540 bytes) is read in several APDUs; stdout (the --json document) plain
    done = run_with_terminal_stderr("passport", "read", "--sim", "--mrz", MRZ, "--json")
    assert done.returncode == 0
    assert "DG2" in done.shown and "5540 bytes" in done.shown
    assert "DG1" not in done.shown  # small files show nothing
    assert json.loads(done.stdout)["data_groups"][1] == "DG2"
    piped = invoke("passport", "read", "--sim", "--mrz", MRZ, "--json")
    assert "DG2" not in piped.stderr  # stderr not a terminal: nothing, not even a line
