"""``--trace FILE`` on every command that talks to a card: the wire as it went, header with
ATR, reader and time, no keys; written also when the command fails."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cardwire.cli import cli
from cardwire.errors import UsageError
from cardwire.hexutil import to_hex
from cardwire.sim.card import SimCard
from cardwire.trace.model import Exchange, Reset, Trace
from cardwire.trace.recorder import TraceRecorder, tool
from cardwire.trace.text import parse
from cardwire.transport.memory import MemoryTransport

SELECT_DEMO_1 = "00A4040C0AF0636172647769726501"
SELECT_ECHO = "00A4040C0AF0636172647769726503"
# The ICAO Doc 9303-11 Appendix D specimen MRZ (document L898902C<, born 690806, expires
# 940623); the simulated ePassport is keyed with it (docs/simulator.md).
SPECIMEN_MRZ = "L898902C<,690806,940623"


def commands_with_a_card(group: click.Group, path: str = "") -> list[tuple[str, click.Command]]:
    # The CLI loads its commands lazily (cli/app.py): ask the group, not ``group.commands``.
    ctx = click.Context(group)
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found += commands_with_a_card(command, f"{path}{name} ")
        elif any("--sim" in getattr(p, "opts", ()) for p in command.params):
            found.append((f"{path}{name}", command))
    return found


def test_every_command_that_talks_to_a_card_takes_trace() -> None:
    commands = commands_with_a_card(cli)
    assert {"send", "run", "shell"} <= {name for name, _ in commands}
    for name, command in commands:
        options = {opt for param in command.params for opt in getattr(param, "opts", ())}
        assert "--trace" in options, name


def read_trace(path: Path) -> Trace:
    return parse(path.read_text(encoding="utf-8"))


def test_recorder_writes_header_and_exchanges_when_closed(tmp_path: Path) -> None:
    path = tmp_path / "card.trace"
    card = SimCard()
    recorder = TraceRecorder(MemoryTransport(card, name="Reader X"), path=path)
    assert path.read_text() == ""  # created at once: a bad path fails before any exchange
    assert recorder.transmit(bytes.fromhex(SELECT_DEMO_1)) == b"\x90\x00"
    recorder.close()
    recorder.close()
    text = path.read_text()
    assert text.splitlines()[:4] == [
        "# version: 1",
        f"# tool: {tool()}",
        f"# atr: {to_hex(card.atr)}",
        "# reader: Reader X",
    ]
    trace = parse(text)
    assert trace.exchanges == (Exchange(bytes.fromhex(SELECT_DEMO_1), b"\x90\x00"),)
    assert trace.header.time == recorder.started_at.isoformat(timespec="seconds")


def test_a_reset_is_written_where_it_happened(tmp_path: Path) -> None:
    script = tmp_path / "reset.apdu"
    script.write_text(f"{SELECT_DEMO_1}\nreset\n{SELECT_ECHO}\n")
    trace_file = tmp_path / "reset.trace"
    result = CliRunner().invoke(cli, ["run", "--sim", "--trace", str(trace_file), str(script)])
    assert result.exit_code == 0, result.output
    body = trace_file.read_text().splitlines()[5:]
    atr = to_hex(SimCard().atr)
    assert body == [f"> {SELECT_DEMO_1}", "< 9000", f"# reset: {atr}", f"> {SELECT_ECHO}", "< 9000"]
    assert [type(event) for event in read_trace(trace_file).events] == [Exchange, Reset, Exchange]


def test_an_unwritable_trace_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write the trace"):
        TraceRecorder(MemoryTransport(SimCard()), path=tmp_path / "missing" / "x.trace")
    result = CliRunner().invoke(
        cli, ["send", "--sim", "--trace", str(tmp_path / "missing" / "x.trace"), SELECT_DEMO_1]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot write the trace")
    assert result.stdout == ""


def test_run_writes_the_trace_also_when_an_expectation_fails(tmp_path: Path) -> None:
    script = tmp_path / "check.apdu"
    script.write_text(f"{SELECT_DEMO_1} expect 9000\n00B0000004 expect 9000\n00B0000000\n")
    trace_file = tmp_path / "run.trace"
    result = CliRunner().invoke(cli, ["run", "--sim", "--trace", str(trace_file), str(script)])
    assert result.exit_code == 1
    trace = read_trace(trace_file)
    assert [to_hex(e.command) for e in trace.exchanges] == [SELECT_DEMO_1, "00B0000004"]
    assert trace.header.reader == "cardwire simulated card"


def test_secure_exchanges_are_written_as_they_went_over_the_wire(tmp_path: Path) -> None:
    script = tmp_path / "bac.apdu"
    script.write_text(f"open bac --mrz '{SPECIMEN_MRZ}'\n00A4020C020101 expect 9000\n")
    trace_file = tmp_path / "bac.trace"
    result = CliRunner().invoke(cli, ["run", "--sim", "--trace", str(trace_file), str(script)])
    assert result.exit_code == 0, result.output
    text = trace_file.read_text(encoding="utf-8")
    commands = [to_hex(e.command) for e in parse(text).exchanges]
    assert commands[1] == "0084000008"  # GET CHALLENGE (ICAO Doc 9303-11 4.3)
    assert commands[2].startswith("0082000028")  # EXTERNAL AUTHENTICATE
    # The SELECT went protected (CLA 0C: ISO/IEC 7816-4 SM, header authenticated).
    assert commands[-1].startswith("0CA4020C")
    assert "00A4020C020101" not in commands
    assert "L898902C" not in text
    assert [line[:7] for line in text.splitlines() if line.startswith("#")] == [
        "# versi",
        "# tool:",
        "# atr: ",
        "# reade",
        "# time:",
        "# reset",  # the script opened a session: the card is reset when it disconnects
    ]


def test_shell_and_demo_take_trace(tmp_path: Path) -> None:
    shell_trace = tmp_path / "shell.trace"
    result = CliRunner().invoke(
        cli, ["shell", "--sim", "--trace", str(shell_trace)], input="select F0636172647769726501\n"
    )
    assert result.exit_code == 0, result.output
    ((command, response),) = [(e.command, e.response) for e in read_trace(shell_trace).exchanges]
    assert (command[:4], response[-2:]) == (bytes.fromhex("00A40400"), b"\x90\x00")  # SELECT
    demo_trace = tmp_path / "demo.trace"
    result = CliRunner().invoke(cli, ["demo", "--trace", str(demo_trace)])
    assert result.exit_code == 0, result.output
    first = read_trace(demo_trace).exchanges[0]
    assert first == Exchange(bytes.fromhex("0070000001"), b"\x01\x90\x00")


def test_the_readme_path_as_a_new_user(tmp_path: Path) -> None:
    """Send an APDU to the simulated card, run a script with expectations, record a trace and
    read it back with the library's trace reader."""
    runner = CliRunner()
    sent = runner.invoke(cli, ["send", "--sim", SELECT_DEMO_1, "00A4020C025001", "00B0000005"])
    assert sent.exit_code == 0, sent.output
    assert "< 48656C6C6F 9000" in sent.stdout  # "Hello"
    script = tmp_path / "hello.apdu"
    script.write_text(
        "# select demo application 1, then EF 5001, and read it\n"
        f"{SELECT_DEMO_1} expect 9000\n"
        "00A4020C025001 expect 9000\n"
        "00B0000005 expect 9000 48656C6C6F\n"
    )
    trace_file = tmp_path / "hello.trace"
    ran = runner.invoke(cli, ["run", "--sim", "--trace", str(trace_file), str(script)])
    assert ran.exit_code == 0, ran.output
    assert ran.stdout.splitlines()[-1] == "3 commands sent; expectations: 3 met, 0 failed"
    trace = read_trace(trace_file)
    assert trace.header.atr == SimCard().atr
    assert trace.exchanges[-1] == Exchange(bytes.fromhex("00B0000005"), b"Hello\x90\x00")
