"""``cardwire run SCRIPT``: run an APDU script (a superset of scriptor's format) on a card.

The whole script is parsed first (a syntax error exits 2 before anything is sent), then run
statement by statement; each exchange is printed as ``cardwire send`` prints it. A failed
``expect`` prints the line number, the line, the expected and the received values on stderr and
exits 1 (``--keep-going`` runs the rest first). A summary ends the output; ``--json`` prints it
as one document instead. Grammar: :mod:`cardwire.scripting.grammar` and docs/cli.md.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click

from cardwire.apdu import Command
from cardwire.cli.app import EXIT_FAILED, EXIT_OK, cli
from cardwire.cli.output import emit_json, json_option
from cardwire.cli.progress import apdu_bar, stderr_progress
from cardwire.cli.secure_protocols import check_open, close_statement, open_statement
from cardwire.cli.send_cmd import as_sent
from cardwire.cli.target import (
    CardTarget,
    Disconnect,
    leave_option,
    open_card,
    reset_option,
    target_options,
    verbose_option,
    wire_printer,
)
from cardwire.errors import CardwireError, DecodeError, UsageError
from cardwire.hexutil import to_hex
from cardwire.scripting.grammar import (
    CloseChannel,
    CloseSecure,
    OpenChannel,
    OpenSecure,
    Reset,
    Script,
    SendApdu,
    Statement,
    UseChannel,
    parse_script,
)
from cardwire.scripting.runner import Outcome, ScriptRunner, exchange_lines
from cardwire.trace.recorder import TraceEntry


@dataclass
class Tally:
    """What the run did so far: the summary and the --json document."""

    commands: int = 0
    met: int = 0
    failed: int = 0
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def count(self, outcome: Outcome) -> None:
        statement = outcome.statement
        if not isinstance(statement, SendApdu):
            self.steps.append(_step(outcome))
            return
        if outcome.response is None:
            return
        assert outcome.command is not None
        self.commands += 1
        met = outcome.expectation_met
        self.met += met is True
        self.failed += met is False
        response = outcome.response
        self.exchanges.append(
            {
                "line": statement.source.line,
                "command": to_hex(outcome.command),
                "resent_as": None if outcome.resent_as is None else to_hex(outcome.resent_as),
                "response": to_hex(response.encode()),
                "data": to_hex(response.data),
                "sw": f"{response.sw:04X}",
                "expect": statement.expect.describe() if statement.expect else None,
                "met": met,
            }
        )
        if met is False:
            self.failures.append(
                {
                    "line": statement.source.line,
                    "text": statement.source.text,
                    "problem": outcome.mismatch,
                }
            )

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.error is None

    def summary(self) -> str:
        noun = "command" if self.commands == 1 else "commands"
        return f"{self.commands} {noun} sent; expectations: {self.met} met, {self.failed} failed"

    def document(self, script_name: str) -> dict[str, Any]:
        return {
            "script": script_name,
            "ok": self.ok,
            "commands": self.commands,
            "expectations": {"met": self.met, "failed": self.failed},
            "exchanges": self.exchanges,
            "steps": self.steps,
            "failures": self.failures,
            "error": self.error,
        }


_STEP_NAMES: dict[type, str] = {
    Reset: "reset",
    OpenChannel: "open-channel",
    UseChannel: "channel",
    CloseChannel: "close-channel",
    OpenSecure: "open",
    CloseSecure: "close",
}


def _step(outcome: Outcome) -> dict[str, Any]:
    """A statement that is not an APDU, for --json: what it did (never an ``open`` option)."""
    statement = outcome.statement
    step: dict[str, Any] = {"line": statement.source.line, "step": _STEP_NAMES[type(statement)]}
    if outcome.channel is not None:
        step["channel"] = outcome.channel
    if isinstance(statement, OpenSecure):
        step["protocol"] = statement.protocol
    if outcome.atr is not None:
        step["atr"] = to_hex(outcome.atr)
    return step


def _with_resend(outcome: Outcome, wire: Sequence[TraceEntry]) -> Outcome:
    """An APDU's outcome with the 6Cxx re-send said, as ``cardwire send`` says it: the typed
    command, then ``re-sent as`` (ISO/IEC 7816-4:2020 5.6, SW1 = 6C: re-sent with Le = SW2)."""
    statement = outcome.statement
    if not isinstance(statement, SendApdu) or statement.secret:
        return outcome
    if outcome.command is None or outcome.response is None:
        return outcome
    typed = Command.decode(outcome.command)
    sent = as_sent(typed, wire).encode()
    if sent == outcome.command:
        return outcome
    lines = exchange_lines(sent, outcome.response, outcome.command)
    return replace(outcome, lines=lines, resent_as=sent)


def _where(statement: Statement, show_keys: bool) -> str:
    """``line N: TEXT``; an ``open`` line's options may hold secrets: hidden unless asked."""
    text = statement.source.text
    if isinstance(statement, OpenSecure) and not show_keys:
        text = f"open {statement.protocol} (options hidden)"
    if isinstance(statement, SendApdu) and statement.secret and not show_keys:
        text = f"{text.split()[0]} (arguments hidden)"
    return f"line {statement.source.line}: {text}"


def _read_script(path: str) -> str:
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the script {path}: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        name = "standard input" if path == "-" else path
        raise DecodeError(f"the script {name} is not UTF-8 text", exc.start) from None


def _parse(path: str, raw: bool) -> Script:
    """The whole script, checked before anything is sent: its syntax, and the protocol and
    options of every ``open`` line (docs/cli.md, "Scripts")."""
    try:
        script = parse_script(_read_script(path), raw=raw)
        for statement in script.statements:
            if isinstance(statement, OpenSecure):
                try:
                    check_open(statement.words)
                except UsageError as exc:
                    raise UsageError(f"line {statement.source.line}: {exc}") from exc
    except UsageError as exc:
        raise UsageError(f"{path}: {exc}") from exc
    return script


@cli.command("run")
@click.argument("script_path", metavar="SCRIPT", type=click.Path(dir_okay=False, allow_dash=True))
@target_options
@click.option("--raw", is_flag=True, help="No layers: APDUs go on the wire as written, once.")
@click.option("--keep-going", is_flag=True, help="Run the rest after a failed expectation.")
@click.option("--show-keys", is_flag=True, help="Show the options of 'open' lines (secrets).")
@json_option("Print one JSON summary document.")
@click.option("--gpshell", is_flag=True, help="SCRIPT is a GPShell script (docs/gp.md).")
@verbose_option
@reset_option
@leave_option
def run(
    script_path: str,
    target: CardTarget,
    raw: bool,
    keep_going: bool,
    show_keys: bool,
    as_json: bool,
    gpshell: bool,
    verbose: bool,
    reset: bool,
    leave: bool,
) -> None:
    """Run an APDU script (scriptor files run unchanged; '-' reads stdin).

    One statement per line: HEX [expect SW [REGEX]], reset, exit, set NAME HEX (then
    ${NAME}), open-channel, channel N, close-channel N, open PROTOCOL [OPTIONS], close;
    '#' starts a comment. The card refusing a command does not stop the script; a failed
    expect does (exit 1). A syntax error exits 2 before anything is sent. A script that
    opened a secure session resets the card at the end (--leave keeps it as it is).

    \b
    Example:
      cardwire run --sim --trace hello.trace hello.apdu
      (hello.apdu: "00A4040C0AF0636172647769726501 expect 9000", then
       "00A4020C025001", then "00B0000005 expect 9000 48656C6C6F")
    """
    if gpshell:
        from cardwire.cli.gpshell_run import run_gpshell

        sys.exit(run_gpshell(script_path, target, verbose=verbose, reset=reset, leave=leave))
    script = _parse(script_path, raw)
    tally = Tally()
    show_wire = wire_printer(lambda line: click.echo(line, err=True)) if verbose else None
    wire: list[TraceEntry] = []

    def on_wire(entry: TraceEntry) -> None:
        wire.append(entry)
        if show_wire is not None:
            show_wire(entry)

    exit_code = EXIT_OK
    disconnect = Disconnect(leave=leave)
    with (
        stderr_progress() as bars,
        open_card(target, on_wire=on_wire, reset=reset, disconnect=disconnect) as card,
    ):
        advance = apdu_bar(bars, script.apdu_count)  # on stderr, when it is a terminal
        runner = ScriptRunner(
            card,
            raw=raw,
            open_secure=open_statement,
            close_secure=close_statement,
            show_keys=show_keys,
        )
        for statement in script.statements:
            if isinstance(statement, OpenSecure):
                disconnect.secure = True  # reset on disconnect from here on (unless --leave)
            wire.clear()
            try:
                outcome = runner.run(statement)
                if not raw:
                    outcome = _with_resend(outcome, wire)
            except CardwireError as exc:
                tally.error = f"{_where(statement, show_keys)}: {exc}"
                click.echo(f"error: {tally.error}", err=True)
                exit_code = exc.exit_code
                break
            tally.count(outcome)
            if isinstance(statement, SendApdu):
                advance()
            if not as_json:
                for line in outcome.lines:
                    click.echo(line)
            if outcome.mismatch is not None:
                click.echo(f"error: {_where(statement, show_keys)}: {outcome.mismatch}", err=True)
                exit_code = EXIT_FAILED
                if not keep_going:
                    break
    if as_json:
        emit_json(tally.document(script_path))
    else:
        click.echo(tally.summary())
    sys.exit(exit_code)
