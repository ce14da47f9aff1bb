"""The root command group and the error-to-exit-code policy (docs/cli.md).

Exit codes: 0 ok; 1 the card refused, or a MAC, cryptogram or expectation failed; 2 usage
error or malformed input; 3 transport or reader problem. Errors are one line on stderr, never
a traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from cardwire import __version__
from cardwire.errors import CardwireError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TRANSPORT = 3


class CardwireGroup(click.Group):
    """A click group that turns cardwire errors into one line on stderr and an exit code, and
    whose ``--help`` lists every subcommand's summary in full, wrapped, never cut
    mid-sentence (click's own listing cuts at the width with "...")."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CardwireError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)

    def summary_rows(self, ctx: click.Context) -> list[tuple[str, str]]:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        return rows

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = self.summary_rows(ctx)
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """A subcommand that lives in ``modules``, imported when the subcommand runs.

    Importing the modules registers the command on its group with the usual click decorators;
    ``summary`` is its one-line help as the group's ``--help`` lists it (tests/cli/test_app.py
    checks it against the command's own).
    """

    modules: tuple[str, ...]
    summary: str


class LazyGroup(CardwireGroup):
    """A group that imports a subcommand's modules only when that subcommand runs.

    ``cardwire decode apdu`` then loads the APDU codec and click, not the simulator, the
    handshakes or rich (docs/design.md: the library does not pay for the CLI). The help lists
    every summary in full, wrapped, never cut mid-sentence.
    """

    def __init__(
        self, *args: Any, lazy: Mapping[str, LazyCommand] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, LazyCommand] = dict(lazy or {})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy.get(cmd_name)
        if entry is not None and cmd_name not in self.commands:
            for module in entry.modules:
                importlib.import_module(module)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy))

    def summary_rows(self, ctx: click.Context) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            entry = self.lazy.get(name)
            command = self.commands.get(name)
            if entry is not None:
                rows.append((name, entry.summary))
            elif command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        return rows


def _lazy(module: str, summary: str, *more: str) -> LazyCommand:
    return LazyCommand((f"cardwire.cli.{module}", *(f"cardwire.cli.{m}" for m in more)), summary)


ROOT_COMMANDS: dict[str, LazyCommand] = {
    "bac": _lazy(
        "bac_cmd", "Basic Access Control (ICAO 9303-11): secure messaging keyed by the MRZ."
    ),
    "counter": _lazy(
        "counter_cmd",
        "Generic counter mode (ISO 7816-4 SM with a counter).",
    ),
    "demo": _lazy("demo_cmd", "Run the main job on the built-in simulated card: no reader needed."),
    "gp": _lazy(
        "gp_cmd",
        "GlobalPlatform card management: info, list, load, install, delete, keys, life cycle.",
        "gp_manage_cmd",
        "gp_load_cmd",
    ),
    "keycard": _lazy(
        "keycard_cmd",
        "Keycard secure channel: v1 (applet 3.x, pairing) or v2 (4.x, certificate).",
    ),
    "pace": _lazy(
        "pace_cmd", "PACE (ICAO 9303-11): secure messaging keyed by a CAN, MRZ, PIN or PUK."
    ),
    "passport": _lazy(
        "passport_cmd",
        "Read and verify ePassports (ICAO 9303): LDS, Passive and Active Authentication.",
    ),
    "readers": _lazy(
        "readers_cmd",
        "List the PC/SC readers, card presence and ATR; the index works with --reader.",
    ),
    "run": _lazy("run_cmd", "Run an APDU script (scriptor files run unchanged; '-' reads stdin)."),
    "scp02": _lazy(
        "scp02_cmd",
        "GlobalPlatform SCP02: send APDUs through an SCP02 session with a Security Domain.",
    ),
    "scp03": _lazy(
        "scp03_cmd",
        "GlobalPlatform SCP03: send APDUs through an SCP03 session with a Security Domain.",
    ),
    "scp11": _lazy(
        "scp11_cmd",
        "GlobalPlatform SCP11 a/b/c: send APDUs through an SCP11 session with a Security Domain.",
    ),
    "send": _lazy(
        "send_cmd",
        "Send command APDUs (hex, one per argument) to the card, all in one session.",
    ),
    "shell": _lazy(
        "shell_cmd",
        "Interactive prompt: send hex APDUs or named commands, see decoded answers.",
    ),
    "sim": _lazy(
        "sim_cmd",
        "Configure and run the simulated card.",
        "sim_serve_cmd",
        "sim_csca_cmd",
        "sim_scp11_cmd",
    ),
    "sm": _lazy(
        "sm_cmd",
        "ISO 7816-4 / ICAO 9303 secure messaging by hand: protect commands, unprotect responses.",
    ),
    "trace": _lazy(
        "trace_cmd",
        "Traces: decode protected sessions with their keys, replay them against a card.",
    ),
}
"""The root's subcommands that live in their own module (``decode`` and ``encode`` live here)."""

DECODE_COMMANDS: dict[str, LazyCommand] = {
    "apdu": _lazy(
        "decode_cmd", "Decode a command APDU (ISO 7816-4 cases 1-4, short and extended)."
    ),
    "atr": _lazy(
        "decode_tlv_cmd",
        "Decode an Answer-to-Reset (ISO 7816-3 section 8) and its historical bytes.",
    ),
    "response": _lazy(
        "decode_cmd", "Decode a response APDU: data followed by the status word SW1 SW2."
    ),
    "sw": _lazy("decode_cmd", "Explain a status word (ISO 7816-4 section 5.6)."),
    "tlv": _lazy(
        "decode_tlv_cmd", "Decode BER-TLV data objects (ISO 7816-4 section 6.3) into a tree."
    ),
}

ENCODE_COMMANDS: dict[str, LazyCommand] = {
    "apdu": _lazy("decode_cmd", "Build a command APDU from its fields and print it in hex."),
}


class RootGroup(LazyGroup):
    """The root group: every error, click's own usage errors included, is one line on stderr."""

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(
                args=args,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
            sys.exit(EXIT_USAGE)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            click.echo(f"error: {exc.format_message()}{hint}", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(130)
        except CardwireError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else EXIT_OK)


@click.group(
    cls=RootGroup,
    lazy=ROOT_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="cardwire")
def cli() -> None:
    """Talk to smart cards: APDUs, secure messaging, logical channels, a simulated card.

    \b
    Example:
      cardwire decode apdu 00A4040007A0000002471001
    """


@cli.group(cls=LazyGroup, lazy=DECODE_COMMANDS)
def decode() -> None:
    """Decode bytes copied from a card log: APDUs, responses, status words, TLV, ATRs."""


@cli.group(cls=LazyGroup, lazy=ENCODE_COMMANDS)
def encode() -> None:
    """Build bytes from fields."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="cardwire")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
