"""``cardwire readers``: the PC/SC readers, whether each holds a card, and its ATR."""

from __future__ import annotations

import click

from cardwire.cli.app import cli
from cardwire.cli.output import emit_json
from cardwire.hexutil import to_hex


@cli.command("readers")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def readers(as_json: bool) -> None:
    """List the PC/SC readers, card presence and ATR; the index works with --reader.

    \b
    Example:
      cardwire readers
      cardwire readers --json
    """
    from cardwire.transport.pcsc import list_readers

    found = list_readers()
    if as_json:
        emit_json(
            [
                {
                    "index": info.index,
                    "name": info.name,
                    "card_present": info.card_present,
                    "atr": to_hex(info.atr) if info.card_present else None,
                    "exclusive": info.exclusive,
                }
                for info in found
            ]
        )
        return
    if not found:
        click.echo("no reader connected", err=True)
        return
    for info in found:
        card = f"card {to_hex(info.atr)}" if info.card_present else "no card"
        in_use = " (in exclusive use)" if info.exclusive else ""
        click.echo(f"{info.index}: {info.name}: {card}{in_use}")
