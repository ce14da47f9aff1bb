"""``cardwire run --gpshell FILE`` (cardwire.cli.gpshell_run) on the simulated card: the sample
scripts of tests/data/gpshell, the whole script checked before anything is sent, refusals."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from cardwire.cli import cli

SAMPLES = Path(__file__).parents[1] / "data" / "gpshell"
KEY = "404142434445464748494A4B4C4D4E4F"
OPEN_SCP03 = f"open_sc -security 1 -keyind 0 -keyver 48 -key {KEY} -scp 3\n"


def run(path: Path, *options: str) -> Result:
    return CliRunner().invoke(cli, ["run", "--gpshell", *options, str(path)])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_scp02_sample_reinstalls_the_keycard_and_selects_it(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    result = run(SAMPLES / "keycard-scp02.txt", "--sim", "--state", str(state))
    assert (result.exit_code, result.stderr) == (0, "")
    lines = [line for line in result.stdout.splitlines() if not line.startswith("  ")]
    assert lines[:5] == [
        "secure channel open (SCP02, key version 20)",
        "deleted A00000080400010101",
        "deleted A0000008040001",
        "loaded A0000008040001 in 1 blocks",
        "installed A00000080400010101",
    ]
    assert "APP: A00000080400010101 (SELECTABLE)" in lines
    # enable_trace: the APDUs are shown, the last one the SELECT of the new instance
    wire = [line for line in result.stdout.splitlines() if line.startswith("  =>")]
    assert wire[-1] == "  => 00A4040009A0000008040001010100"
    assert lines[-1] == "13 GPShell statements run"


def test_the_scp03_sample_lists_and_adds_a_key_set(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    result = run(SAMPLES / "scp03-keys.txt", "--sim", "--state", str(state))
    assert (result.exit_code, result.stderr) == (0, "")
    assert "ISD: A000000151000000 (SECURED)" in result.stdout
    assert "PKG: A0000008040001 (LOADED)\n     Applet: A000000804000101\n" in result.stdout
    assert "key set 31 stored, KCVs verified" in result.stdout
    # the new key set opens a session afterwards
    script = write(
        tmp_path, "mode_211\nopen_sc -scp 3 -keyver 0x31 -key 000102030405060708090A0B0C0D0E0F\n"
    )
    again = run(script, "--sim", "--state", str(state))
    assert again.exit_code == 0, again.stderr
    assert "secure channel open (SCP03, key version 31)" in again.stdout


def test_without_scp_the_channel_is_the_one_the_card_data_names(tmp_path: Path) -> None:
    script = write(tmp_path, f"mode_211\nopen_sc -security 1 -keyver 48 -key {KEY}\n")
    result = run(script, "--sim")
    assert result.exit_code == 0, result.stderr
    assert "secure channel open (SCP03, key version 30)" in result.stdout


def test_a_bad_line_at_the_end_stops_the_script_before_anything_is_sent(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    script = write(
        tmp_path,
        "mode_211\nenable_trace\n"
        + OPEN_SCP03
        + "delete -AID F0636172647769726503\n"
        + f"open_sc -scp 2 -scpimpl 0x45 -key {KEY}\n",
    )
    result = run(script, "--sim", "--state", str(state))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith("line 5: open_sc: -scpimpl 0x45: cardwire's SCP02 takes 0x15 or 0x55")
    )
    listing = run(
        write(tmp_path, OPEN_SCP03 + "get_status -element 40\n"), "--sim", "--state", str(state)
    )
    assert "APP: F0636172647769726503 (SELECTABLE)" in listing.stdout


def test_a_missing_cap_file_is_found_before_anything_is_sent(tmp_path: Path) -> None:
    result = run(write(tmp_path, "mode_211\ninstall -file nowhere.cap\n"), "--sim")
    assert result.exit_code == 2
    assert "line 2: -file nowhere.cap: no such file" in result.stderr


def test_send_apdu_stops_on_a_refusal_and_send_apdu_nostop_goes_on(tmp_path: Path) -> None:
    nostop = (
        "send_apdu_nostop -APDU 00A4040005F0FFFFFFFF\n"
        "send_apdu -sc 0 -APDU 00A4040C0AF0636172647769726503\n"
    )
    result = run(write(tmp_path, nostop), "--sim")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["< 6A82", "< 9000"]
    stop = "send_apdu -APDU 00A4040005F0FFFFFFFF\nsend_apdu -APDU 00A4040C0AF0636172647769726503\n"
    refused = run(write(tmp_path, stop), "--sim")
    assert refused.exit_code == 1
    assert "line 1: send_apdu: < 6A82" in refused.stderr
    assert "< 9000" not in refused.stdout


def test_a_card_refusal_names_the_line_and_exits_1(tmp_path: Path) -> None:
    script = write(tmp_path, OPEN_SCP03 + "delete -AID A0000008040001\n")
    result = run(script, "--sim")
    assert result.exit_code == 1
    assert "error: line 2: delete: card answered 6985" in result.stderr


def test_put_sc_key_needs_a_secure_channel(tmp_path: Path) -> None:
    script = write(tmp_path, "mode_211\nput_sc_key -keyver 0 -newkeyver 0x31 -key " + KEY + "\n")
    result = run(script, "--sim")
    assert result.exit_code == 2
    assert "put_sc_key: open an SCP02 or SCP03 channel first" in result.stderr


def test_put_sc_key_over_scp02_puts_a_3des_key_set(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    new = "000102030405060708090A0B0C0D0E0F"
    script = write(
        tmp_path,
        f"mode_211\nopen_sc -scp 2 -scpimpl 0x55 -security 3 -keyver 0x20 -key {KEY}\n"
        f"put_sc_key -keyver 0 -newkeyver 0x21 -key {new}\n",
    )
    result = run(script, "--sim", "--state", str(state))
    assert result.exit_code == 0, result.stderr
    assert "key set 21 stored, KCVs verified" in result.stdout
    again = write(tmp_path, f"mode_211\nopen_sc -scp 2 -keyver 0x21 -key {new}\n")
    result = run(again, "--sim", "--state", str(state))
    assert result.exit_code == 0, result.stderr
    assert "secure channel open (SCP02, key version 21)" in result.stdout


def test_install_for_load_load_and_install_for_install_in_three_steps(tmp_path: Path) -> None:
    cap = Path(__file__).parents[1] / "data" / "gp" / "keycard.cap"
    script = write(
        tmp_path,
        "mode_211\n"
        + OPEN_SCP03
        + "delete -AID A00000080400010101\ndelete -AID A0000008040001\n"
        + "install_for_load -pkgAID A0000008040001 -nvCodeLimit 500\n"
        + f"load -file {cap}\n"
        + "install_for_install -pkgAID A0000008040001 -AID A000000804000101"
        + " -instAID A00000080400010102 -priv 0x00\n"
        + "card_disconnect\nselect -AID A00000080400010102\n",
    )
    result = run(script, "--sim")
    assert result.exit_code == 0, result.stderr
    assert "loaded A0000008040001 in 1 blocks\ninstalled A00000080400010102\n" in result.stdout


def test_a_second_open_sc_opens_another_channel(tmp_path: Path) -> None:
    second = f"open_sc -scp 2 -keyver 32 -security 3 -key {KEY}\n"
    script = write(tmp_path, "mode_211\n" + OPEN_SCP03 + second + "get_status -element 20\n")
    result = run(script, "--sim")
    assert result.exit_code == 0, result.stderr
    assert "secure channel open (SCP02, key version 20)" in result.stdout
    assert "PKG: A0000008040001 (LOADED)" in result.stdout
