"""``cardwire shell``: an interactive prompt that sends hex APDUs or named commands.

The interpreter (:class:`ShellSession`) takes one line and returns what to print; the click
command around it only reads lines (with readline history on a terminal) and prints. With stdin
not a terminal it prints no banner or prompt, skips blank and ``#`` lines, stops at the end of
input, and exits 1 if any command failed (an error status word or bad input).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import click

from cardwire.apdu import Command, Response
from cardwire.card import Card, CardCommands
from cardwire.channels import Channel
from cardwire.cli.app import EXIT_FAILED, EXIT_OK, cli
from cardwire.cli.target import CardTarget, target_options
from cardwire.errors import CardwireError, DecodeError, TransportError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.ins import carries_secret
from cardwire.sw import check as check_sw
from cardwire.sw import meaning

HELP = """\
commands (hex is any case, spaces and colons allowed; numbers are decimal):
  HEX                       send a command APDU (on channel N > 0 its CLA gets channel N)
  select FID|AID            SELECT a file (2 bytes) or an application / DF by name
  read-binary [OFFSET [LEN]]  READ BINARY of the current EF (default 0 256)
  read-record N             READ RECORD N of the current record EF
  verify REF PIN            VERIFY the PIN (ASCII) against reference REF
  get-challenge [LEN]       GET CHALLENGE (default 8 bytes)
  open-channel              MANAGE CHANNEL open (the card assigns the number)
  channel N                 use channel N (0 or one opened here)
  close-channel N           MANAGE CHANNEL close
  open NAME [OPTIONS]       run a secure protocol's handshake on this channel (open bac --mrz ...)
  close                     end the secure session on this channel
  reset                     reset the card (channels and secure sessions end)
  help                      this text
  exit                      leave (end of input does too)"""


@dataclass
class Outcome:
    """What one line did: the lines to print, and whether it failed."""

    lines: list[str] = field(default_factory=list)
    failed: bool = False
    leave: bool = False


def _decimal(text: str, what: str, low: int, high: int) -> int:
    if not text.isdigit():
        raise UsageError(f"{what} must be a decimal number, got {text!r}")
    value = int(text)
    if not low <= value <= high:
        raise UsageError(f"{what} must be {low}..{high}, got {value}")
    return value


def describe(response: Response) -> list[str]:
    """A response as lines: data (hex, and text when printable), status word and meaning."""
    lines = []
    if response.data:
        lines.append(f"data: {to_hex(response.data)}")
        if all(0x20 <= b < 0x7F for b in response.data):
            lines.append(f'text: "{response.data.decode("ascii")}"')
    lines.append(f"sw: {response.sw:04X} ({meaning(response.sw)})")
    return lines


def _failed(response: Response) -> bool:
    try:
        check_sw(response.sw)
    except CardwireError:
        return True
    return False


class ShellSession:
    """The shell's state (card, channels, the channel in use) and its line interpreter."""

    def __init__(self, card: Card) -> None:
        self.card = card
        self.channels: dict[int, Channel] = {}
        self.current = 0
        self._commands: dict[str, Callable[[list[str]], Outcome]] = {
            "select": self._select,
            "read-binary": self._read_binary,
            "read-record": self._read_record,
            "verify": self._verify,
            "get-challenge": self._get_challenge,
            "open-channel": self._open_channel,
            "channel": self._channel,
            "close-channel": self._close_channel,
            "open": self._open,
            "close": self._close,
            "reset": self._reset,
            "help": self._help,
            "exit": self._exit,
            "quit": self._exit,
        }

    @property
    def prompt(self) -> str:
        return f"cardwire[{self.current}]> "

    @property
    def target(self) -> CardCommands:
        return self.card if self.current == 0 else self.channels[self.current]

    def run_line(self, line: str) -> Outcome:
        """Interpret one line. Card refusals and bad input give a failed Outcome; transport
        errors propagate (the card is gone)."""
        words = line.split()
        if not words or words[0].startswith("#"):
            return Outcome()
        handler = self._commands.get(words[0].lower())
        try:
            if handler is not None:
                return handler(words[1:])
            return self._send_hex(line)
        except TransportError:
            raise
        except CardwireError as exc:
            return Outcome([f"error: {exc}"], failed=True)

    # -- one method per command ------------------------------------------------------------

    def _answer(self, command: Command) -> Outcome:
        response = self.target.send(command, check=False)
        return Outcome(describe(response), failed=_failed(response))

    def _send_hex(self, line: str) -> Outcome:
        try:
            raw = parse_hex(line)
        except DecodeError as exc:
            word = line.split(maxsplit=1)[0]
            raise UsageError(f"unknown command {word!r} and not hex ({exc}); try 'help'") from exc
        return self._answer(Command.decode(raw))

    def _select(self, args: list[str]) -> Outcome:
        if len(args) != 1:
            raise UsageError("usage: select FID|AID (hex)")
        target = parse_hex(args[0])
        if not target:
            raise UsageError("select needs a file identifier or an AID")
        response = self.target.select(target, check=False)
        return Outcome(describe(response), failed=_failed(response))

    def _read_binary(self, args: list[str]) -> Outcome:
        if len(args) > 2:
            raise UsageError("usage: read-binary [OFFSET [LEN]]")
        offset = _decimal(args[0], "OFFSET", 0, 0xFFFFFFFF) if args else 0
        length = _decimal(args[1], "LEN", 1, 65536) if len(args) > 1 else 256
        from cardwire import commands

        return self._answer(commands.read_binary(offset, ne=length))

    def _read_record(self, args: list[str]) -> Outcome:
        if len(args) != 1:
            raise UsageError("usage: read-record N")
        from cardwire import commands

        return self._answer(commands.read_record(_decimal(args[0], "N", 1, 254)))

    def _verify(self, args: list[str]) -> Outcome:
        if len(args) != 2:
            raise UsageError("usage: verify REF PIN (PIN as ASCII)")
        reference = _decimal(args[0], "REF", 0, 255)
        response = self.target.verify(reference, args[1], check=False)
        return Outcome(describe(response), failed=_failed(response))

    def _get_challenge(self, args: list[str]) -> Outcome:
        if len(args) > 1:
            raise UsageError("usage: get-challenge [LEN]")
        from cardwire import commands

        length = _decimal(args[0], "LEN", 1, 256) if args else 8
        return self._answer(commands.get_challenge(length))

    def _open_channel(self, args: list[str]) -> Outcome:
        if args:
            raise UsageError("usage: open-channel")
        channel = self.target.open_channel()
        self.channels[channel.number] = channel
        return Outcome([f"channel {channel.number} open (switch with: channel {channel.number})"])

    def _channel_number(self, args: list[str], usage: str) -> int:
        if len(args) != 1:
            raise UsageError(f"usage: {usage}")
        number = _decimal(args[0], "N", 0, 19)
        if number and number not in self.channels:
            open_ones = ", ".join(str(n) for n in [0, *sorted(self.channels)])
            raise UsageError(f"channel {number} is not open here (open: {open_ones})")
        return number

    def _channel(self, args: list[str]) -> Outcome:
        self.current = self._channel_number(args, "channel N")
        return Outcome([f"using channel {self.current}"])

    def _close_channel(self, args: list[str]) -> Outcome:
        number = self._channel_number(args, "close-channel N")
        if number == 0:
            raise UsageError("the basic channel 0 cannot be closed")
        self.channels[number].close()
        del self.channels[number]
        if self.current == number:
            self.current = 0
        return Outcome([f"channel {number} closed; using channel {self.current}"])

    def _open(self, args: list[str]) -> Outcome:
        from cardwire.cli.secure_protocols import open_statement

        open_statement(self.target, args)
        return Outcome([f"{args[0]} session open on channel {self.current}"])

    def _close(self, args: list[str]) -> Outcome:
        from cardwire.cli.secure_protocols import close_statement

        if args:
            raise UsageError("usage: close")
        close_statement(self.target)
        return Outcome([f"secure session on channel {self.current} closed"])

    def _reset(self, args: list[str]) -> Outcome:
        if args:
            raise UsageError("usage: reset")
        atr = self.card.reset()
        self.channels.clear()
        self.current = 0
        return Outcome([f"atr: {to_hex(atr)}"])

    def _help(self, args: list[str]) -> Outcome:
        return Outcome(HELP.splitlines())

    def _exit(self, args: list[str]) -> Outcome:
        return Outcome(leave=True)


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

    Dropped whole (not redacted): ``verify REF PIN``, every ``open`` with options (they hold
    the MRZ, keys, PIN, CAN, PUK or pairing password, as literals or @FILE/env: references),
    and a hex APDU whose data is a secret (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER,
    PUT KEY, the Keycard PIN commands: cardwire.ins.carries_secret).
    """
    words = line.split()
    if not words:
        return False
    keyword = words[0].lower()
    if keyword == "verify":
        return len(words) < 3
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
        readline.set_auto_history(False)  # lines are added by fit_for_history only
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
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
    a prompt with the channel in use and keeps a history. With stdin not a terminal it reads
    one command per line (blank and '#' lines skipped) and exits 1 if any command failed.
    Type 'help' for the commands.

    \b
    Example:
      cardwire shell --sim
      printf 'select F0636172647769726501\\nverify 1 1234\\n' | cardwire shell --sim
    """
    with Card(target.open()) as card:
        session = ShellSession(card)
        if sys.stdin.isatty():
            banner = f"cardwire shell on {card.transport.name}, ATR {to_hex(card.atr)}; 'help'"
            run_interactive(session, banner)
            return
        # bytes that are not UTF-8 make that line an error (exit 1), never a traceback
        lines = (raw.decode("utf-8", "replace") for raw in sys.stdin.buffer)
        ok = run_script(session, lines, click.echo)
    sys.exit(EXIT_OK if ok else EXIT_FAILED)
