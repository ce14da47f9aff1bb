"""``cardwire send``: exchanges printed with meanings, GET RESPONSE and 6Cxx handled by the
host layers unless --raw, --check, --json, --profile and --state, --verbose, any reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.apdu import Command
from cardwire.cli import cli
from cardwire.cli.progress import PROGRESS_MIN_APDUS
from cardwire.cli.send_cmd import as_sent
from cardwire.errors import NoServiceError
from cardwire.sim import profile as profiles
from cardwire.sim.card import SimCard
from cardwire.sw import meaning
from cardwire.trace.recorder import TraceEntry
from cardwire.trace.text import parse
from cardwire.transport import pcsc
from cardwire.transport.memory import MemoryTransport
from pty_session import run_with_terminal_stderr

SELECT_DEMO_1 = "00A4040C0AF0636172647769726501"
SELECT_ECHO = "00A4040C0AF0636172647769726503"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["send", *args])
    return result.exit_code, result.output


def test_text_output_shows_each_exchange_with_the_meaning() -> None:
    code, output = run("--sim", SELECT_DEMO_1, "00a4020c 02 5001", "00B0000000")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0] == f"> {SELECT_DEMO_1}"
    assert lines[1] == "< 9000"
    assert lines[2] == f"  9000 {meaning(0x9000)}"
    assert lines[3] == "> 00A4020C025001"
    assert lines[7].startswith("< " + b"Hello from the cardwire card.".hex().upper())


def test_json_output_is_one_array() -> None:
    code, output = run("--sim", "--json", SELECT_ECHO, "00 00 00 00 03 41 42 43 00")
    assert code == 0
    document = json.loads(output)
    assert document[1] == {
        "command": "000000000341424300",
        "resent_as": None,
        "response": "4142439000",
        "data": "414243",
        "sw": "9000",
    }


def test_get_response_and_6cxx_are_followed_unless_raw() -> None:
    apdus = (SELECT_ECHO, "0000000003414243", "000000000341424301")
    code, output = run("--sim", "--json", *apdus)
    assert code == 0
    cooked = json.loads(output)
    assert cooked[1]["data"] == "414243"  # 6103 then GET RESPONSE
    # 6C03: re-sent with Le = 03; the typed command stays, the re-sent one is said (issue 18)
    assert cooked[2]["command"] == "000000000341424301"
    assert cooked[2]["resent_as"] == "000000000341424303"
    assert cooked[1]["resent_as"] is None  # GET RESPONSE is not a re-send
    assert cooked[2]["data"] == "414243"
    code, output = run("--sim", *apdus)
    assert output.splitlines()[7:11] == [
        "> 000000000341424301",
        "  re-sent as 000000000341424303 (the card asked for another Le with 6Cxx)",
        "< 414243 9000",
        "    0000  41 42 43" + " " * 39 + "  ABC",
    ]
    code, output = run("--sim", "--json", "--raw", *apdus)
    raw = json.loads(output)
    assert raw[1] == {
        "command": "0000000003414243",
        "resent_as": None,
        "response": "6103",
        "data": "",
        "sw": "6103",
    }
    assert raw[2]["sw"] == "6C03"


def test_error_status_words_exit_0_unless_check() -> None:
    missing = "00A4040C05A000000000"
    code, output = run("--sim", missing)
    assert code == 0
    assert "6A82" in output
    code, output = run("--sim", "--check", missing)
    assert code == 1
    assert "error: card answered 6A82" in output


def test_malformed_input_exits_2() -> None:
    assert run("--sim", "00A4 0G")[0] == 2
    assert run("--sim", "00A4040005AABB")[0] == 2  # not a valid APDU (Lc=5, 2 data bytes)
    code, output = run("--sim", "--raw", "00A4040005AABB")
    assert (code, output.splitlines()[1]) == (0, "< 6700")  # raw: the card answers 6700
    assert run("--sim", "--reader", "0", "00A4040000")[0] == 2  # two cards chosen


def test_state_file_carries_changes_between_runs(tmp_path: Path) -> None:
    state = tmp_path / "state.yaml"
    wrong_pin = "002000010439393939"
    assert "< 63C2" in run("--sim", "--state", str(state), wrong_pin)[1]
    assert "< 63C1" in run("--sim", "--state", str(state), wrong_pin)[1]
    assert "< 63C2" in run("--sim", wrong_pin)[1]  # a fresh card without --state


def test_profile_option(tmp_path: Path) -> None:
    profile = tmp_path / "card.json"
    document = profiles.default_profile().to_dict()
    document["card"]["wrong_le"] = "61xx"
    profile.write_text(json.dumps(document))
    apdus = (SELECT_ECHO, "000000000341424301")
    code, output = run("--sim", "--json", "--raw", "--profile", str(profile), *apdus)
    assert code == 0
    assert json.loads(output)[1]["sw"] == "6103"


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["send", "--help"])
    assert "Example:" in result.output


def test_without_options_the_only_pcsc_reader_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str | int | None] = []

    def fake_reader(reader: str | int | None = None) -> MemoryTransport:
        opened.append(reader)
        return MemoryTransport(SimCard(), name="Fake Reader 00 00")

    monkeypatch.setattr(pcsc, "PcscTransport", fake_reader)
    code, output = run(SELECT_DEMO_1)
    assert (code, output.splitlines()[1]) == (0, "< 9000")
    code, output = run("--reader", "Fake", SELECT_DEMO_1)
    assert code == 0
    assert opened == [None, "Fake"]


def test_no_pcsc_service_exits_3(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_service(reader: str | int | None = None) -> MemoryTransport:
        raise NoServiceError("cannot reach PC/SC: the PC/SC service is not running")

    monkeypatch.setattr(pcsc, "PcscTransport", no_service)
    result = CliRunner().invoke(cli, ["send", "00A4040000"])
    assert result.exit_code == 3
    assert result.stderr == "error: cannot reach PC/SC: the PC/SC service is not running\n"


def test_verbose_shows_the_wire_on_stderr_and_trace_records_it(tmp_path: Path) -> None:
    trace_file = tmp_path / "send.trace"
    result = CliRunner().invoke(
        cli,
        ["send", "--sim", "-v", "--trace", str(trace_file), SELECT_ECHO, "0000000003414243"],
    )
    assert result.exit_code == 0, result.output
    wire = [line for line in result.stderr.splitlines() if line.startswith("  wire")]
    assert wire[-4:] == [
        "  wire > 0000000003414243",
        "  wire < 6103",
        "  wire > 00C0000003",  # GET RESPONSE (ISO/IEC 7816-4:2020 5.3.4)
        "  wire < 4142439000",
    ]
    assert "wire" not in result.stdout
    trace = parse(trace_file.read_text(encoding="utf-8"))
    assert [(e.command.hex().upper(), e.response.hex().upper()) for e in trace.exchanges] == [
        (SELECT_ECHO, "9000"),
        ("0000000003414243", "6103"),
        ("00C0000003", "4142439000"),
    ]


def _entry(command: str, response: str) -> TraceEntry:
    return TraceEntry(bytes.fromhex(command), bytes.fromhex(response), 0.0, 0.0)


@pytest.mark.parametrize(
    ("wire", "shown"),
    [
        ([], "0000000003414243"),
        (
            [_entry("0000000003414243", "6103"), _entry("00C0000003", "4142439000")],
            "0000000003414243",
        ),
        (
            [_entry("0000000003414243", "6C05"), _entry("000000000341424305", "41424344459000")],
            "000000000341424305",
        ),
        ([_entry("0000000003414243", "6C05"), _entry("00C0000005", "9000")], "0000000003414243"),
        ([_entry("0000000003414243", "6C05"), _entry("00C0", "9000")], "0000000003414243"),
    ],
)
def test_as_sent_reports_the_6cxx_resend(wire: list[TraceEntry], shown: str) -> None:
    command = Command.decode(bytes.fromhex("0000000003414243"))
    assert as_sent(command, wire).encode().hex().upper() == shown


def _one_error_line(result: object, code: int, text: str) -> None:
    from click.testing import Result

    assert isinstance(result, Result)
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and text in lines[0], lines


@pytest.mark.parametrize(
    ("option", "name", "content", "text"),
    [
        ("--profile", "card.yaml", b"card:\n  atr: \xff\xfe\n", "card.yaml: not a UTF-8 text file"),
        ("--state", "state.yaml", b"\x80state", "state.yaml: not a UTF-8 text file"),
        ("--profile", "card.json", b'{"card": "\xe9"}', "card.json: not a UTF-8 text file"),
        ("--profile", "bad.yaml", b"applets:\n  - type: x\n   bad: [1\n", "at line 3, column 4"),
    ],
)
def test_unreadable_profile_or_state_is_one_error_line(
    tmp_path: Path, option: str, name: str, content: bytes, text: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["send", "--sim", option, str(path), "00A4040000"])
    _one_error_line(result, 2, text)


def test_a_spaced_apdu_pasted_without_quotes_is_joined() -> None:
    # issue 18: as `decode apdu` joins its arguments
    code, output = run(
        "--sim",
        *["00", "A4", "04", "0C", "0A", "F0", "63", "61", "72", "64", "77", "69", "72", "65", "01"],
    )
    assert code == 0, output
    assert output.splitlines()[:2] == ["> 00A4040C0AF0636172647769726501", "< 9000"]


def test_a_fragment_among_apdus_says_to_quote() -> None:
    code, output = run("--sim", "00A4040C", "0A", "F0636172647769726501")
    assert code == 2
    assert output == (
        "error: APDU 2: 1 byte is not a command APDU; an APDU with spaces is one argument: "
        'quote it ("00 A4 04 00 ...")\n'
    )


def test_a_secure_send_joins_a_spaced_apdu_too() -> None:
    result = CliRunner().invoke(
        cli,
        ["pace", "--can", "123456", "send", "--sim", *["00", "A4", "02", "0C", "02", "01", "01"]],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("> 00A4020C020101\n< 9000\n")


def _echo_without_le(length: int) -> str:
    """An extended case 3 APDU to the echo applet: its answer comes through GET RESPONSE,
    ``61xx`` after ``61xx`` (docs/simulator.md, "Response length")."""
    return f"00000000 00{length:04X} " + "41" * length


def test_a_long_get_response_answer_shows_progress_on_a_terminal_stderr() -> None:
    # issue 18: stdout redirected, stderr a terminal; 3000 bytes come in 12 GET RESPONSE rounds
    done = run_with_terminal_stderr("send", "--sim", SELECT_ECHO, _echo_without_le(3000))
    assert done.returncode == 0
    assert "answer" in done.shown  # the bar's label
    assert b"\x1b[" not in done.stdout  # stdout stays plain
    assert "41" * 3000 + " 9000" in done.stdout.decode()


def test_one_short_get_response_round_shows_nothing() -> None:
    # 61C8: the rest (200 bytes) comes in one GET RESPONSE: no bar
    done = run_with_terminal_stderr("send", "--sim", SELECT_ECHO, _echo_without_le(200))
    assert done.returncode == 0
    assert done.screen == b""


def test_many_apdus_show_a_bar_over_them_on_a_terminal_stderr() -> None:
    done = run_with_terminal_stderr(
        "send", "--sim", "--json", SELECT_ECHO, *["000000000141"] * PROGRESS_MIN_APDUS
    )
    assert done.returncode == 0
    assert "APDUs" in done.shown
    assert len(json.loads(done.stdout)) == PROGRESS_MIN_APDUS + 1


def test_no_progress_when_stderr_is_not_a_terminal() -> None:
    result = CliRunner().invoke(cli, ["send", "--sim", SELECT_ECHO, _echo_without_le(3000)])
    assert (result.exit_code, result.stderr) == (0, "")
    assert "\x1b[" not in result.stdout
