"""``cardwire pace --can|--mrz|--pin|--puk ... send`` on the simulated card, ``open pace`` in the
shell, and the demo's PACE section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cardwire.cli import cli
from cardwire.sim.applets.eid import DEFAULT_PIN, DEFAULT_PUK
from cardwire.sim.applets.epassport.config import DEFAULT_CAN
from cardwire.sim.applets.epassport.lds import Td3Mrz, dg1_content
from cardwire.sw import meaning
from cardwire.trace.text import parse

SELECT_DG1, READ = "00 a4 02 0c 02 01 01", "00B0000000"
EID = "E80704007F00070302"


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize(
    "password",
    [
        ("--can", DEFAULT_CAN),
        ("--mrz", "L898902C<,690806,940623"),
        ("--can", DEFAULT_CAN, "--param", "13"),
        ("--pin", DEFAULT_PIN, "--aid", EID),
        ("--puk", DEFAULT_PUK, "--aid", EID),
    ],
)
def test_send_reads_dg1_under_pace(password: tuple[str, ...]) -> None:
    result = invoke("pace", *password, "send", "--sim", "--json", SELECT_DG1, READ)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [item["sw"] for item in document] == ["9000", "6282"]
    if "--aid" not in password:
        assert document[1]["data"] == dg1_content(Td3Mrz()).hex().upper()
    assert document[1]["protected_command"].startswith("0CB00000")


def test_text_output_and_the_secret_never_printed() -> None:
    result = invoke("pace", "--can", DEFAULT_CAN, "send", "--sim", "--verbose", SELECT_DG1)
    assert result.exit_code == 0, result.output
    assert f"  9000 {meaning(0x9000)}" in result.stdout
    wire = [line[9:13] for line in result.stderr.splitlines() if line.startswith("  wire > ")]
    assert wire[:3] == ["00A4", "00B0", "0022"]  # SELECT, EF.CardAccess, MSE:Set AT
    assert wire.count("1086") == 3 and wire.count("0086") == 1
    assert DEFAULT_CAN not in result.output


def test_secret_from_a_file_and_from_the_environment(tmp_path: Path) -> None:
    secret = tmp_path / "can.txt"
    secret.write_text(f"{DEFAULT_CAN}\n", encoding="utf-8")
    for value, env in ((f"@{secret}", None), ("env:CW_CAN", {"CW_CAN": DEFAULT_CAN})):
        result = invoke("pace", "--can", value, "send", "--sim", SELECT_DG1, env=env)
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("pace", "send", "--sim", SELECT_DG1), 2),  # no password
        (("pace", "--can", "123456", "--puk", "2", "send", "--sim", SELECT_DG1), 2),  # two
        (("pace", "--can", "999999", "send", "--sim", SELECT_DG1), 1),  # wrong: 6300
        (("pace", "--can", DEFAULT_CAN, "--aid", "zz", "send", "--sim", SELECT_DG1), 2),
        (("pace", "--can", DEFAULT_CAN, "--param", "7", "send", "--sim", SELECT_DG1), 2),
        (("pace", "--mrz", "L898902C<", "send", "--sim", SELECT_DG1), 2),
    ],
)
def test_errors_are_one_line_with_the_exit_code(args: tuple[str, ...], code: int) -> None:
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "999999" not in result.stderr


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (("--can", "999999"), "PACE refused: the CAN is probably wrong"),
        (("--mrz", "L898902C<,690806,940624"), "PACE refused: the MRZ is probably wrong"),
    ],
)
def test_a_wrong_can_or_mrz_says_so(password: tuple[str, ...], message: str) -> None:
    # issue 18: as SCP03 and Keycard say it for their secrets
    result = invoke("pace", *password, "send", "--sim", SELECT_DG1)
    assert result.exit_code == 1
    assert result.stderr == f"error: card answered 6300 to GENERAL AUTHENTICATE: {message}\n"


@pytest.mark.parametrize("can", ["12", "12345", "1234567", "12345A"])
def test_a_can_that_is_not_six_digits_is_refused_before_the_card(can: str, tmp_path: Path) -> None:
    trace = tmp_path / "pace.trace"
    result = invoke("pace", "--can", can, "send", "--sim", "--trace", str(trace), SELECT_DG1)
    assert result.exit_code == 2
    assert "a CAN is the 6-digit card access number printed on the card" in result.stderr
    assert can not in result.stderr
    assert parse(trace.read_text(encoding="utf-8")).exchanges == ()  # nothing reached the card


def test_a_suspended_pin_says_resume_with_the_can_and_the_resume_works(tmp_path: Path) -> None:
    state = ("--sim", "--state", str(tmp_path / "card.json"))
    eid = ("--aid", EID)
    wrong = invoke("pace", "--pin", "111111", *eid, "send", *state, "00A4020C020104")
    assert "the PIN is wrong; 2 tries left" in wrong.stderr
    suspended = invoke("pace", "--pin", "111111", *eid, "send", *state, "00A4020C020104")
    # BSI TR-03110-2: two wrong PINs suspend it; the right PIN alone is refused (6985)
    refused = invoke("pace", "--pin", DEFAULT_PIN, *eid, "send", *state, "00A4020C020104")
    for result in (suspended, refused):
        assert result.exit_code == 1
        assert "the PIN is suspended (one try left): resume with the CAN first" in result.stderr
        assert "--can CAN --pin PIN" in result.stderr
    resumed = invoke(
        "pace", "--can", DEFAULT_CAN, "--pin", DEFAULT_PIN, *eid, "send", "--json", *state,
        "00A4020C020104", "00B0000004",
    )  # fmt: skip
    assert resumed.exit_code == 0, resumed.output
    assert [item["sw"] for item in json.loads(resumed.stdout)] == ["9000", "9000"]
    again = invoke("pace", "--pin", DEFAULT_PIN, *eid, "send", *state, "00A4020C020104")
    assert again.exit_code == 0, again.output  # the right PIN set the counter back to 3


def test_the_pin_resume_in_a_script(tmp_path: Path) -> None:
    state = ("--sim", "--state", str(tmp_path / "card.json"))
    eid = ("--aid", EID)
    for _ in range(2):
        invoke("pace", "--pin", "111111", *eid, "send", *state, "00A4020C020104")
    script = tmp_path / "resume.apdu"
    script.write_text(
        f"open pace --can {DEFAULT_CAN} --pin {DEFAULT_PIN} --aid {EID}\n"
        "00A4020C020104 expect 9000\n00B0000004 expect 9000\n",
        encoding="utf-8",
    )
    result = invoke("run", *state, str(script))
    assert result.exit_code == 0, result.output
    assert DEFAULT_PIN not in result.output


def test_mrz_lines_work_as_the_mrz() -> None:
    # the simulated passport's MRZ (ICAO 9303-11 Appendix D) as its TD3 second line
    line = "L898902C<3UTO6908061F9406236ZE184226B<<<<<14"
    result = invoke("pace", "--mrz", line, "send", "--sim", SELECT_DG1)
    assert result.exit_code == 0, result.output


def test_open_pace_in_a_shell_script(tmp_path: Path) -> None:
    script = tmp_path / "pace.cws"
    script.write_text(
        f"open pace --can {DEFAULT_CAN}\n{SELECT_DG1} expect 9000\n{READ}\nclose\n",
        encoding="utf-8",
    )
    result = invoke("run", "--sim", str(script))
    assert result.exit_code == 0, result.output
    assert "> open pace (options hidden; --show-keys shows them)" in result.stdout
    assert dg1_content(Td3Mrz()).hex().upper() in result.stdout
    assert DEFAULT_CAN not in result.stdout


def test_demo_runs_the_pace_section() -> None:
    result = invoke("demo")
    assert result.exit_code == 0, result.output
    assert "PACE" in result.stdout
    assert "63C2" in result.stdout  # the wrong eID PIN and its retry counter
    assert "ERIKSSON, ANNA MARIA" in result.stdout


def test_show_keys_prints_what_trace_decode_takes(tmp_path: Path) -> None:
    trace = tmp_path / "pace.trace"
    args = ("pace", "--can", DEFAULT_CAN, "--show-keys", "send", "--sim", "--trace", str(trace))
    result = invoke(*args, SELECT_DG1, READ)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("PACE keys: ")]
    assert len(lines) == 1 and "PACE keys" not in result.stdout
    keys = lines[0].removeprefix("PACE keys: ")
    decoded = invoke("trace", "decode", "--json", "--pace-keys", keys, str(trace))
    assert decoded.exit_code == 0, decoded.output
    entries = [e for e in json.loads(decoded.stdout) if "mac_ok" in e]
    assert [e["plain_command"] for e in entries] == ["00A4020C020101", READ]
    assert all(e["mac_ok"] for e in entries)
    hidden = invoke("pace", "--can", DEFAULT_CAN, "send", "--sim", SELECT_DG1)
    assert hidden.exit_code == 0 and "PACE keys" not in hidden.output


def test_trace_pace_secret_lets_trace_decode_recompute_the_keys_from_the_can(
    tmp_path: Path,
) -> None:
    trace = tmp_path / "pace.trace"
    args = ("pace", "--can", DEFAULT_CAN, "--trace-pace-secret", "send", "--sim")
    result = invoke(*args, "--trace", str(trace), SELECT_DG1, READ)
    assert result.exit_code == 0, result.output
    assert trace.stat().st_mode & 0o777 == 0o600
    assert parse(trace.read_text(encoding="utf-8")).comments[0].startswith("SECRET: ")
    decoded = invoke("trace", "decode", "--json", "--can", DEFAULT_CAN, str(trace))
    assert decoded.exit_code == 0, decoded.output
    entries = [e for e in json.loads(decoded.stdout) if "mac_ok" in e]
    assert [e["plain_command"] for e in entries] == ["00A4020C020101", READ]
    assert all(e["mac_ok"] for e in entries)
    out = tmp_path / "pace.pcapng"
    exported = invoke("trace", "export", "--can", DEFAULT_CAN, "--pcapng", str(out), str(trace))
    assert exported.exit_code == 0, exported.output
    assert b"00A4020C020101" in out.read_bytes()  # the plain command as a packet comment


def test_trace_pace_secret_needs_a_trace_file_and_is_off_by_default(tmp_path: Path) -> None:
    refused = invoke("pace", "--can", DEFAULT_CAN, "--trace-pace-secret", "send", "--sim", READ)
    assert refused.exit_code == 2 and "--trace FILE" in refused.output
    trace = tmp_path / "plain.trace"
    result = invoke("pace", "--can", DEFAULT_CAN, "send", "--sim", "--trace", str(trace), READ)
    assert result.exit_code == 0, result.output
    assert "pace-key-agreement-private-key" not in trace.read_text(encoding="utf-8")
    decoded = invoke("trace", "decode", "--can", DEFAULT_CAN, str(trace))
    assert decoded.exit_code == 2 and "--trace-pace-secret" in decoded.output
