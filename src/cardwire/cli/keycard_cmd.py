"""``cardwire keycard pair|unpair|open|send``: the Keycard secure channel (v1) from the shell.

Credentials: ``--pairing INDEX:KEY`` reuses a stored pairing (``keycard pair --show-keys``
prints it); otherwise the command pairs anew with ``--pairing-password`` (default
"KeycardDefaultPairing"), which takes one of the card's pairing slots.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.cli.app import CardwireGroup, cli
from cardwire.cli.output import emit_json
from cardwire.cli.target import CardTarget, target_options
from cardwire.errors import UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sm import keycard
from cardwire.sm.keycard import ApplicationInfo, KeycardSession, Pairing

_PASSWORD_HELP = "Pairing password (default: KeycardDefaultPairing); pairs anew, using a slot."  # noqa: S105
_PAIRING_HELP = "A stored pairing INDEX:KEY (as `keycard pair --show-keys` prints it)."
_SHOW_KEYS_HELP = "Print secrets: the pairing key, the session keys."


@cli.group("keycard", cls=CardwireGroup)
def keycard_group() -> None:
    """Keycard secure channel v1 (applet 3.x): pair, open a channel, send APDUs through it.

    \b
    Example (the simulated card's Keycard applet, default pairing password):
      cardwire keycard send --sim --pin 123456 80F20000
    """


def _credentials(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--pairing", "pairing_text", metavar="INDEX:KEY", help=_PAIRING_HELP)(func)
    func = click.option("--pairing-password", metavar="P", help=_PASSWORD_HELP)(func)
    return func


@contextmanager
def _card(target: CardTarget) -> Iterator[tuple[Card, ApplicationInfo]]:
    with Card(target.open()) as card:
        yield card, keycard.select_keycard(card)


def _pairing(
    card: Card, info: ApplicationInfo, pairing_text: str | None, password: str | None
) -> Pairing:
    if pairing_text is not None and password is not None:
        raise UsageError("use either --pairing or --pairing-password, not both")
    if pairing_text is not None:
        return Pairing.parse(pairing_text)
    secret = keycard.pairing_secret(password or keycard.DEFAULT_PAIRING_PASSWORD)
    return keycard.pair(card, secret)


def _open(
    card: Card, info: ApplicationInfo, pairing_text: str | None, password: str | None
) -> tuple[Pairing, KeycardSession]:
    if not info.public_key:
        raise UsageError("this Keycard applet has no secure channel (no public key in SELECT)")
    pairing = _pairing(card, info, pairing_text, password)
    return pairing, keycard.open_secure_channel(card, pairing, info.public_key)


def _verify(card: Card, pin: str | None) -> None:
    if pin is not None:  # Keycard docs, VERIFY PIN: CLA 80 INS 20, the PIN in ASCII
        card.send(Command(keycard.CLA_KEYCARD, 0x20, 0, 0, pin.encode("ascii")))


@keycard_group.command("pair")
@target_options
@click.option("--pairing-password", metavar="P", help="Pairing password (default: the default).")
@click.option("--pairing-secret", metavar="HEX", help="The raw 32-byte pairing secret instead.")
@click.option("--mode", type=click.IntRange(0, 2), default=0, help="PAIR P2: 0 any, 1, 2.")
@click.option("--show-keys", is_flag=True, help=_SHOW_KEYS_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def pair_command(
    target: CardTarget,
    pairing_password: str | None,
    pairing_secret: str | None,
    mode: int,
    show_keys: bool,
    as_json: bool,
) -> None:
    """PAIR with the card; print the pairing index (INDEX:KEY with --show-keys).

    \b
    Example:
      cardwire keycard pair --sim --state card.json --show-keys
      0:5F0E...   (store it; pass it back with --pairing)
    """
    if pairing_password is not None and pairing_secret is not None:
        raise UsageError("use either --pairing-password or --pairing-secret, not both")
    if pairing_secret is not None:
        secret = parse_hex(pairing_secret)
    else:
        secret = keycard.pairing_secret(pairing_password or keycard.DEFAULT_PAIRING_PASSWORD)
    with _card(target) as (card, _info):
        pairing = keycard.pair(card, secret, mode=mode)
    if as_json:
        document: dict[str, Any] = {"index": pairing.index}
        if show_keys:
            document["key"] = to_hex(pairing.key)
        emit_json(document)
    else:
        click.echo(pairing.encode() if show_keys else str(pairing.index))


@keycard_group.command("unpair")
@target_options
@_credentials
@click.option("--pin", required=True, help="The user PIN (UNPAIR needs it verified).")
@click.argument("index", type=click.IntRange(0, 255), required=False)
def unpair_command(
    target: CardTarget,
    pairing_text: str | None,
    pairing_password: str | None,
    pin: str,
    index: int | None,
) -> None:
    """UNPAIR a pairing slot (default: the pairing used to open the channel).

    \b
    Example:
      cardwire keycard unpair --sim --state card.json --pairing 0:5F0E... --pin 123456
    """
    with _card(target) as (card, info):
        pairing, _session = _open(card, info, pairing_text, pairing_password)
        _verify(card, pin)
        target_index = pairing.index if index is None else index
        keycard.unpair(card, target_index)
    click.echo(f"unpaired slot {target_index}")


@keycard_group.command("open")
@target_options
@_credentials
@click.option("--show-keys", is_flag=True, help=_SHOW_KEYS_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def open_command(
    target: CardTarget,
    pairing_text: str | None,
    pairing_password: str | None,
    show_keys: bool,
    as_json: bool,
) -> None:
    """OPEN SECURE CHANNEL and MUTUALLY AUTHENTICATE; print what the channel runs with.

    With --show-keys the session keys are printed as ENC,MAC (what `trace decode --keycard`
    takes).

    \b
    Example:
      cardwire keycard open --sim --show-keys
    """
    with _card(target) as (card, info):
        pairing, session = _open(card, info, pairing_text, pairing_password)
        keys = session.keys
        document: dict[str, Any] = {
            "version": info.version_text,
            "instance_uid": to_hex(info.instance_uid),
            "pairing_index": pairing.index,
            "free_slots": info.free_slots,
        }
        if show_keys:
            document["enc"] = to_hex(keys.enc)
            document["mac"] = to_hex(keys.mac)
            document["pairing_key"] = to_hex(pairing.key)
    if as_json:
        emit_json(document)
        return
    click.echo(f"Keycard {document['version']}, pairing {pairing.index}: channel open")
    if show_keys:
        click.echo(f"keys: {document['enc']},{document['mac']}")


@keycard_group.command("send")
@target_options
@_credentials
@click.option("--pin", help="VERIFY PIN first, inside the channel.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.argument("apdus", metavar="APDU...", nargs=-1, required=True)
def send_command(
    target: CardTarget,
    pairing_text: str | None,
    pairing_password: str | None,
    pin: str | None,
    as_json: bool,
    apdus: tuple[str, ...],
) -> None:
    """Open a channel and send each APDU through it; print each plain answer (data || SW).

    Each APDU is one argument (hex, any case, spaces or colons inside quotes). Error status
    words are printed, not raised.

    \b
    Example (GET STATUS, then SIGN is refused without a key):
      cardwire keycard send --sim --pin 123456 80F20000 "80C00000 20 $(printf '00%.0s' {1..32})"
    """
    commands = [Command.decode(parse_hex(text)) for text in apdus]
    answers = []
    with _card(target) as (card, info):
        _open(card, info, pairing_text, pairing_password)
        _verify(card, pin)
        for command in commands:
            answers.append(card.send(command, check=False))
    if as_json:
        emit_json([{"data": to_hex(a.data), "sw": f"{a.sw:04X}"} for a in answers])
        return
    for answer in answers:
        click.echo(to_hex(answer.encode()))


__all__ = ["keycard_group"]
