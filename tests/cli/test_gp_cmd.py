"""``cardwire gp``: the issue's walk on the simulated card, in process, each step checked with
``gp list --json`` / ``gp info --json`` (GPC 11; docs/gp.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cap_builder import keycard_cap
from cardwire.cli import cli
from diversified_card import MASTER, diversified_profile

KEYS = "404142434445464748494A4B4C4D4E4F"
NEW_KEYS = "000102030405060708090A0B0C0D0E0F"
INSTANCE = "A00000080400010101"
PACKAGE = "A0000008040001"
ECHO = "F0636172647769726503"


def run(state: Path, *args: str, keys: str = KEYS, code: int = 0, kvn: str = "30") -> str:
    words = [*args, "--sim", "--state", str(state), "--keys", keys, "--kvn", kvn]
    result = CliRunner().invoke(cli, words)
    assert result.exit_code == code, result.output
    return result.output


def listing(state: Path, **kwargs: Any) -> dict[str, dict[str, Any]]:
    rows = json.loads(run(state, "gp", "list", "--json", **kwargs))
    return {f"{row['kind']}:{row['aid']}": row for row in rows}


def test_the_default_card_walk(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    cap = tmp_path / "keycard.cap"
    cap.write_bytes(keycard_cap())
    info = json.loads(run(state, "gp", "info", "--json"))
    assert info["life_cycle"] == "SECURED" and info["card_data"]["scp"] == "03"
    assert f"APP:{INSTANCE}" in listing(state)
    run(state, "gp", "delete", PACKAGE, "--related")
    rows = listing(state)
    assert f"APP:{INSTANCE}" not in rows and f"PKG:{PACKAGE}" not in rows
    out = run(
        state,
        "gp",
        "load",
        str(cap),
        "--hash",
        "sha1",
        "--block-size",
        "32",
        "--install",
        "--instance",
        INSTANCE,
    )
    assert "installed A00000080400010101" in out
    rows = listing(state)
    assert rows[f"APP:{INSTANCE}"]["load_file"] == PACKAGE
    assert rows[f"PKG:{PACKAGE}"]["modules"] == ["A000000804000101"]
    selected = CliRunner().invoke(
        cli, ["send", "--sim", "--state", str(state), f"00A4040009{INSTANCE}"]
    )
    assert selected.output.rstrip().endswith("9000 normal processing: no further qualification")
    run(state, "gp", "lock", INSTANCE)
    assert listing(state)[f"APP:{INSTANCE}"]["state"] == "LOCKED"
    run(state, "gp", "unlock", INSTANCE)
    assert listing(state)[f"APP:{INSTANCE}"]["state"] == "SELECTABLE"
    run(state, "gp", "put-key", "--new-keys", NEW_KEYS, "--new-kvn", "31")
    run(state, "gp", "delete-key", "--key-version", "30", keys=NEW_KEYS, kvn="31")
    keys = json.loads(run(state, "gp", "info", "--json", keys=NEW_KEYS, kvn="31"))["keys"]
    assert {k["version"] for k in keys if k["type"] == "88"} == {0x31}
    run(state, "gp", "lock-card", keys=NEW_KEYS, kvn="31")
    assert listing(state, keys=NEW_KEYS, kvn="31")["ISD:A000000151000000"]["state"] == "CARD_LOCKED"
    run(state, "gp", "delete", ECHO, keys=NEW_KEYS, kvn="31", code=1)
    run(state, "gp", "unlock-card", keys=NEW_KEYS, kvn="31")
    run(state, "gp", "delete", ECHO, keys=NEW_KEYS, kvn="31")
    assert f"APP:{ECHO}" not in listing(state, keys=NEW_KEYS, kvn="31")


@pytest.mark.parametrize("scp", ["11", "11b"])
def test_list_over_scp11b_needs_no_keys(scp: str) -> None:
    result = CliRunner().invoke(cli, ["gp", "list", "--sim", "--scp", scp, "--json"])
    assert result.exit_code == 0, result.output
    assert "A000000151000000" in result.output


@pytest.mark.parametrize("scp", ["11a", "11c"])
def test_list_over_scp11a_and_c_with_the_exported_oce_credentials(scp: str, tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["sim", "scp11-credentials", str(tmp_path)]).exit_code == 0
    oce = ["--oce-key", str(tmp_path / "oce-key.pem"), "--oce-cert", str(tmp_path / "oce-cert.pem")]
    result = CliRunner().invoke(cli, ["gp", "list", "--sim", "--scp", scp, *oce, "--json"])
    assert result.exit_code == 0, result.output
    assert "A000000151000000" in result.output


def test_scp11_refuses_scp03_keys() -> None:
    result = CliRunner().invoke(cli, ["gp", "list", "--sim", "--scp", "11", "--keys", KEYS])
    assert result.exit_code == 2
    assert result.output == "error: --scp 11 takes no --keys or --level (SCP11 is keyed by ECC)\n"


def test_list_over_scp02_with_its_own_defaults() -> None:
    # The default card's SCP02 key set: kvn 20, i = 55, keys 40..4F (docs/scp02.md); --kvn and
    # --level are not given, so SCP02's defaults apply, not SCP03's 30/33.
    result = CliRunner().invoke(
        cli, ["gp", "list", "--sim", "--scp", "02", "--keys", KEYS, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "A000000151000000" in result.output


def test_put_key_over_scp02_then_the_new_3des_keys_open_scp02(tmp_path: Path) -> None:
    state = str(tmp_path / "card.json")
    scp02 = ["--sim", "--state", state, "--scp", "02"]
    put = ["gp", "put-key", *scp02, "--keys", KEYS, "--new-keys", NEW_KEYS, "--new-kvn", "21"]
    result = CliRunner().invoke(cli, put)
    assert result.exit_code == 0, result.output
    assert result.output == "key set 21 stored, KCVs verified\n" and NEW_KEYS not in result.output
    listed = ["gp", "list", *scp02, "--keys", NEW_KEYS, "--kvn", "21", "--level", "03", "--json"]
    result = CliRunner().invoke(cli, listed)
    assert result.exit_code == 0, result.output
    assert "A000000151000000" in result.output
    # A key version the SCP03 key set holds is refused in one line (6A80).
    clash = [*put[:-1], "30"]
    result = CliRunner().invoke(cli, clash)
    assert result.exit_code == 1 and result.output.startswith("error: card answered 6A80")


def test_put_key_over_scp02_with_diversified_master_keys(tmp_path: Path) -> None:
    profile = str(diversified_profile(tmp_path, scp02="visa2"))
    state = str(tmp_path / "state.json")
    card = ["--sim", "--profile", profile, "--state", state, "--scp", "02"]
    put = ["gp", "put-key", *card, "--keys", MASTER, "--diversify", "visa2", "--new-keys", KEYS]
    result = CliRunner().invoke(cli, [*put, "--new-kvn", "20", "--replace", "20"])
    assert result.exit_code == 0, result.output
    # The card now holds the plain default keys as key set 20.
    result = CliRunner().invoke(cli, ["gp", "list", *card, "--keys", KEYS])
    assert result.exit_code == 0, result.output


def test_diversify_templates_belong_to_their_protocol() -> None:
    result = CliRunner().invoke(cli, ["gp", "list", "--sim", "--keys", KEYS, "--diversify", "emv"])
    assert result.exit_code == 2
    assert result.output == "error: unknown key diversification 'emv': use one of none, kdf3\n"


def test_info_works_without_keys() -> None:
    result = CliRunner().invoke(cli, ["gp", "info", "--sim", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["life_cycle"] is None and info["cplc"]
    # The SCP03 key set (three AES keys), the SCP02 key set (three 3DES keys, type 80), then
    # the SCP11 keys (GP Amendment F): the OCE CA public key (B0) and the SD's private key
    # under KIDs 11, 13, 15 (B1), each with F0.
    assert [(k["id"], k["type"], k["more"]) for k in info["keys"]] == [
        *((kid, "88", []) for kid in (1, 2, 3)),
        *((kid, "80", []) for kid in (1, 2, 3)),
        (0x10, "B0", [{"type": "F0", "length": 1}]),
        *((kid, "B1", [{"type": "F0", "length": 1}]) for kid in (0x11, 0x13, 0x15)),
    ]


def test_extended_cap_is_refused_in_one_line(tmp_path: Path) -> None:
    from cap_builder import KEYCARD_APPLET, KEYCARD_PACKAGE, cap_zip

    cap = tmp_path / "ext.cap"
    cap.write_bytes(cap_zip(KEYCARD_PACKAGE, (KEYCARD_APPLET,), flags=0x0C))
    result = CliRunner().invoke(cli, ["gp", "load", str(cap), "--sim", "--keys", KEYS])
    assert result.exit_code == 2
    assert result.output.startswith("error: extended-format CAP file")
