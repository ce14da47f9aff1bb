"""``cardwire keycard [--pairing-password P | --pairing INDEX:KEY] [--pin PIN] send APDU...``,
``cardwire keycard pair|pairings|unpair|open``, and ``open keycard ...`` in the shell and
scripts.

The Keycard secure channel v1 (Keycard docs; docs/keycard.md): the applet is selected, the
pairing stored for the card's instance UID is reused (cardwire.cli.keycard.store), else a pairing
is made with ``--pairing-password`` (default "KeycardDefaultPairing") and stored (``--no-store``:
unpaired before the command exits); ``--pairing INDEX:KEY`` gives one explicitly. OPEN SECURE
CHANNEL and MUTUALLY AUTHENTICATE run, and with ``--pin`` the PIN is verified inside the
channel. Every secret may be given literally, as ``@FILE`` or as ``env:NAME``; none is printed
unless ``--show-keys``.
"""

from __future__ import annotations

from typing import Any

import click

from cardwire.card import Card, CardCommands
from cardwire.cli.app import cli
from cardwire.cli.keycard.commands import register as register_commands
from cardwire.cli.keycard.commands_4x import COMMANDS_4X
from cardwire.cli.keycard.connect import (
    card_identity,
    connect,
    describe,
    note_dropped,
    pair_new,
    pairing_secret_of,
    release,
    store_of,
    verify_pin,
)
from cardwire.cli.keycard.lifecycle import LIFECYCLE_COMMANDS
from cardwire.cli.keycard.store import PairingStore, StoredPairing
from cardwire.cli.output import emit_json, json_option
from cardwire.cli.secrets import resolve_secret
from cardwire.cli.secure_protocols import (
    SecureProtocol,
    group_values,
    protocol_command,
    register,
)
from cardwire.cli.target import CardTarget, target_options
from cardwire.errors import UsageError
from cardwire.handshakes import keycard as keycard_io
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sm.base import HostSecureSession
from cardwire.sm.keycard import KeycardSession
from cardwire.sm.keycard.v2 import KeycardV2Session

_SHOW_KEYS_HELP = "Print secrets: the pairing key, the session keys."


def establish(card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
    """Select the applet, find or make the pairing, open the channel (``after_open`` then
    verifies the PIN inside it)."""
    return connect(card, values).session


KEYCARD = register(
    SecureProtocol(
        name="keycard",
        summary="Keycard secure channel: v1 (applet 3.x, pairing) or v2 (4.x, certificate).",
        options=(
            click.option(
                "--pairing-password",
                metavar="P",
                help="Pairing password for a new pairing (default: KeycardDefaultPairing). "
                "Literal, @FILE or env:NAME.",
            ),
            click.option(
                "--pairing",
                metavar="INDEX:KEY",
                help="Use this pairing (as `keycard pair --show-keys` prints it), not the store.",
            ),
            click.option("--pin", metavar="PIN", help="VERIFY PIN first, inside the channel."),
            click.option(
                "--pairing-store",
                metavar="PATH",
                help="The pairing store file (default: "
                "$XDG_CONFIG_HOME/cardwire/keycard-pairings.json).",
            ),
            click.option(
                "--ca-key",
                multiple=True,
                metavar="HEX",
                help="Applet 4.x: also trust Identity Certificates from this CA public key.",
            ),
            click.option(
                "--test-ca",
                is_flag=True,
                help="Applet 4.x: trust cardwire's simulator test CA (never for real cards).",
            ),
            click.option(
                "--no-store",
                is_flag=True,
                help="Do not store a new pairing: it is unpaired before the command exits "
                "(needs --pin).",
            ),
        ),
        establish=establish,
        example="cardwire keycard --pin 123456 send --sim 80F20000",
        after_open=verify_pin,
        before_close=release,
    )
)

keycard_group = protocol_command(KEYCARD)
cli.add_command(keycard_group)


@keycard_group.command("pair")
@target_options
@click.option("--pairing-secret", metavar="HEX", help="The raw 32-byte pairing secret instead.")
@click.option("--mode", type=click.IntRange(0, 2), default=0, help="PAIR P2: 0 any, 1, 2.")
@click.option("--show-keys", is_flag=True, help=_SHOW_KEYS_HELP)
@json_option()
def pair_command(
    target: CardTarget,
    pairing_secret: str | None,
    mode: int,
    show_keys: bool,
    as_json: bool,
) -> None:
    """PAIR with the card and store the pairing; print the slot (INDEX:KEY with --show-keys).

    With --no-store the pairing is not kept, so its key must be printed (--show-keys).

    \b
    Example:
      cardwire keycard pair --sim --state card.json
    """
    values = group_values(click.get_current_context())
    password = values.get("pairing_password")
    if password is not None and pairing_secret is not None:
        raise UsageError("use either --pairing-password or --pairing-secret, not both")
    store = store_of(values)
    if store is None and not show_keys:
        raise UsageError("--no-store without --show-keys would lose the pairing key")
    if pairing_secret is not None:
        secret = parse_hex(resolve_secret(pairing_secret, "--pairing-secret"))
    else:
        secret = pairing_secret_of(values)
    with Card(target.open()) as card:
        info = keycard_io.select_keycard(card)
        identity = None if store is None else card_identity(card)
        pairing = pair_new(card, secret, mode=mode)
    if store is not None:
        note_dropped(store.put(info.instance_uid, pairing, identity))
    if as_json:
        document: dict[str, Any] = {
            "index": pairing.index,
            "instance_uid": to_hex(info.instance_uid),
            "stored": None if store is None else str(store.path),
        }
        if show_keys:
            document["key"] = to_hex(pairing.key)
        emit_json(document)
    else:
        click.echo(pairing.encode() if show_keys else str(pairing.index))


@keycard_group.command("pairings")
@target_options
@click.option(
    "--check",
    is_flag=True,
    help="Compare with the card present (SELECT, IDENTIFY CARD): this card, stale, other.",
)
@click.option(
    "--prune", is_flag=True, help="Drop the stale entries of the card present (implies --check)."
)
@click.option("--show-keys", is_flag=True, help=_SHOW_KEYS_HELP)
@json_option()
def pairings_command(
    target: CardTarget, check: bool, prune: bool, show_keys: bool, as_json: bool
) -> None:
    """List the stored pairings: card instance UID and pairing slot. With --check the card
    present says which entry is its own and which are stale (its former instance UIDs, after a
    FACTORY RESET or INIT elsewhere); --prune drops the stale ones.

    \b
    Example:
      cardwire keycard pairings --json
      cardwire keycard pairings --prune --sim --state card.json
    """
    store = store_of(group_values(click.get_current_context())) or PairingStore()
    card: tuple[bytes, bytes | None] | None = None
    if check or prune:
        with Card(target.open()) as opened:
            info = keycard_io.select_keycard(opened)
            card = (info.instance_uid, card_identity(opened))
        if prune and card[1] is not None:
            note_dropped(store.forget_card(card[1], keep=card[0]))
    rows = []
    for entry in store.entries():
        row: dict[str, Any] = {
            "instance_uid": to_hex(entry.instance_uid),
            "index": entry.pairing.index,
        }
        if card is not None:
            row["card"] = _relation(entry, *card)
        if show_keys:
            row["key"] = to_hex(entry.pairing.key)
        rows.append(row)
    if as_json:
        emit_json({"store": str(store.path), "pairings": rows})
        return
    if not rows:
        click.echo(f"no stored pairing ({store.path})")
    for row in rows:
        key = f" {row['key']}" if show_keys else ""
        relation = f" ({row['card']})" if "card" in row else ""
        click.echo(f"{row['instance_uid']} slot {row['index']}{key}{relation}")


def _relation(entry: StoredPairing, instance_uid: bytes, identity: bytes | None) -> str:
    """How a store entry relates to the card present (docs/keycard.md, "Pairing store")."""
    if entry.instance_uid == instance_uid:
        return "this card"
    if entry.identity is None or identity is None:
        return "unknown"
    return "stale" if entry.identity == identity else "other card"


@keycard_group.command("unpair")
@target_options
@click.argument("index", type=click.IntRange(0, 255), required=False)
def unpair_command(target: CardTarget, index: int | None) -> None:
    """UNPAIR a pairing slot (default: the pairing used to open the channel, which then leaves
    the store); needs --pin.

    \b
    Example:
      cardwire keycard --pin 123456 unpair --sim --state card.json
    """
    values = group_values(click.get_current_context())
    if values.get("pin") is None:
        raise UsageError("unpair needs the user PIN: cardwire keycard --pin PIN unpair ...")
    with Card(target.open()) as card:
        connection = connect(card, values)
        if connection.pairing is None:
            raise UsageError("Secure Channel V2 (applet 4.x) has no pairings to unpair")
        verify_pin(card, values)
        slot = connection.pairing.index if index is None else index
        keycard_io.unpair(card, slot)
        if slot == connection.pairing.index:
            values.pop("_keycard_one_off_pairing", None)  # that one is gone already
            store = store_of(values)
            if store is not None and connection.source != "given":
                store.remove(connection.info.instance_uid)
        release(card, values)
    click.echo(f"unpaired slot {slot}")


@keycard_group.command("open")
@target_options
@click.option("--show-keys", is_flag=True, help=_SHOW_KEYS_HELP)
@json_option()
def open_command(target: CardTarget, show_keys: bool, as_json: bool) -> None:
    """OPEN SECURE CHANNEL and MUTUALLY AUTHENTICATE; print what the channel runs with.

    With --show-keys the session keys are printed as ENC,MAC (what `trace decode --keycard`
    takes).

    \b
    Example:
      cardwire keycard open --sim --show-keys
    """
    values = group_values(click.get_current_context())
    with Card(target.open()) as card:
        connection = connect(card, values)
        document = describe(connection, show_keys)
        session = connection.session
        if show_keys and isinstance(session, KeycardSession):
            document["enc"] = to_hex(session.keys.enc)
            document["mac"] = to_hex(session.keys.mac)
        elif show_keys and isinstance(session, KeycardV2Session):
            document["h2c"], document["c2h"] = (to_hex(key) for key in session.keys)
        verify_pin(card, values)
        release(card, values)
    if as_json:
        emit_json(document)
        return
    channel = "V2" if connection.pairing is None else f"pairing {connection.pairing.index}"
    click.echo(f"Keycard {document['version']}, {channel}: channel open")
    if "enc" in document:
        click.echo(f"keys: {document['enc']},{document['mac']}")
    if "h2c" in document:  # what `trace decode --keycard-v2` takes
        click.echo(f"keys: {document['h2c']},{document['c2h']}")


@keycard_group.command("identify")
@target_options
@json_option()
def identify_command(target: CardTarget, as_json: bool) -> None:
    """IDENTIFY CARD: the card signs a random challenge; print its Identity Key and the CA key
    recovered from its certificate (after checking the signature).

    \b
    Example:
      cardwire keycard identify --sim
    """
    from cardwire.crypto.ecdsa_recovery import compressed

    with Card(target.open()) as card:
        keycard_io.select_keycard(card)
        certificate = keycard_io.identify_card(card)
    document = {
        "identity_key": to_hex(certificate.identity_key),
        "ca_key": to_hex(compressed(certificate.ca_public_key())),
    }
    if as_json:
        emit_json(document)
    else:
        click.echo(f"identity key {document['identity_key']}\nCA key {document['ca_key']}")


register_commands(keycard_group)
for _command in (*COMMANDS_4X, *LIFECYCLE_COMMANDS):
    keycard_group.add_command(_command)

__all__ = ["KEYCARD", "keycard_group"]
