"""``cardwire pace --can|--mrz|--pin|--puk ... send APDU...`` and ``open pace ...`` in the shell.

PACE (ICAO Doc 9303-11 4.4): the application is selected (``--aid``, the ePassport's LDS1 AID by
default; the eID application is E80704007F00070302), the parameters come from EF.CardAccess
unless ``--param`` names a standardized domain parameter id (9303-11 9.5.1), MSE:Set AT and the
GENERAL AUTHENTICATE chain run with the password, and the APDUs then travel under ISO secure
messaging with SSC 0. Passwords are given literally, as ``@FILE`` or as ``env:NAME``, and are
never printed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from cardwire.card import CardCommands
from cardwire.channels import Channel
from cardwire.cli.aid_option import aid_option, aid_value
from cardwire.cli.bac_cmd import WRONG_SECRET_SW
from cardwire.cli.mrz_text import parse_mrz
from cardwire.cli.secrets import resolve_secret
from cardwire.cli.secure_protocols import SecureProtocol, add_protocol
from cardwire.errors import StatusError, UsageError
from cardwire.handshakes.bac import MrzInformation
from cardwire.handshakes.pace import open_pace, select_application
from cardwire.hexutil import to_hex
from cardwire.sim.profile import EPASSPORT_AID
from cardwire.sm.base import HostSecureSession
from cardwire.sm.pace import SessionKeys
from cardwire.trace.recorder import TraceRecorder

PASSWORD_OPTIONS = ("can", "mrz", "pin", "puk")
PIN_SUSPENDED_SW = 0x63C1  # BSI TR-03110-2 3.5.1: one try left, the PIN is suspended
SW_CONDITIONS_NOT_SATISFIED = 0x6985  # ISO/IEC 7816-4 5.6


CAN_DIGITS = 6  # BSI TR-03110-2 3.3 (and ICAO 9303-11 9.7.3.1): the CAN printed on the card
RESUME = "--can CAN --pin PIN"


def chosen_password(values: dict[str, Any]) -> tuple[str, str | MrzInformation]:
    """(kind, secret) from exactly one of --can, --mrz, --pin, --puk (--can with --pin is the
    eID PIN resume, see :func:`establish`)."""
    given = [(kind, values.get(kind)) for kind in PASSWORD_OPTIONS if values.get(kind)]
    if len(given) != 1:
        raise UsageError(
            "pace needs exactly one password: --can, --mrz, --pin or --puk (or --can with "
            "--pin to resume a suspended PIN)"
        )
    kind, text = given[0]
    secret = resolve_secret(str(text), f"--{kind}")
    if kind == "mrz":
        return kind, parse_mrz(secret)
    if kind == "can" and not (secret.isascii() and secret.isdigit() and len(secret) == CAN_DIGITS):
        # refused here: a wrong CAN would cost the card a PACE attempt (and its error counter)
        raise UsageError(
            f"a CAN is the {CAN_DIGITS}-digit card access number printed on the card; the one "
            f"given has {len(secret)} characters"
        )
    return kind, secret


def _explained(exc: StatusError, kind: str) -> StatusError:
    """``exc`` with what to do, for the status words of a refused PACE."""
    if exc.sw == WRONG_SECRET_SW and kind in ("can", "mrz"):
        # ICAO 9303-11 4.4.3.4: the chip's authentication token check fails with another
        # password; the chip answers 6300 to the last GENERAL AUTHENTICATE
        meaning = f"PACE refused: the {kind.upper()} is probably wrong"
    elif kind == "pin" and exc.sw in (PIN_SUSPENDED_SW, SW_CONDITIONS_NOT_SATISFIED):
        # BSI TR-03110-2 3.5.1: a suspended PIN (63C1 at MSE:Set AT, then 6985 at GENERAL
        # AUTHENTICATE) works again only inside a PACE session opened with the CAN
        meaning = f"the PIN is suspended (one try left): resume with the CAN first ({RESUME})"
    elif kind in ("pin", "puk") and exc.sw & 0xFFF0 == 0x63C0 and exc.sw > PIN_SUSPENDED_SW:
        # BSI TR-03110-3 B.1: 63Cx, x tries left
        meaning = f"PACE refused: the {kind.upper()} is wrong; {exc.sw & 0xF} tries left"
    else:
        return exc
    return StatusError(exc.sw, meaning, exc.command)


def establish(card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
    """Select the application and run PACE with the password from ``values``.

    ``--can`` with ``--pin``: the eID PIN resume (BSI TR-03110-2 3.5.1): PACE with the CAN,
    then PACE with the PIN inside that session; the PIN's session is the one returned."""
    aid = aid_value(values, EPASSPORT_AID)
    parameter_id = values.get("param")
    resume = bool(values.get("can")) and bool(values.get("pin"))
    steps = [{"can": values["can"]}, {"pin": values["pin"]}] if resume else [values]
    passwords = [chosen_password(step) for step in steps]  # checked before the card sees any
    on_secret = _secret_recorder(card) if values.get("trace_pace_secret") else None
    select_application(card, aid)
    on_keys = _print_keys if values.get("show_keys") else None
    session: HostSecureSession | None = None
    for kind, secret in passwords:
        try:
            session = open_pace(
                card,
                secret,
                kind=kind,
                parameter_id=parameter_id,
                on_keys=on_keys,
                on_secret=on_secret,
            )
        except StatusError as exc:
            raise _explained(exc, kind) from None
    assert session is not None
    return session


def _secret_recorder(card: CardCommands) -> Callable[[int], None]:
    """Where ``--trace-pace-secret`` puts SK_IFD: the ``--trace FILE`` recorder below ``card``
    (a channel's card), made to hold secrets (mode 0600, docs/traces.md) before PACE runs."""
    base = card.card if isinstance(card, Channel) else card
    recorder = getattr(base, "transport", None)
    if not isinstance(recorder, TraceRecorder) or recorder.path is None:
        raise UsageError("--trace-pace-secret goes with --trace FILE (it writes to that trace)")
    recorder.allow_secrets()
    return recorder.record_pace_secret


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
        "mrz",
        "DOC,BIRTH,EXPIRY|LINES",
        "the MRZ: document number, birth and expiry (YYMMDD), or the MRZ lines",
    ),
    _password_option("pin", "PIN", "the eID PIN (with --can: resume a suspended PIN)"),
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
    click.option(
        "--trace-pace-secret",
        is_flag=True,
        help="Write the terminal's PACE key-agreement private key into the --trace FILE (mode "
        "0600), so that `trace decode --can|--mrz|--pin|--puk` recomputes the session keys.",
    ),
)

EXAMPLE = "cardwire pace --can 123456 send --sim 00A4020C020101 00B0000000"

PACE = add_protocol(
    SecureProtocol(
        name="pace",
        summary="PACE (ICAO 9303-11): secure messaging keyed by a CAN, MRZ, PIN or PUK.",
        options=OPTIONS,
        establish=establish,
        example=EXAMPLE,
    )
)
