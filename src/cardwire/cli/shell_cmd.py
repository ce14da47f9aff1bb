"""``cardwire shell``: an interactive prompt that sends hex APDUs or named commands.

The interpreter (:class:`ShellSession`) takes one line and returns what to print; the click
command around it only reads lines (with readline history on a terminal) and prints. With stdin
not a terminal it prints no banner or prompt, skips blank and ``#`` lines, stops at the end of
input, and exits 1 if any command failed (an error status word or bad input).
"""

from __future__ import annotations

import contextlib
import getpass
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from cardwire.card import Card
from cardwire.cli.app import EXIT_FAILED, EXIT_OK, cli
from cardwire.cli.progress import file_read_bar
from cardwire.cli.shell_session import Outcome, ShellSession, describe
from cardwire.cli.target import CardTarget, target_options
from cardwire.errors import CardwireError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.ins import carries_secret
from cardwire.scripting.named import NAMED_COMMANDS

__all__ = ["Outcome", "ShellSession", "describe", "fit_for_history", "run_script", "shell"]


def run_script(session: ShellSession, lines: Iterable[str], echo: Callable[[str], None]) -> bool:
    """Run lines (no prompt); True if every command succeeded."""
    ok = True
    for number, line in enumerate(lines, start=1):
        outcome = session.run_line(line)
        for text in outcome.lines:
            if outcome.failed and text.startswith("error: "):
                click.echo(f"error: line {number}: {text[len('error: ') :]}", err=True)
            else:
                echo(text)
        ok = ok and not outcome.failed
        if outcome.leave:
            break
    return ok


def _history_file() -> Path:
    return Path.home() / ".cardwire_history"


def fit_for_history(line: str) -> bool:
    """Whether ``line`` may be kept in the history file: never a secret (docs/cli.md, "shell").

    Dropped whole (not redacted): ``verify REF PIN``, ``change-pin REF OLD NEW``,
    ``unblock-pin REF PUK NEW`` (with or without ``--pad-ff``), every ``open`` with options
    (they hold the MRZ, keys, PIN, CAN, PUK or pairing password, as literals or @FILE/env:
    references), and a hex APDU whose data is a secret (VERIFY, CHANGE REFERENCE DATA, RESET
    RETRY COUNTER, PUT KEY, the Keycard PIN commands: cardwire.ins.carries_secret).
    """
    words = line.split()
    if not words:
        return False
    keyword = words[0].lower()
    named = NAMED_COMMANDS.get(keyword)
    if named is not None and named.secret:
        return len([word for word in words if not word.startswith("-")]) < 3
    if keyword == "open":
        return len(words) < 3
    try:
        apdu = parse_hex(line)
    except CardwireError:
        return True  # not hex: a named command without secrets, or a typo
    return not (len(apdu) > 5 and carries_secret(apdu[0], apdu[1]))


def run_interactive(session: ShellSession, banner: str) -> None:
    """The prompt loop with readline history (kept in ~/.cardwire_history)."""
    try:
        import readline
    except ImportError:  # pragma: no cover - every Linux Python has it
        readline = None  # type: ignore[assignment]
    history = _history_file()
    if readline is not None:
        from cardwire.cli.shell_complete import Completer

        readline.set_auto_history(False)  # lines are added by fit_for_history only
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
        readline.set_completer_delims(" \t")  # a path 3F00/5000 completes as one word
        readline.set_completer(Completer(session, readline.get_line_buffer))
        readline.parse_and_bind("tab: complete")
    click.echo(banner)
    try:
        while True:
            try:
                line = input(session.prompt)
            except EOFError:
                click.echo()
                break
            except KeyboardInterrupt:
                click.echo()
                continue
            if readline is not None and fit_for_history(line):
                readline.add_history(line)
            outcome = session.run_line(line)
            for text in outcome.lines:
                click.echo(text, err=outcome.failed and text.startswith("error: "))
            if outcome.leave:
                break
    finally:
        if readline is not None:
            with contextlib.suppress(OSError):
                readline.write_history_file(history)


@cli.command()
@target_options
def shell(target: CardTarget) -> None:
    """Interactive prompt: send hex APDUs or named commands, see decoded answers.

    Without --sim or --reader it uses the only PC/SC reader present. On a terminal it shows
    a prompt with the channel, the selected files and the secure session
    (cardwire[0:3F00/5000/5001 pace]>), completes commands, options, protocols and the files
    seen with Tab, asks PINs left off a line without echo, and keeps a history without
    secrets. With stdin not a terminal it reads one command per line (blank and '#' lines
    skipped) and exits 1 if any command failed. Type 'help' for the commands.

    \b
    Example:
      cardwire shell --sim
      printf 'select 3F00/5000\\nverify 1 1234\\nselect 5003\\ncat\\n' | cardwire shell --sim
    """
    with Card(target.open()) as card:
        interactive = sys.stdin.isatty()
        # a PIN left off the line is asked without echo, on a terminal only (getpass); a long
        # read shows its progress on stderr when that is a terminal (file_read_bar)
        ask = getpass.getpass if interactive else None
        session = ShellSession(card, ask, read_bars=file_read_bar)
        if interactive:
            banner = f"cardwire shell on {card.transport.name}, ATR {to_hex(card.atr)}; 'help'"
            run_interactive(session, banner)
            return
        # bytes that are not UTF-8 make that line an error (exit 1), never a traceback
        lines = (raw.decode("utf-8", "replace") for raw in sys.stdin.buffer)
        ok = run_script(session, lines, click.echo)
    sys.exit(EXIT_OK if ok else EXIT_FAILED)
