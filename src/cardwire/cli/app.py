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


@click.group(cls=CardwireGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
        cli.main(args=argv, prog_name="cardwire", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
