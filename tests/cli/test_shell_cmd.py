"""``cardwire shell --sim`` through the click runner (stdin not a terminal), and the
interpreter alone for the prompt and the interactive-only behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.card import Card
from cardwire.cli import cli, shell_cmd
from cardwire.cli.shell_cmd import ShellSession
from cardwire.errors import TransportError
from cardwire.sim import open_card
from cardwire.sim.card import SimCard
from cardwire.sw import meaning
from cardwire.transport import pcsc
from cardwire.transport.memory import MemoryTransport
from pty_session import run_with_terminal_stderr


def run(script: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["shell", "--sim", *args], input=script)
    return result.exit_code, result.stdout, result.stderr


def test_a_good_script_exits_0_without_banner_or_prompt() -> None:
    code, out, err = run(
        "# a comment\n"
        "\n"
        "select F0636172647769726501\n"
        "verify 1 1234\n"
        "select 5003\n"
        "read-binary\n"
        "read-binary 4 6\n"
        "00 B0 00 00 03\n"
        "open-channel\n"
        "channel 1\n"
        "select F0636172647769726502\n"
        "select 6001\n"
        "read-binary 0 6\n"
        "get-challenge 8\n"
        "close-channel 1\n"
        "help\n"
    )
    assert (code, err) == (0, "")
    assert "cardwire[" not in out
    assert 'text: "top secret: 42"' in out
    assert 'text: "secret"' in out
    assert 'text: "top"' in out
    assert "channel 1 open" in out
    assert 'text: "second"' in out
    assert "channel 1 closed; using channel 0" in out
    assert "read-record N" in out  # the help text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("verify 1 0000", ""),  # 63C2: the card refused
        ("select 3F01", ""),  # 6A82
        ("frobnicate", "unknown command 'frobnicate'"),
        ("00B0", "4-byte header"),
        ("read-binary x", "OFFSET must be a decimal number"),
        ("read-record", "usage: read-record N"),
        ("channel 3", "channel 3 is not open"),
        ("close-channel 0", "channel 0 cannot be closed"),
        ("verify 1", "the values are asked only on a terminal"),
        ("select 3F0", "odd number of hex digits"),
    ],
)
def test_a_failed_command_makes_exit_1(line: str, message: str) -> None:
    code, out, err = run(f"{line}\nselect 3F00\n")
    assert code == 1
    assert "sw: 9000" in out  # the next line still ran
    assert err.startswith("error: line 1: ") == bool(message)
    assert message in err


def test_exit_stops_the_script() -> None:
    code, out, _ = run("exit\nselect 3F01\n")
    assert (code, out) == (0, "")


def test_without_options_the_only_pcsc_reader_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str | int | None] = []

    def only_reader(reader: str | int | None = None) -> MemoryTransport:
        opened.append(reader)
        return MemoryTransport(SimCard(), name="Only Reader 00 00")

    monkeypatch.setattr(pcsc, "PcscTransport", only_reader)
    result = CliRunner().invoke(cli, ["shell"], input="select F0636172647769726501\n")
    assert (result.exit_code, opened) == (0, [None])


def test_prompt_follows_the_channel_and_reset() -> None:
    session = ShellSession(open_card())
    assert session.prompt == "cardwire[0]> "
    session.run_line("open-channel")
    session.run_line("channel 1")
    assert session.prompt == "cardwire[1]> "
    outcome = session.run_line("reset")
    assert outcome.lines[0].startswith("atr: 3B")
    assert session.prompt == "cardwire[0]> "
    assert session.run_line("channel 1").failed  # reset forgot the channel
    assert session.run_line("exit").leave


def test_transport_errors_are_not_swallowed() -> None:
    card = open_card()
    session = ShellSession(card)
    card.transport.close()
    with pytest.raises(TransportError):
        session.run_line("select 3F00")


# --- no secret in the history file (issue 15) -------------------------------------------------

SAFE_LINES = ["select F0636172647769726501", "read-binary 0 4", "00B0000004", "verify 1", "open"]
SECRET_LINES = [
    "verify 1 1234",
    "VERIFY 1 123456",
    "open bac --mrz L898902C<369080619406236",
    "open scp03 --keys 404142434445464748494A4B4C4D4E4F",
    "open pace --pin 123456",
    "open pace --can 123456",
    "open pace --puk 1234567890",
    "open keycard --pairing-password KeycardDefaultPairing",
    "00 20 00 01 04 31323334",
    "002C0203053132333435",
    "80 D8 00 01 03 112233",
]


@pytest.mark.parametrize("line", SAFE_LINES)
def test_lines_without_secrets_are_kept(line: str) -> None:
    assert shell_cmd.fit_for_history(line)


@pytest.mark.parametrize("line", SECRET_LINES)
def test_lines_with_secrets_are_dropped(line: str) -> None:
    assert not shell_cmd.fit_for_history(line)


def test_the_history_file_holds_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readline = pytest.importorskip("readline")
    readline.clear_history()
    lines = iter([*SAFE_LINES[:3], *SECRET_LINES])
    monkeypatch.setattr(shell_cmd, "_history_file", lambda: tmp_path / "history")

    def fake_input(prompt: str) -> str:  # input() with readline, as on a terminal
        line = next(lines, None)
        if line is None:
            raise EOFError
        return line

    monkeypatch.setattr("builtins.input", fake_input)
    with Card(MemoryTransport(SimCard())) as card:
        shell_cmd.run_interactive(shell_cmd.ShellSession(card), "banner")
    assert (tmp_path / "history").read_text(encoding="utf-8").split() == " ".join(
        SAFE_LINES[:3]
    ).split()
    readline.clear_history()


def test_input_that_is_not_utf8_is_an_error_line_not_a_traceback() -> None:
    script = b"select F0636172647769726501\n\xff\xfe\nread-binary 0 4\n"
    result = CliRunner().invoke(cli, ["shell", "--sim"], input=script)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.count("error: ") == 1 and "line 2: unknown command" in result.stderr
    assert result.stdout.count("sw: ") == 2  # the line after it still ran


def test_expect_checks_a_line_as_run_does() -> None:
    # issue 18, "one language": `expect SW [REGEX]` ends any shell line, as in scripts
    script = (
        "select F0636172647769726501 expect 9000\n"
        "select 5001 expect 90XX\n"
        "read-binary 0 5 expect 9000 48656C6C6F\n"
        "00B0000005 expect 9000 48.*\n"
        "select 5099 expect 9000\n"
    )
    code, out, err = run(script)
    assert code == 1, out + err
    # as run says it: the line number, expected and received (stdin: on stderr)
    assert err == f"error: line 5: expected SW 9000, received 6A82 ({meaning(0x6A82)})\n"


def test_a_data_mismatch_and_a_bad_expect() -> None:
    code, _, err = run(
        "select F0636172647769726501\nselect 5001\nread-binary 0 5 expect 9000 00.*\n"
    )
    assert code == 1
    assert err == "error: line 3: expected data matching 00.*, received 48656C6C6F\n"
    # a bad expectation is refused before the command is sent
    session = ShellSession(open_card())
    outcome = session.run_line("get-challenge expect 9G00")
    assert outcome.failed
    assert outcome.lines == [
        "error: usage: HEX expect SW [REGEX] (SW: 4 hex digits or X, e.g. 61XX)"
    ]
    assert session.last is None
    outcome = session.run_line("ls expect 9000")
    assert outcome.failed
    assert outcome.lines[-1] == "error: expect: the command sent nothing to check"


EF_5006 = bytes(i % 251 for i in range(40000))  # docs/simulator.md: byte i = i mod 251
BIG_READS = "select 3F00/5000/5006\ncat\nget 3F00/5000/5006 {local}\n"


@pytest.mark.parametrize("line", ["select 3F00/5000/5006\ncat", "get 3F00/5000/5006 {local}"])
def test_cat_and_get_show_progress_on_a_terminal_stderr_with_stdout_redirected(
    tmp_path: Path, line: str
) -> None:
    # issue 18: `cardwire shell --sim < lines > out.txt` typed at a terminal
    local = tmp_path / "5006.bin"
    done = run_with_terminal_stderr("shell", "--sim", stdin=line.format(local=local).encode())
    assert done.returncode == 0
    screen = done.shown
    assert "EF 3F00/5000/5006" in screen  # the bar's label
    assert "40000/40000 bytes" in screen  # out of the FCP's size
    assert b"\x1b[" not in done.stdout  # stdout stays plain
    if line.startswith("get"):
        assert local.read_bytes() == EF_5006
    else:
        assert f"data: {EF_5006.hex().upper()}" in done.stdout.decode().splitlines()


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    local = tmp_path / "5006.bin"
    code, out, err = run(BIG_READS.format(local=local))
    assert (code, err) == (0, "")
    assert "\x1b[" not in out
    assert local.read_bytes() == EF_5006


def test_a_one_apdu_read_shows_no_progress() -> None:
    done = run_with_terminal_stderr("shell", "--sim", stdin=b"select 3F00/5000/5001\ncat\n")
    assert done.returncode == 0
    assert b"bytes" not in done.screen  # nothing was drawn
    assert 'text: "Hello from the cardwire card."' in done.stdout.decode()
