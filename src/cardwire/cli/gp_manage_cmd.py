"""``cardwire gp`` commands that change the card: delete, delete-key, put-key, lock, unlock,
lock-card, unlock-card, set-status, store-data, load, install (docs/gp.md)."""

from __future__ import annotations

from typing import Any

import click

from cardwire import gp
from cardwire.cli.gp_cmd import gp as gp_group
from cardwire.cli.gp_cmd import gp_options, hex_argument, managed_card, send_managed
from cardwire.cli.gp_key_options import byte_option
from cardwire.cli.output import emit_json
from cardwire.cli.scp02_cmd import parse_keys as parse_scp02_keys
from cardwire.cli.scp03_cmd import parse_keys
from cardwire.cli.secrets import resolve_secret, secret_or_prompt
from cardwire.cli.target import CardTarget
from cardwire.errors import UsageError
from cardwire.gp_content import (
    CardLifeCycle,
    DataFormat,
    install_for_personalization,
    set_card_status,
    store_data,
)
from cardwire.gp_des_keys import check_put_des_keys_answer, put_des_keys
from cardwire.hexutil import to_hex
from cardwire.sm.scp02 import Scp02HostSession
from cardwire.sm.scp02.constants import DEFAULT_KVN as SCP02_DEFAULT_KVN
from cardwire.sm.scp03 import DEFAULT_KVN


def _done(json_out: bool, result: dict[str, Any], line: str) -> None:
    if json_out:
        emit_json(result)
    else:
        click.echo(line)


@gp_group.command()
@click.argument("app_aid", metavar="AID")
@click.option("--related", is_flag=True, help="Also delete the related objects (GPC 11.2).")
@gp_options
def delete(
    target: CardTarget, json_out: bool, values: dict[str, Any], app_aid: str, related: bool
) -> None:
    """Delete an application or a load file (with its instances: --related)."""
    raw = hex_argument(app_aid, "AID")
    send_managed(target, values, gp.delete(raw, related=related))
    _done(json_out, {"deleted": to_hex(raw), "related": related}, f"deleted {to_hex(raw)}")


@gp_group.command(name="delete-key")
@click.option("--key-version", "key_version", metavar="HEX", help="Key version (D2).")
@click.option("--key-id", "key_id", metavar="HEX", help="Key identifier (D0).")
@click.option("--last", is_flag=True, help="Allow deleting the last key set (P2 b1).")
@gp_options
def delete_key(
    target: CardTarget,
    json_out: bool,
    values: dict[str, Any],
    key_version: str | None,
    key_id: str | None,
    last: bool,
) -> None:
    """Delete a key set by version and/or key identifier (GPC 11.2.2.3.2)."""
    kvn = None if key_version is None else byte_option({"v": key_version}, "v", 0)
    kid = None if key_id is None else byte_option({"v": key_id}, "v", 0)
    command = gp.delete_key(kvn, kid, last=last)
    send_managed(target, values, command)
    _done(json_out, {"key_version": kvn, "key_id": kid}, "key deleted")


@gp_group.command(name="put-key")
@click.option("--new-keys", metavar="ENC,MAC,DEK", help="The new keys (literal, @FILE, env:NAME).")
@click.option("--new-kvn", metavar="HEX", help="New key version (default 30 SCP03, 20 SCP02).")
@click.option("--replace", metavar="HEX", help="Key version to replace (default: add a set).")
@gp_options
def put_key(
    target: CardTarget,
    json_out: bool,
    values: dict[str, Any],
    new_keys: str | None,
    new_kvn: str | None,
    replace: str | None,
) -> None:
    """Add or replace a key set (AES; 3DES with --scp 02); the card's key check values are
    verified."""
    scp02 = values.get("scp") == "02"
    if not scp02 and values.get("diversify") not in (None, "none"):
        raise UsageError("put-key with --diversify: not supported yet (give the card's keys)")
    text = secret_or_prompt(new_keys, "--new-keys", "new keys (ENC,MAC,DEK)")
    if not text:
        raise UsageError("put-key needs --new-keys ENC,MAC,DEK")
    default_kvn = SCP02_DEFAULT_KVN if scp02 else DEFAULT_KVN
    kvn = byte_option({"new-kvn": new_kvn}, "new-kvn", default_kvn)
    old = None if replace is None else byte_option({"replace": replace}, "replace", 0)
    new_text = resolve_secret(str(text), "--new-keys")
    if scp02:
        # GP Card Spec E.4.7: the 3DES keys travel under the session's DEK session key.
        des_keys = parse_scp02_keys(new_text, kvn)
        with managed_card(target, values) as card:
            session = card.session
            if not isinstance(session, Scp02HostSession):
                raise UsageError("put-key --scp 02 needs an open SCP02 session")
            answer = card.send(put_des_keys(des_keys, session.session_dek, replace_kvn=old))
            check_put_des_keys_answer(answer.data, des_keys)  # GPC 11.8.3.1
    else:
        keys = parse_keys(new_text, kvn)
        current = parse_keys(
            resolve_secret(str(values.get("keys") or ""), "--keys"),
            byte_option(values, "kvn", DEFAULT_KVN),
        )
        with managed_card(target, values) as card:
            answer = card.send(gp.put_key(keys, current.dek, replace_kvn=old))
            gp.check_put_key_answer(answer.data, keys)  # GPC 11.8.3.1: KCVs match
    _done(json_out, {"kvn": kvn, "replaced": old}, f"key set {kvn:02X} stored, KCVs verified")


def _lock(
    target: CardTarget, json_out: bool, values: dict[str, Any], app_aid: str, locked: bool
) -> None:
    raw = hex_argument(app_aid, "AID")
    send_managed(target, values, gp.set_status(raw, locked=locked))
    word = "locked" if locked else "unlocked"
    _done(json_out, {"aid": to_hex(raw), "locked": locked}, f"{word} {to_hex(raw)}")


@gp_group.command()
@click.argument("app_aid", metavar="AID")
@gp_options
def lock(target: CardTarget, json_out: bool, values: dict[str, Any], app_aid: str) -> None:
    """Lock an application (SET STATUS, GPC 11.10)."""
    _lock(target, json_out, values, app_aid, True)


@gp_group.command()
@click.argument("app_aid", metavar="AID")
@gp_options
def unlock(target: CardTarget, json_out: bool, values: dict[str, Any], app_aid: str) -> None:
    """Unlock an application (back to SELECTABLE)."""
    _lock(target, json_out, values, app_aid, False)


def _card_status(
    target: CardTarget, json_out: bool, values: dict[str, Any], state: CardLifeCycle
) -> None:
    send_managed(target, values, set_card_status(state))
    _done(json_out, {"life_cycle": state.name}, f"card life cycle: {state.name}")


@gp_group.command(name="lock-card")
@gp_options
def lock_card(target: CardTarget, json_out: bool, values: dict[str, Any]) -> None:
    """Card life cycle to CARD_LOCKED (GPC 5.1.1.4)."""
    _card_status(target, json_out, values, CardLifeCycle.CARD_LOCKED)


@gp_group.command(name="unlock-card")
@gp_options
def unlock_card(target: CardTarget, json_out: bool, values: dict[str, Any]) -> None:
    """Card life cycle back to SECURED."""
    _card_status(target, json_out, values, CardLifeCycle.SECURED)


@gp_group.command(name="set-status")
@click.argument(
    "life_cycle",
    metavar="STATE",
    type=click.Choice([s.name for s in CardLifeCycle], case_sensitive=False),
)
@gp_options
def set_status(target: CardTarget, json_out: bool, values: dict[str, Any], life_cycle: str) -> None:
    """Card life cycle: OP_READY, INITIALIZED, SECURED, CARD_LOCKED, TERMINATED."""
    _card_status(target, json_out, values, CardLifeCycle[life_cycle.upper()])


@gp_group.command(name="store-data")
@click.argument("data")
@click.option("--dgi", is_flag=True, help="DATA is DGI-formatted (default: BER-TLV).")
@click.option("--to", "to", metavar="AID", help="Application to personalize (through its SD).")
@gp_options
def store_data_command(
    target: CardTarget, json_out: bool, values: dict[str, Any], data: str, dgi: bool, to: str | None
) -> None:
    """STORE DATA to the Security Domain, or to an application with --to (GPC 11.11)."""
    raw = hex_argument(data, "DATA")
    data_format = DataFormat.DGI if dgi else DataFormat.BER_TLV
    app = None if to is None else hex_argument(to, "--to")
    with managed_card(target, values) as card:
        if app is not None:
            card.send(install_for_personalization(app))
        card.send(store_data(raw, data_format))
    _done(json_out, {"stored": len(raw)}, f"stored {len(raw)} bytes")
