"""``cardwire scp11 --export-session-keys FILE ... send --trace T`` then ``cardwire trace decode
--scp11 @FILE T``: an SCP11 session recorded by the CLI decodes to what it printed (the session
keys and receipt exported on request, GP Amendment F 6.2.2), another session's keys do not,
and the key file is the owner's only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cardwire.cli import cli

COMMANDS = ["80F28002024F0000", "80CA00E000"]


def record(tmp_path: Path, name: str, *variant: str) -> tuple[Path, Path, list[dict[str, str]]]:
    trace, keys = tmp_path / f"{name}.trace", tmp_path / f"{name}.keys"
    args = ["scp11", *variant, "--export-session-keys", str(keys), "send", "--sim", "--json"]
    sent = CliRunner().invoke(cli, [*args, "--trace", str(trace), *COMMANDS])
    assert sent.exit_code == 0, sent.output
    return trace, keys, json.loads(sent.stdout)


def decode(*args: str) -> Result:
    return CliRunner().invoke(cli, ["trace", "decode", "--json", *args])


def credentials(tmp_path: Path) -> list[str]:
    out = tmp_path / "oce"
    made = CliRunner().invoke(cli, ["sim", "scp11-credentials", str(out)])
    assert made.exit_code == 0, made.output
    key, cert = str(out / "oce-key.pem"), str(out / "oce-cert.pem")
    return ["--variant", "a", "--oce-key", key, "--oce-cert", cert]


@pytest.mark.parametrize("variant", ["b", "a"])
def test_a_recorded_session_decodes_with_its_exported_keys(tmp_path: Path, variant: str) -> None:
    options = credentials(tmp_path) if variant == "a" else []
    trace, keys, printed = record(tmp_path, "s", *options)
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    parts = keys.read_text(encoding="ascii").strip().split(",")
    assert [len(p) for p in parts] == [32, 32, 32, 32]  # S-ENC, S-MAC, S-RMAC, receipt
    result = decode("--scp11", f"@{keys}", str(trace))
    assert result.exit_code == 0, result.output
    decoded = [entry for entry in json.loads(result.stdout) if "mac_ok" in entry]
    assert all(entry["mac_ok"] for entry in decoded)
    assert [entry["plain_command"] for entry in decoded] == COMMANDS
    assert [entry["plain_response"] for entry in decoded] == [p["response"] for p in printed]
    # The keys without the receipt: the first SCP11 session of the trace, the same one.
    three = ",".join(parts[:3])
    assert decode("--scp11", three, str(trace)).stdout == result.stdout


def test_keys_of_another_session_fail_every_mac(tmp_path: Path) -> None:
    trace, _, _ = record(tmp_path, "one")
    _, other, _ = record(tmp_path, "two")
    enc, mac, rmac, _ = other.read_text(encoding="ascii").strip().split(",")
    result = decode("--scp11", f"{enc},{mac},{rmac}", str(trace))
    decoded = [entry for entry in json.loads(result.stdout) if "mac_ok" in entry]
    assert decoded and not any(entry["mac_ok"] for entry in decoded)
    # With the other session's receipt, no handshake of this trace matches: nothing decoded.
    result = decode("--scp11", f"@{other}", str(trace))
    assert not [entry for entry in json.loads(result.stdout) if "mac_ok" in entry]


def test_no_keys_are_written_unless_asked(tmp_path: Path) -> None:
    sent = CliRunner().invoke(cli, ["scp11", "send", "--sim", *COMMANDS])
    assert sent.exit_code == 0, sent.output
    assert list(tmp_path.iterdir()) == []
    bad = decode("--scp11", "00,11", str(tmp_path / "missing.trace"))
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_exported_keys_never_land_in_a_file_others_can_read(tmp_path: Path) -> None:
    # An existing file keeps its mode under O_CREAT: the keys go to a new owner-only file.
    from cardwire.cli.scp11_cmd import export_session_keys

    target = tmp_path / "keys.txt"
    target.write_text("old\n")
    target.chmod(0o644)
    export_session_keys(target, (bytes(16), bytes(16), bytes(16), bytes(16)))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().count(",") == 3
