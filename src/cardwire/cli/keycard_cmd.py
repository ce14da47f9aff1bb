"""``cardwire keycard [--pairing-password P | --pairing INDEX:KEY] [--pin PIN] send APDU...``,
``cardwire keycard pair|unpair|open``, and ``open keycard ...`` in the shell and in scripts.

The Keycard secure channel v1 (Keycard docs; docs/keycard.md): the applet is selected, a pairing is
made (``--pairing-password``, default "KeycardDefaultPairing", takes a pairing slot) or reused
(``--pairing INDEX:KEY`` as ``keycard pair --show-keys`` prints it), OPEN SECURE CHANNEL and
MUTUALLY AUTHENTICATE run, and with ``--pin`` the PIN is verified inside the channel. Every
secret may be given literally, as ``@FILE`` or as ``env:NAME``; none is printed unless
``--show-keys``.
"""

from __future__ import annotations

from typing import Any

import click

from cardwire.apdu import Command
from cardwire.card import Card, CardCommands
from cardwire.cli.app import cli
from cardwire.cli.output import emit_json
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
from cardwire.sm import keycard
from cardwire.sm.keycard import ApplicationInfo, KeycardSession, Pairing

_SHOW_KEYS_HELP = "Print secrets: the pairing key, the session keys."


def _pairing(card: CardCommands, values: dict[str, Any]) -> Pairing:
    """The stored pairing given with --pairing, or a new one made with the pairing password."""
    pairing_text, password = values.get("pairing"), values.get("pairing_password")
    if pairing_text is not None and password is not None:
        raise UsageError("use either --pairing or --pairing-password, not both")
    if pairing_text is not None:
        return Pairing.parse(resolve_secret(str(pairing_text), "--pairing"))
    if password is not None:
        password = resolve_secret(str(password), "--pairing-password")
    return keycard_io.pair(
        card, keycard.pairing_secret(password or keycard.DEFAULT_PAIRING_PASSWORD)
    )


def _open_channel(
    card: CardCommands, values: dict[str, Any]
) -> tuple[ApplicationInfo, Pairing, KeycardSession]:
    info = keycard_io.select_keycard(card)
    if not info.public_key:
        raise UsageError("this Keycard applet has no secure channel (no public key in SELECT)")
    pairing = _pairing(card, values)
    session = keycard_io.open_keycard(card, pairing, info.public_key)
    return info, pairing, session


def _verify_pin(card: CardCommands, values: dict[str, Any]) -> None:
    pin = values.get("pin")
    if pin is not None:  # Keycard docs, VERIFY PIN: CLA 80 INS 20, the PIN in ASCII
        secret = resolve_secret(str(pin), "--pin").encode("ascii")
        card.send(Command(keycard.CLA_KEYCARD, 0x20, 0, 0, secret))


def establish(card: CardCommands, values: dict[str, Any]) -> KeycardSession:
    """Select the applet, pair (or reuse a pairing), open the channel (``after_open`` then
    verifies the PIN inside it)."""
    return _open_channel(card, values)[2]


KEYCARD = register(
    SecureProtocol(
        name="keycard",
        summary="Keycard secure channel v1 (applet 3.x): ECDH, AES-CBC and CBC-MAC per APDU.",
        options=(
            click.option(
                "--pairing-password",
                metavar="P",
                help="Pairing password (default: KeycardDefaultPairing); pairs anew, taking a "
                "slot. Literal, @FILE or env:NAME.",
            ),
            click.option(
                "--pairing",
                metavar="INDEX:KEY",
                help="A stored pairing, as `keycard pair --show-keys` prints it.",
            ),
            click.option("--pin", metavar="PIN", help="VERIFY PIN first, inside the channel."),
        ),
        establish=establish,
        example="cardwire keycard --pin 123456 send --sim 80F20000",
        after_open=_verify_pin,
    )
)

keycard_group = protocol_command(KEYCARD)
cli.add_command(keycard_group)


@keycard_group.command("pair")
@target_options
@click.option("--pairing-secret", metavar="HEX", help="The raw 32-byte pairing secret instead.")
@click.option("--mode", type=click.IntRange(0, 2), default=0, help="PAIR P2: 0 any, 1, 2.")
@click.option("--show-keys", is_flag=True, help=_SHOW_KEYS_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def pair_command(
    target: CardTarget,
    pairing_secret: str | None,
    mode: int,
    show_keys: bool,
    as_json: bool,
) -> None:
    """PAIR with the card; print the pairing index (INDEX:KEY with --show-keys).

    \b
    Example:
      cardwire keycard pair --sim --state card.json --show-keys
    """
    values = group_values(click.get_current_context())
    password = values.get("pairing_password")
    if password is not None and pairing_secret is not None:
        raise UsageError("use either --pairing-password or --pairing-secret, not both")
    if pairing_secret is not None:
        secret = parse_hex(resolve_secret(pairing_secret, "--pairing-secret"))
    else:
        password = resolve_secret(str(password), "--pairing-password") if password else None
        secret = keycard.pairing_secret(password or keycard.DEFAULT_PAIRING_PASSWORD)
    with Card(target.open()) as card:
        keycard_io.select_keycard(card)
        pairing = keycard_io.pair(card, secret, mode=mode)
    if as_json:
        document: dict[str, Any] = {"index": pairing.index}
        if show_keys:
            document["key"] = to_hex(pairing.key)
        emit_json(document)
    else:
        click.echo(pairing.encode() if show_keys else str(pairing.index))


@keycard_group.command("unpair")
@target_options
@click.argument("index", type=click.IntRange(0, 255), required=False)
def unpair_command(target: CardTarget, index: int | None) -> None:
    """UNPAIR a pairing slot (default: the pairing used to open the channel); needs --pin.

    \b
    Example:
      cardwire keycard --pairing 0:5F0E... --pin 123456 unpair --sim --state card.json
    """
    values = group_values(click.get_current_context())
    if values.get("pin") is None:
        raise UsageError("unpair needs the user PIN: cardwire keycard --pin PIN unpair ...")
    with Card(target.open()) as card:
        _info, pairing, session = _open_channel(card, values)
        card.secure(session)
        _verify_pin(card, values)
        slot = pairing.index if index is None else index
        keycard_io.unpair(card, slot)
    click.echo(f"unpaired slot {slot}")


@keycard_group.command("open")
@target_options
@click.option("--show-keys", is_flag=True, help=_SHOW_KEYS_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
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
        info, pairing, session = _open_channel(card, values)
        document: dict[str, Any] = {
            "version": info.version_text,
            "instance_uid": to_hex(info.instance_uid),
            "pairing_index": pairing.index,
            "free_slots": info.free_slots,
        }
        if show_keys:
            document["enc"] = to_hex(session.keys.enc)
            document["mac"] = to_hex(session.keys.mac)
            document["pairing_key"] = to_hex(pairing.key)
    if as_json:
        emit_json(document)
        return
    click.echo(f"Keycard {document['version']}, pairing {pairing.index}: channel open")
    if show_keys:
        click.echo(f"keys: {document['enc']},{document['mac']}")


__all__ = ["KEYCARD", "keycard_group"]
