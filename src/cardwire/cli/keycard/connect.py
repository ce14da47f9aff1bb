"""Opening the Keycard secure channel from the command line: which pairing to use (given, stored,
new), the stale-pairing rule, and the UNPAIR of a one-off pairing before the command exits
(docs/keycard.md, "Pairing store")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from cardwire.apdu import Command
from cardwire.card import CardCommands
from cardwire.cli.keycard.store import PairingStore
from cardwire.cli.secrets import resolve_secret
from cardwire.errors import CryptogramError, DecodeError, StatusError, UsageError
from cardwire.handshakes import keycard as keycard_io
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sm import keycard
from cardwire.sm.keycard import ApplicationInfo, KeycardSession, Pairing
from cardwire.sm.keycard.v2 import KeycardV2Session

# Keycard docs, PAIR: 6A84 when every pairing slot is taken.
SW_NO_FREE_SLOT = 0x6A84
# Keycard docs, OPEN SECURE CHANNEL: 6A86 when P1 is not a valid pairing index.
SW_BAD_PAIRING_INDEX = 0x6A86
# Where the one-off pairing waits in the option values for ``release`` (values is the dict the
# secure-protocol machinery passes from establish to after_open and before_close).
_ONE_OFF = "_keycard_one_off_pairing"

NO_FREE_SLOT = "no free pairing slot: unpair one or factory-reset"


# PyPI keycard SDK constants.py: the Keycard CAs' public keys (official, test), trusted by
# default for Secure Channel V2 certificates; `--test-ca` adds cardwire's simulator test CA.
KEYCARD_CA_KEYS = (
    bytes.fromhex("029ab99ee1e7a71bdf45b3f9c58c99866ff1294d2c1e304e228a86e10c3343501c"),
    bytes.fromhex("025877220aaae6e54a6f974602d5995c0fe24a3ea7ddabd8644bec795b9da00743"),
)


@dataclass
class Connection:
    """An open channel: the SELECT answer, the pairing (None on V2) and how it was found."""

    info: ApplicationInfo
    pairing: Pairing | None
    session: KeycardSession | KeycardV2Session
    source: str  # "given" (--pairing), "stored", "new" (now stored), "one-off" or "v2"


def trusted_cas(values: dict[str, Any]) -> list[bytes]:
    """The CA keys a V2 card's Identity Certificate may come from."""
    keys = list(KEYCARD_CA_KEYS)
    keys += [parse_hex(str(key)) for key in values.get("ca_key") or ()]
    if values.get("test_ca"):
        from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
        from cardwire.sim.applets.keycard.settings import SIM_TEST_CA_KEY

        keys.append(Secp256k1PrivateKey(SIM_TEST_CA_KEY).public_key)
    return keys


def store_of(values: dict[str, Any]) -> PairingStore | None:
    """The pairing store the options name; None with --no-store."""
    if values.get("no_store"):
        return None
    path = values.get("pairing_store")
    return PairingStore(Path(str(path)) if path else None)


def pairing_secret_of(values: dict[str, Any]) -> bytes:
    password = values.get("pairing_password")
    if password is not None:
        password = resolve_secret(str(password), "--pairing-password")
    return keycard.pairing_secret(password or keycard.DEFAULT_PAIRING_PASSWORD)


def pair_new(card: CardCommands, secret: bytes, mode: int = 0) -> Pairing:
    """PAIR; a full card gets the clear message rather than its bare status word."""
    try:
        return keycard_io.pair(card, secret, mode=mode)
    except StatusError as exc:
        if exc.sw == SW_NO_FREE_SLOT:
            raise UsageError(NO_FREE_SLOT) from exc
        raise


def card_identity(card: CardCommands) -> bytes | None:
    """The card's Identity Key (IDENTIFY CARD, after SELECT), None for a card without one:
    what names the card in the pairing store across FACTORY RESET and INIT."""
    try:
        return keycard_io.identify_card(card).identity_key
    except (StatusError, DecodeError, CryptogramError):
        return None


def note_dropped(dropped: list[bytes]) -> None:
    """Say on stderr which stale entries (former instance UIDs of this card) left the store."""
    if dropped:
        uids = ", ".join(to_hex(uid) for uid in dropped)
        click.echo(
            f"note: dropped the stale pairing of {uids} (this card's former instance)", err=True
        )


def _is_stale(exc: Exception) -> bool:
    """The card refuses the pairing: its slot is empty (6A86) or holds another key (the
    MUTUALLY AUTHENTICATE cryptogram does not verify)."""
    if isinstance(exc, StatusError):
        return exc.sw == SW_BAD_PAIRING_INDEX
    return isinstance(exc, CryptogramError)


def connect(card: CardCommands, values: dict[str, Any]) -> Connection:
    """SELECT, find or make the pairing, OPEN SECURE CHANNEL and MUTUALLY AUTHENTICATE; the
    session is left installed on ``card``."""
    given, password = values.get("pairing"), values.get("pairing_password")
    if given is not None and password is not None:
        raise UsageError("use either --pairing or --pairing-password, not both")
    info = keycard_io.select_keycard(card)
    if info.secure_channel_v2:  # applet 4.x: no pairing, the card proves itself
        session = keycard_io.open_keycard_v2(card, info, trusted_cas(values))
        return Connection(info, None, session, "v2")
    if not info.public_key:
        raise UsageError("this Keycard applet has no secure channel (no public key in SELECT)")
    if given is not None:
        pairing = Pairing.parse(resolve_secret(str(given), "--pairing"))
        return Connection(info, pairing, _open(card, pairing, info), "given")
    store = store_of(values)
    if store is None and values.get("pin") is None:
        raise UsageError(
            "a pairing that is not stored (--no-store) is unpaired before the command exits, "
            "which needs --pin"
        )
    if store is not None:
        stored = store.get(info.instance_uid)
        if stored is not None:
            try:
                return Connection(info, stored, _open(card, stored, info), "stored")
            except (StatusError, CryptogramError) as exc:
                if not _is_stale(exc):
                    raise
                store.remove(info.instance_uid)
                click.echo(
                    f"note: the card refused stored pairing {stored.index} (stale): "
                    "removed from the store; pairing anew",
                    err=True,
                )
                info = keycard_io.select_keycard(card)
    identity = None if store is None else card_identity(card)
    pairing = pair_new(card, pairing_secret_of(values))
    if store is not None:
        note_dropped(store.put(info.instance_uid, pairing, identity))
        source = "new"
    else:
        values[_ONE_OFF] = pairing
        source = "one-off"
    return Connection(info, pairing, _open(card, pairing, info), source)


def _open(card: CardCommands, pairing: Pairing, info: ApplicationInfo) -> KeycardSession:
    return keycard_io.open_keycard(card, pairing, info.public_key)


def verify_pin(card: CardCommands, values: dict[str, Any]) -> None:
    """VERIFY PIN inside the channel when --pin was given."""
    pin = values.get("pin")
    if pin is not None:  # Keycard docs, VERIFY PIN: CLA 80 INS 20, the PIN in ASCII
        secret = resolve_secret(str(pin), "--pin").encode("ascii")
        card.send(Command(keycard.CLA_KEYCARD, 0x20, 0, 0, secret))


def release(card: CardCommands, values: dict[str, Any]) -> None:
    """UNPAIR the one-off pairing of this command, in a fresh channel (the command's own may
    have ended): select, open, VERIFY PIN, UNPAIR."""
    pairing = values.pop(_ONE_OFF, None)
    if not isinstance(pairing, Pairing):
        return
    info = keycard_io.select_keycard(card)
    _open(card, pairing, info)
    verify_pin(card, values)
    keycard_io.unpair(card, pairing.index)
    card.secure(None)


def describe(connection: Connection, show_keys: bool) -> dict[str, Any]:
    pairing = connection.pairing
    document: dict[str, Any] = {
        "version": connection.info.version_text,
        "secure_channel": "V2" if pairing is None else "V1",
        "instance_uid": to_hex(connection.info.instance_uid),
        "pairing_index": None if pairing is None else pairing.index,
        "pairing_source": connection.source,
        "free_slots": connection.info.free_slots,
    }
    if show_keys and pairing is not None:
        document["pairing_key"] = to_hex(pairing.key)
    return document


__all__ = [
    "NO_FREE_SLOT",
    "Connection",
    "card_identity",
    "connect",
    "describe",
    "note_dropped",
    "pair_new",
    "pairing_secret_of",
    "release",
    "store_of",
    "trusted_cas",
    "verify_pin",
]
