"""``cardwire run SCRIPT`` through the click runner: output, summary, expectations, every exit
code, --json, --raw, --keep-going, stdin, secure sessions and scriptor files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cardwire.cli import cli
from cardwire.cli.progress import PROGRESS_MIN_APDUS
from cardwire.errors import NoReaderError
from cardwire.sim.card import SimCard
from cardwire.sw import meaning
from cardwire.transport import pcsc
from cardwire.transport.memory import MemoryTransport
from pty_session import run_with_terminal_stderr

SELECT_DEMO_1 = "00A4040C0AF0636172647769726501"
SELECT_ECHO = "00A4040C0AF0636172647769726503"
HELLO = "48656C6C6F"  # "Hello", the start of EF 5001 of demo application 1
SPECIMEN_MRZ = "L898902C<,690806,940623"  # ICAO Doc 9303-11 Appendix D (docs/simulator.md)

# The example of pcsc-tools' scriptor man page (LudovicRousseau/pcsc-tools, scriptor.1), as it
# is: GSM class A0 commands that our card refuses, which a script without expect survives.
SCRIPTOR_MAN_PAGE_EXAMPLE = (
    Path(__file__).parents[1] / "data" / "scriptor_man_page_example.apdu"
).read_text(encoding="utf-8")


def run(tmp_path: Path, script: str, *options: str, stdin: str | None = None) -> Result:
    path = tmp_path / "script.apdu"
    path.write_text(script, encoding="utf-8")
    return CliRunner().invoke(cli, ["run", *options, str(path)], input=stdin)


GOOD = (
    "# read the start of EF 5001\n"
    f"{SELECT_DEMO_1} expect 9000\n"
    "00A4020C025001 expect 9000\n"
    f"00B0000005 expect 9000 {HELLO}\n"
    "00B0000000\n"
)


def test_a_good_script_prints_each_exchange_and_a_summary(tmp_path: Path) -> None:
    result = run(tmp_path, GOOD, "--sim")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[:3] == [f"> {SELECT_DEMO_1}", "< 9000", f"  9000 {meaning(0x9000)}"]
    assert lines[6:8] == ["> 00B0000005", f"< {HELLO} 9000"]
    assert lines[-1] == "4 commands sent; expectations: 3 met, 0 failed"


def test_a_mismatch_names_line_expected_and_received_and_exits_1(tmp_path: Path) -> None:
    script = f"{SELECT_DEMO_1}\n00B0000004 expect 9000\n00B0000004 expect 9000\n"
    result = run(tmp_path, script, "--sim")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: line 2: 00B0000004 expect 9000: expected SW 9000, received 6986 "
        f"({meaning(0x6986)})\n"
    )
    assert result.stdout.count("> 00B0000004") == 1  # it stopped there
    assert result.stdout.splitlines()[-1] == "2 commands sent; expectations: 0 met, 1 failed"


def test_data_mismatch_and_keep_going(tmp_path: Path) -> None:
    script = GOOD.replace(HELLO, "4A.*") + "00B0000005 expect 9000 48.*\n"
    result = run(tmp_path, script, "--sim", "--keep-going")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: line 4: 00B0000005 expect 9000 4A.*: "
        f"expected data matching 4A.*, received {HELLO}\n"
    )
    assert result.stdout.splitlines()[-1] == "5 commands sent; expectations: 3 met, 1 failed"


def test_a_syntax_error_exits_2_before_anything_is_sent(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    wrong_pin = "002000010439393939"  # would use one of the PIN's tries
    result = run(tmp_path, f"{wrong_pin}\nselct 5001\n", "--sim", "--state", str(state))
    assert result.exit_code == 2
    assert result.stderr.endswith("script.apdu: line 2: unknown statement 'selct' (and not hex)\n")
    assert result.stdout == ""
    assert not state.exists()


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("channel 3\n", "line 1: channel 3: channel 3 is not open here (open: 0)"),
    ],
)
def test_runtime_usage_errors_exit_2_with_the_line(
    tmp_path: Path, script: str, message: str
) -> None:
    result = run(tmp_path, f"{SELECT_DEMO_1}\n" + script.replace("line 1", "line 2"), "--sim")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: " + message.replace("line 1", "line 2"))
    assert result.stdout.splitlines()[-1] == "1 command sent; expectations: 0 met, 0 failed"


@pytest.mark.parametrize(
    ("open_line", "problem"),
    [
        (f"open bac --mzr {SPECIMEN_MRZ}", "open bac: No such option '--mzr'"),
        ("open nosuch --x 1", "unknown secure protocol 'nosuch'"),
        ("open pace --param x --can 123456", "open pace: Invalid value for '--param'"),
    ],
)
def test_open_lines_are_checked_before_anything_is_sent(
    tmp_path: Path, open_line: str, problem: str
) -> None:
    # issue 18: a typo in line 4's options used to fail after lines 1-3 had been sent
    state = tmp_path / "card.json"
    wrong_pin = "002000010439393939"  # would use one of the PIN's tries
    script = f"{SELECT_DEMO_1}\n{wrong_pin}\n00B0000001\n{open_line}\n"
    result = run(tmp_path, script, "--sim", "--state", str(state))
    assert result.exit_code == 2
    assert "script.apdu: line 4: " + problem in result.stderr
    assert SPECIMEN_MRZ not in result.stderr
    assert result.stdout == ""
    assert not state.exists()


def test_an_unknown_protocol_names_the_known_ones(tmp_path: Path) -> None:
    result = run(tmp_path, "open nosuch\n", "--sim")
    assert "(known: " in result.stderr
    assert "bac" in result.stderr.split("(known: ")[1]


def test_a_transport_problem_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_reader(reader: str | int | None = None) -> MemoryTransport:
        raise NoReaderError("no reader is connected")

    monkeypatch.setattr(pcsc, "PcscTransport", no_reader)
    result = run(tmp_path, GOOD)
    assert (result.exit_code, result.stderr) == (3, "error: no reader is connected\n")


def test_json_summary_is_one_document(tmp_path: Path) -> None:
    result = run(tmp_path, GOOD.replace(HELLO, "00"), "--sim", "--json", "--keep-going")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert document["commands"] == 4
    assert document["expectations"] == {"met": 2, "failed": 1}
    assert document["exchanges"][2] == {
        "line": 4,
        "command": "00B0000005",
        "resent_as": None,
        "response": f"{HELLO}9000",
        "data": HELLO,
        "sw": "9000",
        "expect": "SW 9000 and data matching 00",
        "met": False,
    }
    assert document["exchanges"][3]["met"] is None
    assert document["failures"] == [
        {
            "line": 4,
            "text": "00B0000005 expect 9000 00",
            "problem": f"expected data matching 00, received {HELLO}",
        }
    ]
    assert document["error"] is None


def test_a_6cxx_re_send_is_said_as_send_says_it(tmp_path: Path) -> None:
    # issue 18: the typed command stays, the one the layers re-sent with Le = SW2 follows
    script = f"{SELECT_ECHO}\n000000000341424301 expect 9000 414243\n"
    result = run(tmp_path, script, "--sim")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[3:6] == [
        "> 000000000341424301",
        "  re-sent as 000000000341424303 (the card asked for another Le with 6Cxx)",
        "< 414243 9000",
    ]
    document = json.loads(run(tmp_path, script, "--sim", "--json").stdout)
    assert [item["resent_as"] for item in document["exchanges"]] == [
        None,
        "000000000341424303",
    ]
    assert document["exchanges"][1]["command"] == "000000000341424301"


def test_json_has_the_steps_that_are_not_apdus(tmp_path: Path) -> None:
    # issue 18: `run --json` includes channel opens (and secure sessions, resets)
    script = (
        f"reset\nopen-channel\nchannel 1\n{SELECT_DEMO_1}\nclose-channel 1\n"
        f"open bac --mrz '{SPECIMEN_MRZ}'\nclose\n"
    )
    result = run(tmp_path, script, "--sim", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["steps"] == [
        {"line": 1, "step": "reset", "atr": SimCard().atr.hex().upper()},
        {"line": 2, "step": "open-channel", "channel": 1},
        {"line": 3, "step": "channel", "channel": 1},
        {"line": 5, "step": "close-channel", "channel": 1},
        {"line": 6, "step": "open", "channel": 0, "protocol": "bac"},
        {"line": 7, "step": "close", "channel": 0},
    ]
    assert "L898902C" not in result.stdout
    assert [e["line"] for e in document["exchanges"]] == [4]


def test_the_shells_named_commands_run_in_scripts(tmp_path: Path) -> None:
    # issue 18: one language; the shell's select, read-binary, verify... are script statements
    script = (
        "select F0636172647769726501 expect 9000\n"
        "select 5001 expect 9000\n"
        f"read-binary 0 5 expect 9000 {HELLO}\n"
        "verify 1 9999 expect 63C2\n"
        "read-record 1\n"
        "get-challenge 8 expect XXXX\n"
    )
    state = tmp_path / "card.json"
    result = run(tmp_path, script, "--sim", "--json", "--state", str(state))
    document = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    assert [e["command"] for e in document["exchanges"][:4]] == [
        "00A404000AF063617264776972650100",  # by AID, with the FCI (as the shell's select)
        "00A4000002500100",  # ISO/IEC 7816-4: a 2-byte identifier selects by file identifier
        "00B0000005",
        "00200001",  # the PIN is never shown
    ]
    assert document["expectations"] == {"met": 5, "failed": 0}
    text = run(tmp_path, script, "--sim", "--state", str(state))
    assert "> 00200001 <5 bytes hidden>" in text.stdout
    assert "39393939" not in text.stdout


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("read-binary x", "OFFSET must be a decimal number, got 'x'"),
        ("select", "usage: select FID|AID"),
        ("verify 1", "usage: verify [--pad-ff] REF PIN"),
        ("read-record 0 expect 9000", "N must be 1..254, got 0"),
        ("get-challenge expect 90", "usage: HEX expect SW [REGEX]"),
    ],
)
def test_named_commands_are_checked_before_anything_is_sent(
    tmp_path: Path, line: str, problem: str
) -> None:
    result = run(tmp_path, f"{SELECT_DEMO_1}\n{line}\n", "--sim")
    assert result.exit_code == 2
    assert f"line 2: {problem}" in result.stderr
    assert result.stdout == ""


def test_script_from_stdin(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "--sim", "-"], input=GOOD)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "4 commands sent; expectations: 3 met, 0 failed"


def test_missing_script_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "--sim", str(tmp_path / "nope.apdu")])
    assert result.exit_code == 2
    assert "cannot read the script" in result.stderr


def test_a_scriptor_file_runs_unchanged(tmp_path: Path) -> None:
    result = run(tmp_path, SCRIPTOR_MAN_PAGE_EXAMPLE, "--sim")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("> reset\n< ATR ")
    assert result.stdout.count("\n> A0") == 6
    assert result.stdout.splitlines()[-1] == "6 commands sent; expectations: 0 met, 0 failed"


def test_raw_shows_61xx_and_refuses_open(tmp_path: Path) -> None:
    script = f"{SELECT_ECHO}\n0000000003414243 expect 61XX\n00C0000003 expect 9000 414243\n"
    result = run(tmp_path, script, "--sim", "--raw")
    assert result.exit_code == 0, result.output
    assert "< 6103" in result.stdout
    result = run(tmp_path, "open bac --mrz X\n", "--sim", "--raw")
    assert result.exit_code == 2
    assert "open needs the host layers" in result.stderr


def test_verbose_shows_the_wire_on_stderr(tmp_path: Path) -> None:
    result = run(tmp_path, f"{SELECT_ECHO}\n0000000003414243 expect 9000 414243\n", "--sim", "-v")
    assert result.exit_code == 0, result.output
    assert "  wire > 00C0000003" in result.stderr.splitlines()
    assert "wire" not in result.stdout


def test_bac_session_in_a_script_hides_the_mrz(tmp_path: Path) -> None:
    script = f"open bac --mrz '{SPECIMEN_MRZ}'\n00A4020C020101 expect 9000\nclose\n"
    result = run(tmp_path, script, "--sim")
    assert result.exit_code == 0, result.output
    assert "> open bac (options hidden; --show-keys shows them)" in result.stdout
    assert "L898902C" not in result.output
    shown = run(tmp_path, script, "--sim", "--show-keys")
    assert f"> open bac --mrz {SPECIMEN_MRZ}" in shown.stdout
    wrong = run(tmp_path, script.replace("690806", "690807"), "--sim")
    assert wrong.exit_code == 1  # the card refused the cryptogram of the wrong keys
    assert wrong.stderr.startswith("error: line 1: open bac (options hidden): ")
    assert "L898902C" not in wrong.output


@pytest.mark.parametrize("as_json", [False, True])
def test_progress_goes_to_a_terminal_stderr_with_stdout_redirected(
    tmp_path: Path, as_json: bool
) -> None:
    # issue 18: progress on stderr whenever stderr is a terminal, even with stdout redirected
    script = tmp_path / "long.apdu"
    script.write_text(f"{SELECT_ECHO}\n" + "000000000141 expect 9000 41\n" * PROGRESS_MIN_APDUS)
    done = run_with_terminal_stderr("run", "--sim", *(["--json"] if as_json else []), str(script))
    assert done.returncode == 0
    assert b"APDUs" in done.screen  # the bar's label, on the terminal
    assert b"\x1b[" not in done.stdout  # stdout stays plain
    if as_json:
        assert json.loads(done.stdout)["commands"] == PROGRESS_MIN_APDUS + 1
    else:
        assert (
            done.stdout.decode().splitlines()[-1].startswith(f"{PROGRESS_MIN_APDUS + 1} commands")
        )


def test_long_script_output_is_plain_when_not_a_terminal(tmp_path: Path) -> None:
    script = f"{SELECT_ECHO}\n" + "000000000141 expect 9000 41\n" * PROGRESS_MIN_APDUS
    result = run(tmp_path, script, "--sim")
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout  # no progress bar, no colours


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert "Example:" in result.stdout


@pytest.mark.parametrize("from_stdin", [False, True])
def test_a_script_that_is_not_utf8_is_one_error_line(tmp_path: Path, from_stdin: bool) -> None:
    script = b"send 00A4040000\nsend 00B0\xff\n"
    path = tmp_path / "s.apdu"
    path.write_bytes(script)
    args = ["run", "--sim", "-" if from_stdin else str(path)]
    result = CliRunner().invoke(cli, args, input=script if from_stdin else None)
    assert result.exit_code == 2, result.output
    name = "standard input" if from_stdin else str(path)
    assert result.stderr.splitlines() == [
        f"error: the script {name} is not UTF-8 text (at offset 25)"
    ]


def test_a_variable_bomb_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    path = tmp_path / "bomb.apdu"  # 30 doublings: about 11 GB before issue 15
    path.write_text("00A4040000\nset A 00\n" + "set A ${A}${A}\n" * 30, encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "--sim", "--verbose", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # the SELECT on line 1 was not sent
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: line 19: the line would hold")
