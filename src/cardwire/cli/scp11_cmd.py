"""``cardwire scp11 --variant a|b|c ... send APDU...`` and ``open scp11 ...`` in the shell.

GlobalPlatform SCP11 (GP Card Spec v2.3 Amendment F v1.4): the Security Domain is selected
(``--aid``), its certificate store is read (GET DATA BF21) for PK.SD.ECKA, SCP11a/c send the OCE
certificate chain (``--oce-cert``, PERFORM SECURITY OPERATION) and authenticate with the OCE
private key (``--oce-key``), then the APDUs travel wrapped as SCP03 level 33. The OCE key file is
a secret: an error about it names the file, never its bytes. ``cardwire sim scp11-credentials``
writes the simulated card's test OCE key and chain (docs/scp11.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cardwire import commands
from cardwire.card import CardCommands
from cardwire.cli.aid_option import aid_option, aid_value
from cardwire.cli.app import cli
from cardwire.cli.secure_protocols import SecureProtocol, protocol_command, register
from cardwire.errors import DecodeError, UsageError
from cardwire.handshakes.scp11 import open_scp11
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sm.base import HostSecureSession
from cardwire.sm.scp11 import Variant

VARIANTS = ("a", "b", "c", "11a", "11b", "11c")
KEY_LENGTHS = ("16", "24", "32")


def variant_of(text: str | None) -> Variant:
    """``a``, ``11a``, ... (case-insensitive) as a :class:`Variant`; ``11`` alone is SCP11b."""
    name = (text or "b").lower()
    name = {"11": "11b"}.get(name, name)
    try:
        return Variant(name if name.startswith("11") else "11" + name)
    except ValueError:
        raise UsageError(f"unknown SCP11 variant {text!r} (a, b or c)") from None


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path}: {exc.strerror or exc}") from exc


def load_oce_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """SK.OCE.ECKA from an unencrypted PEM or DER (PKCS#8 or SEC1) file."""
    data = _read(path, "--oce-key")
    loader = (
        serialization.load_pem_private_key
        if data.lstrip().startswith(b"-----")
        else serialization.load_der_private_key
    )
    try:
        key = loader(data, password=None)
    except (ValueError, TypeError):  # the message names the file, never its bytes (a secret)
        raise UsageError(f"--oce-key: {path} is not an unencrypted PEM/DER private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise UsageError(f"--oce-key: {path} does not hold an EC private key")
    return key


def load_certificates(paths: tuple[Path, ...]) -> list[bytes]:
    """The DER certificates of the files in order (a PEM file may hold several)."""
    chain: list[bytes] = []
    for path in paths:
        data = _read(path, "--oce-cert")
        try:
            if data.lstrip().startswith(b"-----"):
                certificates = x509.load_pem_x509_certificates(data)
            else:
                certificates = [x509.load_der_x509_certificate(data)]
        except ValueError:
            raise UsageError(f"--oce-cert: {path} is not a PEM or DER certificate") from None
        chain.extend(c.public_bytes(serialization.Encoding.DER) for c in certificates)
    return chain


def _kvn(values: dict[str, Any]) -> int:
    text = values.get("kvn")
    if text is None:
        return 0x01
    try:
        raw = parse_hex(str(text))
    except DecodeError as exc:
        raise UsageError(f"--kvn: {exc}") from exc
    if len(raw) != 1:
        raise UsageError("--kvn is one byte in hex, e.g. 01")
    return raw[0]


def establish(card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
    """Select the Security Domain and run the SCP11 handshake with the options in ``values``."""
    variant = variant_of(values.get("variant"))
    key_path = values.get("oce_key")
    cert_paths = tuple(Path(p) for p in values.get("oce_cert") or ())
    if variant.authenticates_oce and (key_path is None or not cert_paths):
        # Amendment F 2.3: SCP11a/c authenticate the OCE by its certificate chain and key.
        raise UsageError(f"scp{variant} needs --oce-key FILE and --oce-cert FILE")
    if not variant.authenticates_oce and (key_path is not None or cert_paths):
        raise UsageError("scp11b authenticates the card only: no --oce-key or --oce-cert")
    oce_key = load_oce_key(Path(key_path)) if key_path is not None else None
    certificates = load_certificates(cert_paths)
    aid = aid_value(values, DEFAULT_AID)
    card.send(commands.select_by_aid(aid))  # GP Card Spec 11.9: select the SD first
    session = open_scp11(
        card,
        variant,
        kvn=_kvn(values),
        oce_key=oce_key,
        certificates=certificates,
        key_length=int(values.get("key_length") or 16),
        s16=bool(values.get("s16")),
    )
    export = values.get("export_session_keys")
    if export is not None:
        export_session_keys(Path(export), session.trace_keys())
    return session


def export_session_keys(path: Path, keys: tuple[bytes, ...]) -> None:
    """S-ENC,S-MAC,S-RMAC,RECEIPT in hex on one line, readable by the owner only: what
    ``trace decode --scp11 @FILE`` takes (docs/scp11.md). Only written when asked."""
    from cardwire.sim.state_store import save_atomic  # a new file, mode 0600

    try:
        save_atomic(path, ",".join(to_hex(key) for key in keys) + "\n")
    except OSError as exc:
        raise UsageError(f"--export-session-keys: cannot write {path}: {exc.strerror}") from exc


OPTIONS = (
    click.option(
        "--variant",
        type=click.Choice(VARIANTS, case_sensitive=False),
        default="b",
        show_default=True,
        help="b: the card authenticates; a: mutual, card ephemeral key; c: mutual, static key.",
    ),
    click.option(
        "--kvn",
        metavar="HEX",
        default="01",
        show_default=True,
        help="Key version number of the SD key (KID 11, 13 or 15 by variant).",
    ),
    click.option(
        "--oce-key",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="SCP11a/c: the OCE private key (SK.OCE.ECKA), unencrypted PEM or DER.",
    ),
    click.option(
        "--oce-cert",
        metavar="FILE",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="SCP11a/c: the OCE certificate chain, PEM or DER, leaf last (repeat the option "
        "or put several PEM certificates in one file).",
    ),
    click.option(
        "--key-length",
        type=click.Choice(KEY_LENGTHS),
        default="16",
        show_default=True,
        help="AES session key length in bytes.",
    ),
    click.option("--s16", is_flag=True, help="S16 mode: 16-byte MACs (the card must agree)."),
    click.option(
        "--export-session-keys",
        metavar="FILE",
        type=click.Path(dir_okay=False),
        help="Write the session keys and receipt to FILE (a secret, mode 600) for "
        "`cardwire trace decode --scp11 @FILE`.",
    ),
    aid_option(DEFAULT_AID, "The Security Domain selected before the handshake."),
)

EXAMPLE = "cardwire scp11 send --sim 80F28002024F0000"

SCP11 = register(
    SecureProtocol(
        "scp11",
        "GlobalPlatform SCP11 a/b/c: send APDUs through an SCP11 session with a Security Domain.",
        OPTIONS,
        establish,
        example=EXAMPLE,
    )
)
cli.add_command(protocol_command(SCP11))

__all__ = ["SCP11", "establish", "load_certificates", "load_oce_key", "variant_of"]
