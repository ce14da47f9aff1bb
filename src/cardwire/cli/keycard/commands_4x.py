"""``cardwire keycard`` subcommands for applet 4.x only commands: ``export-lee`` (EXPORT LEE,
KeycardApplet.java at a61616a; docs/keycard.md "LEE")."""

from __future__ import annotations

from typing import Any

import click

from cardwire.cli.keycard.commands import in_channel
from cardwire.cli.output import emit_json, json_option
from cardwire.cli.target import CardTarget, target_options
from cardwire.errors import UsageError
from cardwire.hexutil import to_hex
from cardwire.sm.keycard import commands


@click.command("export-lee")
@target_options
@click.argument("path", default="m")
@click.option("--show-keys", is_flag=True, help="Print the keys (they are secrets).")
@json_option()
def export_lee_command(target: CardTarget, path: str, show_keys: bool, as_json: bool) -> None:
    """EXPORT LEE (applet 4.x, a seed loaded with `load-key --lee`): the nullifier secret key
    (NSK, 32 bytes) and the viewing secret key (VSK, 64 bytes) at PATH (default m).

    \b
    Example:
      cardwire keycard --test-ca --pin 123456 export-lee --sim --profile k4.yaml \\
          --show-keys "m/43'/60'"
    """
    if not show_keys:
        raise UsageError("export-lee prints secret keys: add --show-keys")
    command = commands.export_lee(path)
    keys = commands.parse_lee_keys(
        in_channel(target, lambda card: card.send(command).data, name="export-lee")
    )
    document: dict[str, Any] = {"path": path, "nsk": to_hex(keys.nsk), "vsk": to_hex(keys.vsk)}
    if as_json:
        emit_json(document)
    else:
        click.echo(f"nsk: {document['nsk']}\nvsk: {document['vsk']}")


COMMANDS_4X: tuple[click.Command, ...] = (export_lee_command,)

__all__ = ["COMMANDS_4X"]
