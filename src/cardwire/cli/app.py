"""The root command group and the error-to-exit-code policy (docs/cli.md).

Exit codes: 0 ok; 1 the card refused, or a MAC, cryptogram or expectation failed; 2 usage
error or malformed input; 3 transport or reader problem. Errors are one line on stderr, never
a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from cardwire import __version__
from cardwire.errors import CardwireError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TRANSPORT = 3


class CardwireGroup(click.Group):
    """A click group that turns cardwire errors into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CardwireError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


class RootGroup(CardwireGroup):
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


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cardwire")
def cli() -> None:
    """Talk to smart cards: APDUs, secure messaging, logical channels, a simulated card.

    \b
    Example:
      cardwire decode apdu 00A4040007A0000002471001
    """


@cli.group(cls=CardwireGroup)
def decode() -> None:
    """Decode bytes copied from a card log: APDUs, responses, status words, TLV, ATRs."""


@cli.group(cls=CardwireGroup)
def encode() -> None:
    """Build bytes from fields."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="cardwire")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
