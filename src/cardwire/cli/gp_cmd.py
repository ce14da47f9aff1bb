"""``cardwire gp COMMAND``: GlobalPlatform card management, as GlobalPlatformPro's ``gp`` does it.

Every command takes the secure channel options (``--keys``, ``--kvn``, ``--level``, ``--s16``
for SCP03, ``--diversify`` (kdf3 for SCP03, emv or visa2 for SCP02), ``--i`` for SCP02,
``--oce-key`` / ``--oce-cert`` for SCP11a/c, ``--aid`` of the Security Domain),
``--scp 03|02|11a|11b|11c`` (11 alone is 11b; ``--kvn`` and ``--level`` default to each
protocol's own defaults: 30/33 for SCP03, 20/01 for SCP02, 01 and the fixed level 33 for
SCP11), ``--json`` and ``--sim|--reader``. This module holds the group, the shared options,
the session opening and ``info`` / ``list``; ``gp_manage_cmd`` and ``gp_load_cmd`` hold the
other commands (docs/gp.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from cardwire import commands
from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.cli.aid_option import aid_value
from cardwire.cli.app import CardwireGroup, cli
from cardwire.cli.gp_key_options import diversify_option
from cardwire.cli.output import emit_json
from cardwire.cli.scp03_cmd import OPTIONS as SCP03_OPTIONS
from cardwire.cli.scp03_cmd import SCP03
from cardwire.cli.secure_protocols import OptionDecorator
from cardwire.cli.target import CardTarget, target_options
from cardwire.errors import DecodeError, UsageError
from cardwire.gp import (
    TAG_CARD_DATA,
    TAG_CPLC,
    TAG_KEY_INFORMATION_TEMPLATE,
    StatusScope,
    get_data,
    parse_key_information,
)
from cardwire.gp_info import (
    life_cycle_name,
    parse_card_data,
    parse_cplc,
    privilege_names,
    read_any_status,
)
from cardwire.hexutil import to_hex
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sm.scp02.diversification import DIVERSIFICATION_SCHEMES as SCP02_DIVERSIFY
from cardwire.sm.scp03 import DIVERSIFICATION_SCHEMES as SCP03_DIVERSIFY

F = TypeVar("F", bound=Callable[..., Any])

SCP_CHOICES = ("02", "03", "11", "11a", "11b", "11c")


def gp_options(command: F) -> F:
    """The options every ``gp`` command shares; the command receives ``target``, ``json_out``
    and ``values`` (the secure channel options by name)."""
    option_names: tuple[str, ...] = ("keys", "kvn", "level", "s16", "diversify", "aid", "scp")
    option_names += ("i", "oce_key", "oce_cert")

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in option_names}
        return command(*args, values=values, **kwargs)

    decorated: Callable[..., Any] = wrapper
    # --kvn and --level come from SCP03's options (the first options after --keys) with no
    # default here, so that each protocol applies its own when they are not given.
    options: tuple[OptionDecorator, ...] = (
        SCP03_OPTIONS[0],  # --keys
        click.option("--kvn", metavar="HEX", help="Key version (30 SCP03, 20 SCP02, 01 SCP11)"),
        click.option("--level", metavar="HEX", help="Security level (33 SCP03, 01 SCP02)."),
        SCP03_OPTIONS[3],  # --s16
        diversify_option(
            (*SCP03_DIVERSIFY, *SCP02_DIVERSIFY),
            "Key diversification of --keys (master keys): kdf3 (SCP03), emv or visa2 (SCP02), "
            "none.",
        ),
        SCP03_OPTIONS[5],  # --aid
        click.option("--i", "i", metavar="HEX", help="SCP02 implementation option (55)."),
        *_scp11_options(),
    )
    for option in reversed(options):
        decorated = option(decorated)
    decorated = click.option(
        "--scp",
        type=click.Choice(SCP_CHOICES),
        default="03",
        show_default=True,
        help="Secure channel protocol (11 alone: 11b).",
    )(decorated)
    decorated = click.option("--json", "json_out", is_flag=True, help="Print JSON.")(decorated)
    return target_options(decorated)  # type: ignore[return-value]


def _scp11_options() -> tuple[OptionDecorator, ...]:
    """SCP11a/c's ``--oce-key`` and ``--oce-cert`` (cardwire.cli.scp11_cmd)."""
    return (
        click.option("--oce-key", metavar="FILE", help="SCP11a/c: OCE private key (PEM/DER)."),
        click.option(
            "--oce-cert", metavar="FILE", multiple=True, help="SCP11a/c: OCE certificates."
        ),
    )


def open_secure(card: Card, values: dict[str, Any]) -> None:
    """Select the Security Domain and open the secure channel on ``card`` (the one place that
    knows how a session is opened)."""
    scp = values.get("scp") or "03"
    if scp == "02":
        from cardwire.cli.scp02_cmd import SCP02

        SCP02.start(card, values)
        return
    if scp.startswith("11"):
        from cardwire.cli.scp11_cmd import SCP11

        if values.get("keys") is not None or values.get("level") is not None:
            raise UsageError(f"--scp {scp} takes no --keys or --level (SCP11 is keyed by ECC)")
        SCP11.start(card, {**values, "variant": scp})
        return
    if scp != "03":
        raise UsageError(f"--scp {scp}: unknown secure channel protocol")
    SCP03.start(card, values)


@contextmanager
def managed_card(target: CardTarget, values: dict[str, Any]) -> Iterator[Card]:
    """The card with an authenticated session to its Security Domain."""
    with Card(target.open()) as card:
        open_secure(card, values)
        yield card


def send_managed(target: CardTarget, values: dict[str, Any], command: Command) -> Response:
    """One command under an authenticated session to the Security Domain (an error status
    word raises)."""
    with managed_card(target, values) as card:
        return card.send(command)


def unchecked(card: Card) -> Callable[[Any], Response]:
    return functools.partial(card.send, check=False)


@cli.group(cls=CardwireGroup)
def gp() -> None:
    """GlobalPlatform card management: info, list, load, install, delete, keys, life cycle.

    \b
    Example:
      cardwire gp list --sim --keys 404142434445464748494A4B4C4D4E4F
    """


# --- info --------------------------------------------------------------------------------------


def _get(card: Card, tag: int) -> bytes | None:
    response = card.send(get_data(tag), check=False)
    return response.data if response.sw == 0x9000 and response.data else None


def card_info(card: Card, aid: bytes) -> dict[str, Any]:
    """What GET DATA and GET STATUS [ISD] tell: CPLC, card data, key information, IIN, CIN,
    card capabilities (GPC 11.3, H.2, H.6)."""
    info: dict[str, Any] = {"isd": to_hex(aid)}
    cplc = _get(card, TAG_CPLC)
    info["cplc"] = None if cplc is None else parse_cplc(cplc)
    card_data = _get(card, TAG_CARD_DATA)
    info["card_data"] = None if card_data is None else parse_card_data(card_data)
    keys = _get(card, TAG_KEY_INFORMATION_TEMPLATE)
    info["keys"] = (
        None
        if keys is None
        else [
            {
                "id": k.key_id,
                "version": k.kvn,
                "type": f"{k.key_type:02X}",
                "length": k.length,
                # GPC 11.3.3.1: further components (an SCP11 ECC key's F0 curve reference).
                "more": [{"type": f"{t:02X}", "length": n} for t, n in k.more],
            }
            for k in parse_key_information(keys)
        ]
    )
    for name, tag in (("iin", 0x42), ("cin", 0x45), ("card_capabilities", 0x67)):
        raw = _get(card, tag)
        info[name] = None if raw is None else to_hex(raw)
    return info


@gp.command()
@gp_options
def info(target: CardTarget, json_out: bool, values: dict[str, Any]) -> None:
    """Card information: CPLC, card data, keys, IIN/CIN, ISD life cycle (keys optional)."""
    aid = aid_value(values, DEFAULT_AID)
    with Card(target.open()) as card:
        if values.get("keys"):
            open_secure(card, values)
        else:
            card.send(commands.select_by_aid(aid))  # GPC 11.3: GET DATA in plain
        result = card_info(card, aid)
        result["life_cycle"] = None
        if values.get("keys"):
            (isd,) = read_any_status(unchecked(card), StatusScope.ISSUER_SECURITY_DOMAIN)
            result["life_cycle"] = life_cycle_name(
                StatusScope.ISSUER_SECURITY_DOMAIN, isd.life_cycle
            )
    if json_out:
        emit_json(result)
        return
    click.echo(
        f"ISD: {result['isd']}" + (f" ({result['life_cycle']})" if result["life_cycle"] else "")
    )
    data = result["card_data"] or {}
    for key in ("gp_version", "scp", "scp_i", "card_identification_scheme"):
        if key in data:
            click.echo(f"{key.replace('_', ' ').capitalize()}: {data[key]}")
    for name in ("iin", "cin", "card_capabilities"):
        if result[name]:
            click.echo(f"{name.upper().replace('_', ' ')}: {result[name]}")
    for key in result["keys"] or []:
        more = "".join(f", {m['type']} length {m['length']}" for m in key["more"])
        click.echo(
            f"Key: id {key['id']:02X} version {key['version']:02X} type {key['type']}"
            f" length {key['length']}{more}"
        )
    if result["cplc"]:
        click.echo("CPLC: " + " ".join(f"{k}={v}" for k, v in result["cplc"].items()))


# --- list --------------------------------------------------------------------------------------

_KINDS = (
    ("ISD", StatusScope.ISSUER_SECURITY_DOMAIN),
    ("APP", StatusScope.APPLICATIONS),
    ("PKG", StatusScope.LOAD_FILES_AND_MODULES),
)


def registry_listing(card: Card) -> list[dict[str, Any]]:
    """Every registry entry as ``gp -l`` shows it (kind, AID, state, privileges, modules)."""
    out = []
    for kind, scope in _KINDS:
        for entry in read_any_status(unchecked(card), scope):
            app_is_sd = kind == "APP" and entry.privileges[:1] and entry.privileges[0] & 0x80
            out.append(
                {
                    "kind": "SD" if app_is_sd else kind,
                    "aid": to_hex(entry.aid),
                    "state": life_cycle_name(scope, entry.life_cycle),
                    "privileges": privilege_names(entry.privileges),
                    "load_file": None if entry.load_file is None else to_hex(entry.load_file),
                    "modules": [to_hex(m) for m in entry.modules],
                }
            )
    return out


@gp.command(name="list")
@gp_options
def list_command(target: CardTarget, json_out: bool, values: dict[str, Any]) -> None:
    """The ISD, applications, Security Domains and load files with their modules (gp -l)."""
    with managed_card(target, values) as card:
        rows = registry_listing(card)
    if json_out:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['kind']}: {row['aid']} ({row['state']})")
        if row["load_file"]:
            click.echo(f"     From:   {row['load_file']}")
        if row["privileges"]:
            click.echo(f"     Privs:  {', '.join(row['privileges'])}")
        for module in row["modules"]:
            click.echo(f"     Applet: {module}")


def hex_argument(text: str, what: str) -> bytes:
    from cardwire.hexutil import parse_hex

    try:
        return parse_hex(text)
    except DecodeError as exc:
        raise UsageError(f"{what}: {exc}") from exc


__all__ = ["gp", "gp_options", "hex_argument", "managed_card", "open_secure", "registry_listing"]
