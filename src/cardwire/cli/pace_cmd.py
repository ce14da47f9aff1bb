"""``cardwire pace --can|--mrz|--pin|--puk ... send APDU...`` and ``open pace ...`` in the shell.

PACE (ICAO Doc 9303-11 4.4): the application is selected (``--aid``, the ePassport's LDS1 AID by
default; the eID application is E80704007F00070302), the parameters come from EF.CardAccess
unless ``--param`` names a standardized domain parameter id (9303-11 9.5.1), MSE:Set AT and the
GENERAL AUTHENTICATE chain run with the password, and the APDUs then travel under ISO secure
messaging with SSC 0. Passwords are given literally, as ``@FILE`` or as ``env:NAME``, and are
never printed.
"""

from __future__ import annotations

from typing import Any

import click

from cardwire.card import CardCommands
from cardwire.cli.aid_option import aid_option, aid_value
from cardwire.cli.app import cli
from cardwire.cli.secrets import resolve_secret
from cardwire.cli.secure_protocols import SecureProtocol, protocol_command, register
from cardwire.errors import UsageError
from cardwire.handshakes.pace import open_pace, select_application
from cardwire.hexutil import to_hex
from cardwire.sim.profile import EPASSPORT_AID
from cardwire.sm.base import HostSecureSession
from cardwire.sm.pace import SessionKeys

PASSWORD_OPTIONS = ("can", "mrz", "pin", "puk")


def chosen_password(values: dict[str, Any]) -> tuple[str, str]:
    """(kind, secret) from exactly one of --can, --mrz, --pin, --puk."""
    given = [(kind, values.get(kind)) for kind in PASSWORD_OPTIONS if values.get(kind)]
    if len(given) != 1:
        raise UsageError("pace needs exactly one password: --can, --mrz, --pin or --puk")
    kind, text = given[0]
    return kind, resolve_secret(str(text), f"--{kind}")


def establish(card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
    """Select the application and run PACE with the password from ``values``."""
    kind, secret = chosen_password(values)
    aid = aid_value(values, EPASSPORT_AID)
    parameter_id = values.get("param")
    select_application(card, aid)
    on_keys = _print_keys if values.get("show_keys") else None
    return open_pace(card, secret, kind=kind, parameter_id=parameter_id, on_keys=on_keys)


def _print_keys(keys: SessionKeys) -> None:
    # On stderr, as `trace decode --pace-keys KSENC,KSMAC` takes them (docs/traces.md).
    click.echo(f"PACE keys: {to_hex(keys.ks_enc)},{to_hex(keys.ks_mac)}", err=True)


def _password_option(kind: str, metavar: str, what: str) -> Any:
    return click.option(
        f"--{kind}", metavar=metavar, help=f"PACE with {what}; literal, @FILE or env:NAME."
    )


OPTIONS = (
    _password_option("can", "CAN", "the card access number (simulated card: 123456)"),
    _password_option(
        "mrz", "DOC,BIRTH,EXPIRY", "the MRZ: document number, birth and expiry (YYMMDD)"
    ),
    _password_option("pin", "PIN", "the eID PIN"),
    _password_option("puk", "PUK", "the eID PUK"),
    click.option(
        "--param",
        type=int,
        metavar="ID",
        help="Standardized domain parameter id (ICAO 9303-11 9.5.1, e.g. 13 brainpoolP256r1) "
        "instead of reading EF.CardAccess.",
    ),
    aid_option(EPASSPORT_AID, "The application selected before PACE."),
    click.option(
        "--show-keys",
        is_flag=True,
        help="Print the session keys KS_enc,KS_mac on stderr (for `trace decode --pace-keys`).",
    ),
)

EXAMPLE = "cardwire pace --can 123456 send --sim 00A4020C020101 00B0000000"

PACE = register(
    SecureProtocol(
        name="pace",
        summary="PACE (ICAO 9303-11): secure messaging keyed by a CAN, MRZ, PIN or PUK.",
        options=OPTIONS,
        establish=establish,
        example=EXAMPLE,
    )
)

cli.add_command(protocol_command(PACE))
