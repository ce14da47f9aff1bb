"""``cardwire keycard factory-reset`` and ``init``: the card's life cycle (Keycard docs, FACTORY
RESET and INIT) and what it means for the pairing store (cardwire.cli.keycard.store).

Both give the card a new instance UID, so the store's entries for the card's former UIDs are
stale: factory-reset drops the entry of the UID it erases and every entry naming the card's
Identity Key (IDENTIFY CARD, which FACTORY RESET keeps); init, once the card answers with its new
UID, drops every entry naming that Identity Key (none can be for the new instance yet).
"""

from __future__ import annotations

import click

from cardwire.card import Card
from cardwire.cli.keycard.connect import card_identity, note_dropped, pairing_secret_of, store_of
from cardwire.cli.secrets import resolve_secret
from cardwire.cli.secure_protocols import group_values
from cardwire.cli.target import CardTarget, target_options
from cardwire.errors import UsageError
from cardwire.handshakes import keycard as keycard_io
from cardwire.sm.keycard import commands


@click.command("factory-reset")
@target_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def factory_reset_command(target: CardTarget, yes: bool) -> None:
    """FACTORY RESET: erase keys, pairings, data and credentials (the card then needs INIT);
    the card's stored pairings leave the pairing store.

    \b
    Example:
      cardwire keycard factory-reset --sim --yes
    """
    if not yes:
        click.confirm("Erase everything on this Keycard?", abort=True)
    store = store_of(group_values(click.get_current_context()))
    with Card(target.open()) as card:
        info = keycard_io.select_keycard(card)
        identity = None if store is None else card_identity(card)
        card.send(commands.factory_reset())  # plain: no channel needed (Keycard docs)
    if store is not None:
        dropped = store.forget_card(identity) if identity is not None else []
        if info.initialized and store.remove(info.instance_uid):
            dropped.append(info.instance_uid)
        note_dropped(dropped)
    click.echo("factory reset: the card waits for `keycard init`")


@click.command("init")
@target_options
@click.option("--puk", required=True, metavar="PUK", help="The new 12-digit PUK.")
@click.option("--pin-tries", type=click.IntRange(2, 10), help="PIN tries (default 3).")
@click.option("--puk-tries", type=click.IntRange(3, 12), help="PUK tries (default 5).")
def init_command(
    target: CardTarget, puk: str, pin_tries: int | None, puk_tries: int | None
) -> None:
    """INIT a blank (factory-reset) card with --pin, --puk and the pairing password; pairings
    stored for the card's former instance UIDs leave the pairing store.

    \b
    Example:
      cardwire keycard --pin 123456 --pairing-password env:PW init --sim --puk 123456789012
    """
    values = group_values(click.get_current_context())
    if values.get("pin") is None:
        raise UsageError("init needs the new PIN: cardwire keycard --pin PIN init ...")
    pin = resolve_secret(str(values["pin"]), "--pin")
    secret = pairing_secret_of(values)
    store = store_of(values)
    with Card(target.open()) as card:
        info = keycard_io.select_keycard(card)
        if info.initialized:
            raise UsageError("this Keycard is initialised already (factory-reset it first)")
        card.send(
            commands.init(
                info.public_key,
                pin,
                resolve_secret(puk, "--puk"),
                secret,
                pin_tries=pin_tries,
                puk_tries=puk_tries,
            )
        )
        if store is not None:
            keycard_io.select_keycard(card)  # the new instance answers IDENTIFY CARD
            identity = card_identity(card)
            note_dropped([] if identity is None else store.forget_card(identity))
    click.echo("initialised")


LIFECYCLE_COMMANDS: tuple[click.Command, ...] = (factory_reset_command, init_command)

__all__ = ["LIFECYCLE_COMMANDS"]
