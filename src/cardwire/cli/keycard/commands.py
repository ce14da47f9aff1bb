"""``cardwire keycard SUBCOMMAND``: the Keycard applet's commands from the command line (Keycard
docs, keycard.tech/docs/apdu; docs/keycard.md "Command line").

Each subcommand opens the card, selects the applet, opens the secure channel with the stored
(or given, or new) pairing (cardwire.cli.keycard.connect), verifies ``--pin`` when the command
needs it, sends its command(s) and prints the result (``--json``: one JSON document). Secrets
(PIN, PUK, seed, private key, mnemonic) are literal, ``@FILE`` or ``env:NAME``, and a secret
the card gives back (an exported private key) is printed only with ``--show-keys``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

import click

from cardwire.card import Card
from cardwire.cli.keycard.connect import connect, release, verify_pin
from cardwire.cli.output import emit_json, json_option
from cardwire.cli.secrets import resolve_secret
from cardwire.cli.secure_protocols import group_values
from cardwire.cli.target import CardTarget, target_options
from cardwire.crypto.bip32 import mnemonic_to_seed
from cardwire.crypto.secp256k1 import verify_digest
from cardwire.errors import UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sm import keycard
from cardwire.sm.keycard import commands

T = TypeVar("T")
_SHOW_KEYS = click.option("--show-keys", is_flag=True, help="Print secrets the card gives.")


def _values() -> dict[str, Any]:
    return group_values(click.get_current_context())


def in_channel(
    target: CardTarget, action: Callable[[Card], T], *, pin: bool = True, name: str = ""
) -> T:
    """Open the card and the channel (VERIFY PIN when ``pin``), run ``action``, release a
    one-off pairing."""
    values = _values()
    if pin and values.get("pin") is None:
        raise UsageError(f"{name} needs the user PIN: cardwire keycard --pin PIN {name} ...")
    with Card(target.open()) as card:
        connect(card, values)
        if pin:
            verify_pin(card, values)
        try:
            return action(card)
        finally:
            with contextlib.suppress(Exception):  # the action's own error, if any, wins
                release(card, values)


def _emit(document: dict[str, Any], as_json: bool, text: str) -> None:
    if as_json:
        emit_json(document)
    else:
        click.echo(text)


def register(group: click.Group) -> None:
    """Add every subcommand of this module to ``cardwire keycard``."""
    for command in _COMMANDS:
        group.add_command(command)


@click.command("status")
@target_options
@json_option()
def status_command(target: CardTarget, as_json: bool) -> None:
    """GET STATUS: PIN and PUK tries left, whether a key is loaded, the current key path.

    \b
    Example:
      cardwire keycard status --sim
    """

    def run(card: Card) -> dict[str, Any]:
        status = commands.parse_status(card.send(commands.get_status()).data)
        path = commands.parse_key_path(card.send(commands.get_status(key_path=True)).data)
        return {
            "pin_tries": status.pin_tries,
            "puk_tries": status.puk_tries,
            "key_loaded": status.key_initialized,
            "key_path": path,
        }

    document = in_channel(target, run, pin=False)
    _emit(
        document,
        as_json,
        f"PIN tries {document['pin_tries']}, PUK tries {document['puk_tries']}, "
        f"key {'loaded' if document['key_loaded'] else 'none'}, path {document['key_path']}",
    )


@click.command("verify-pin")
@target_options
def verify_pin_command(target: CardTarget) -> None:
    """VERIFY PIN (the group's --pin) inside the channel.

    \b
    Example:
      cardwire keycard --pin 123456 verify-pin --sim
    """
    in_channel(target, lambda card: None, name="verify-pin")
    click.echo("PIN verified")


def _change(name: str, build: Callable[[str], Any], what: str) -> click.Command:
    @click.command(name)
    @target_options
    @click.argument("new", metavar=f"NEW_{what}")
    def change(target: CardTarget, new: str) -> None:
        secret = resolve_secret(new, f"NEW_{what}")
        in_channel(target, lambda card: card.send(build(secret)), name=name)
        click.echo(f"{what} changed")

    change.help = (
        f"CHANGE PIN (P1 for the {what}): set a new {what}; needs --pin. NEW_{what} is "
        f"literal, @FILE or env:NAME.\n\n\b\nExample:\n  cardwire keycard --pin 123456 {name} "
        "--sim env:NEW"
    )
    return change


def _pairing_secret_change(password: str) -> Any:
    return commands.change_pairing_secret(keycard.pairing_secret(password))


@click.command("unblock-pin")
@target_options
@click.option("--puk", required=True, metavar="PUK", help="The PUK (literal, @FILE, env:NAME).")
@click.argument("new_pin", metavar="NEW_PIN")
def unblock_pin_command(target: CardTarget, puk: str, new_pin: str) -> None:
    """UNBLOCK PIN with the PUK, setting a new PIN (no --pin needed).

    \b
    Example:
      cardwire keycard unblock-pin --sim --puk 123456789012 654321
    """
    command = commands.unblock_pin(resolve_secret(puk, "--puk"), resolve_secret(new_pin, "NEW_PIN"))
    in_channel(target, lambda card: card.send(command), pin=False)
    click.echo("PIN unblocked")


@click.command("generate-key")
@target_options
@json_option()
def generate_key_command(target: CardTarget, as_json: bool) -> None:
    """GENERATE KEY on the card; prints the key UID (SHA-256 of the public key).

    \b
    Example:
      cardwire keycard --pin 123456 generate-key --sim
    """
    uid = in_channel(
        target, lambda card: card.send(commands.generate_key()).data, name="generate-key"
    )
    _emit({"key_uid": to_hex(uid)}, as_json, f"key UID {to_hex(uid)}")


@click.command("generate-mnemonic")
@target_options
@click.option("--words", type=click.Choice(["12", "15", "18", "21", "24"]), default="12")
@json_option()
def generate_mnemonic_command(target: CardTarget, words: str, as_json: bool) -> None:
    """GENERATE MNEMONIC with the card's random generator; prints the BIP-39 words (the card
    keeps nothing: load the seed with `load-key --mnemonic`).

    \b
    Example:
      cardwire keycard generate-mnemonic --sim --words 24
    """
    from mnemonic import Mnemonic

    data = in_channel(
        target, lambda card: card.send(commands.generate_mnemonic(int(words))).data, pin=False
    )
    wordlist = Mnemonic("english").wordlist
    phrase = " ".join(wordlist[index] for index in commands.parse_mnemonic(data))
    _emit({"mnemonic": phrase}, as_json, phrase)


@click.command("load-key")
@target_options
@click.option("--seed", metavar="HEX", help="A 16..64-byte BIP-39 seed.")
@click.option("--mnemonic", "phrase", metavar="WORDS", help="A BIP-39 mnemonic (checked).")
@click.option("--passphrase", default="", metavar="P", help="The BIP-39 passphrase.")
@click.option("--key", "private_key", metavar="HEX", help="A 32-byte secp256k1 private key.")
@click.option("--chain-code", metavar="HEX", help="With --key: its BIP-32 chain code.")
@click.option("--lee", is_flag=True, help="Applet 4.x: load the seed in LEE mode (P1 04).")
@json_option()
def load_key_command(
    target: CardTarget,
    seed: str | None,
    phrase: str | None,
    passphrase: str,
    private_key: str | None,
    chain_code: str | None,
    lee: bool,
    as_json: bool,
) -> None:
    """LOAD KEY: a seed, a mnemonic (its BIP-39 seed) or a key pair; prints the key UID.
    Every value is literal, @FILE or env:NAME. With --lee (applet 4.x) the seed also gives the
    LEE keys (`keycard export-lee`).

    \b
    Example:
      cardwire keycard --pin 123456 load-key --sim --mnemonic env:WORDS
    """
    if sum(value is not None for value in (seed, phrase, private_key)) != 1:
        raise UsageError("give one of --seed, --mnemonic, --key")
    if lee and private_key is not None:
        raise UsageError("--lee loads a seed: give --seed or --mnemonic")
    load_seed = commands.load_lee_seed if lee else commands.load_seed
    if seed is not None:
        command = load_seed(parse_hex(resolve_secret(seed, "--seed")))
    elif phrase is not None:
        from mnemonic import Mnemonic

        words = " ".join(resolve_secret(phrase, "--mnemonic").split())
        if not Mnemonic("english").check(words):
            raise UsageError("--mnemonic: not a valid BIP-39 English mnemonic (words, checksum)")
        secret = resolve_secret(passphrase, "--passphrase") if passphrase else ""
        command = load_seed(mnemonic_to_seed(words, secret))
    else:
        assert private_key is not None
        key = parse_hex(resolve_secret(private_key, "--key"))
        chain = (
            None if chain_code is None else parse_hex(resolve_secret(chain_code, "--chain-code"))
        )
        command = commands.load_key_pair(key, chain)
    uid = in_channel(target, lambda card: card.send(command).data, name="load-key")
    _emit({"key_uid": to_hex(uid)}, as_json, f"key UID {to_hex(uid)}")


@click.command("derive")
@target_options
@click.argument("path")
def derive_command(target: CardTarget, path: str) -> None:
    """DERIVE KEY: make the key at PATH current (m/..., ../..., ./...).

    \b
    Example:
      cardwire keycard --pin 123456 derive --sim "m/44'/60'/0'/0/0"
    """
    command = commands.derive_key(path)

    def run(card: Card) -> str:
        card.send(command)
        return commands.parse_key_path(card.send(commands.get_status(key_path=True)).data)

    click.echo(f"current key {in_channel(target, run, name='derive')}")


@click.command("export-key")
@target_options
@click.argument("path", required=False)
@click.option("--private", is_flag=True, help="Also the private key (only under m/43'/60'/1581').")
@click.option("--chain-code", is_flag=True, help="Also the chain code (extended public key).")
@click.option("--make-current", is_flag=True, help="Make the key at PATH current.")
@_SHOW_KEYS
@json_option()
def export_key_command(
    target: CardTarget,
    path: str | None,
    private: bool,
    chain_code: bool,
    make_current: bool,
    show_keys: bool,
    as_json: bool,
) -> None:
    """EXPORT KEY: the public key of the current key or of PATH.

    \b
    Example:
      cardwire keycard --pin 123456 export-key --sim "m/44'/60'/0'/0/0"
    """
    if private and not show_keys:
        raise UsageError("--private prints a private key: add --show-keys")
    command = commands.export_key(
        path, private=private, chain_code=chain_code, make_current=make_current
    )
    exported = commands.parse_exported_key(
        in_channel(target, lambda card: card.send(command).data, name="export-key")
    )
    document: dict[str, Any] = {"public_key": to_hex(exported.public_key)}
    if exported.chain_code is not None:
        document["chain_code"] = to_hex(exported.chain_code)
    if exported.private_key is not None:
        document["private_key"] = to_hex(exported.private_key)
    _emit(document, as_json, "\n".join(f"{k}: {v}" for k, v in document.items()))


@click.command("sign")
@target_options
@click.argument("digest", metavar="HASH")
@click.option("--path", help="Sign with the key at PATH (m/..., ../..., ./...).")
@click.option("--make-current", is_flag=True, help="With --path: make that key current.")
@click.option("--pinless", is_flag=True, help="With the PIN-less path key: no PIN needed.")
@json_option()
def sign_command(
    target: CardTarget,
    digest: str,
    path: str | None,
    make_current: bool,
    pinless: bool,
    as_json: bool,
) -> None:
    """SIGN a 32-byte HASH (ECDSA secp256k1, low S); the signature is verified before printing.

    \b
    Example:
      cardwire keycard --pin 123456 sign --sim --path "m/44'/60'/0'/0/0" "$HASH"
    """
    hash_bytes = parse_hex(digest)
    command = commands.sign(hash_bytes, path, make_current=make_current, pinless=pinless)
    data = in_channel(target, lambda card: card.send(command).data, pin=not pinless, name="sign")
    public_key, signature = commands.parse_signature(data)
    verify_digest(public_key, hash_bytes, signature)
    document = {"public_key": to_hex(public_key), "signature": to_hex(signature)}
    _emit(
        document,
        as_json,
        f"public_key: {document['public_key']}\nsignature: {document['signature']}",
    )


@click.command("set-pinless-path")
@target_options
@click.argument("path", required=False)
def set_pinless_path_command(target: CardTarget, path: str | None) -> None:
    """SET PINLESS PATH (m/...); without PATH the PIN-less path is disabled.

    \b
    Example:
      cardwire keycard --pin 123456 set-pinless-path --sim "m/44'/60'/0'/0/0"
    """
    command = commands.set_pinless_path(path)
    in_channel(target, lambda card: card.send(command), name="set-pinless-path")
    click.echo(f"PIN-less path {path}" if path else "PIN-less path disabled")


@click.command("remove-key")
@target_options
def remove_key_command(target: CardTarget) -> None:
    """REMOVE KEY: the card forgets its key (and key path, PIN-less path).

    \b
    Example:
      cardwire keycard --pin 123456 remove-key --sim
    """
    in_channel(target, lambda card: card.send(commands.remove_key()), name="remove-key")
    click.echo("key removed")


_SLOT = click.option(
    "--slot", type=click.Choice(sorted(commands.DATA_SLOTS)), default="public", show_default=True
)


@click.command("get-data")
@target_options
@_SLOT
@json_option()
def get_data_command(target: CardTarget, slot: str, as_json: bool) -> None:
    """GET DATA from a data slot (no PIN needed).

    \b
    Example:
      cardwire keycard get-data --sim --slot ndef
    """
    data = in_channel(target, lambda card: card.send(commands.get_data(slot)).data, pin=False)
    _emit({"slot": slot, "data": to_hex(data)}, as_json, to_hex(data))


@click.command("store-data")
@target_options
@_SLOT
@click.argument("data", metavar="HEX")
def store_data_command(target: CardTarget, slot: str, data: str) -> None:
    """STORE DATA in a data slot (at most 127 bytes); needs --pin.

    \b
    Example:
      cardwire keycard --pin 123456 store-data --sim --slot public 48656C6C6F
    """
    command = commands.store_data(slot, parse_hex(data))
    in_channel(target, lambda card: card.send(command), name="store-data")
    click.echo(f"stored {len(command.data)} bytes in {slot}")


_COMMANDS: tuple[click.Command, ...] = (
    status_command,
    verify_pin_command,
    _change("change-pin", commands.change_pin, "PIN"),
    _change("change-puk", commands.change_puk, "PUK"),
    _change("change-pairing-secret", _pairing_secret_change, "PAIRING_PASSWORD"),
    unblock_pin_command,
    generate_key_command,
    generate_mnemonic_command,
    load_key_command,
    derive_command,
    export_key_command,
    sign_command,
    set_pinless_path_command,
    remove_key_command,
    get_data_command,
    store_data_command,
)

__all__ = ["in_channel", "register"]
