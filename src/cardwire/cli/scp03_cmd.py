"""``cardwire scp03 --keys ENC,MAC,DEK send APDU...`` and ``open scp03 --keys ...`` in the shell.

GlobalPlatform SCP03 (GP Card Spec v2.3 Amendment D): the Security Domain is selected (``--aid``,
A000000151000000 by default), INITIALIZE UPDATE and EXTERNAL AUTHENTICATE run with the static
keys (master keys diversified per card with ``--diversify kdf3``), and the APDUs then travel at
the chosen security level. The keys are secrets: literal hex,
``@FILE`` (first line) or ``env:NAME``; they are never printed, and an error about them never
repeats them.
"""

from __future__ import annotations

from typing import Any

import click

from cardwire import commands
from cardwire.card import CardCommands
from cardwire.cli.aid_option import aid_option, aid_value
from cardwire.cli.app import cli
from cardwire.cli.gp_key_options import (
    byte_option,
    diversify_option,
    parse_static_keys,
    static_key_options,
    static_keys_from,
)
from cardwire.cli.secure_protocols import SecureProtocol, protocol_command, register
from cardwire.handshakes.scp03 import open_scp03
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sm.base import HostSecureSession
from cardwire.sm.scp03 import (
    DIVERSIFICATION_SCHEMES,
    VALID_LEVELS,
    StaticKeys,
    security_level,
)


def parse_keys(text: str, kvn: int) -> StaticKeys:
    """``ENC,MAC,DEK`` or one key for all three (hex, AES-128/192/256), with ``kvn``."""
    return parse_static_keys(StaticKeys, text, kvn)


def establish(card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
    """Select the Security Domain and run the SCP03 handshake with the options in ``values``."""
    keys = static_keys_from(StaticKeys, values)
    level = security_level(byte_option(values, "level", 0x33))
    aid = aid_value(values, DEFAULT_AID)
    # GP Card Spec v2.3 11.9: the Security Domain is selected by AID before INITIALIZE UPDATE.
    card.send(commands.select_by_aid(aid))
    diversify = values.get("diversify")
    return open_scp03(
        card,
        keys,
        level=level,
        s16=bool(values.get("s16")),
        aid=aid,
        diversify=None if diversify is None else str(diversify),
    )


_LEVELS = ", ".join(f"{level:02X}" for level in sorted(VALID_LEVELS))
OPTIONS = (
    *static_key_options(StaticKeys, "keys"),
    click.option(
        "--level",
        metavar="HEX",
        default="33",
        show_default=True,
        help=f"Security level: {_LEVELS} (01 C-MAC, 02 C-DECRYPTION, 10 R-MAC, 20 R-ENC).",
    ),
    click.option("--s16", is_flag=True, help="S16 mode: 16-byte challenges, cryptograms, MACs."),
    diversify_option(
        DIVERSIFICATION_SCHEMES,
        "Key diversification: --keys are master keys, diversified with the card's key "
        "diversification data (kdf3: GlobalPlatformPro KDF3; none: as given).",
    ),
    aid_option(DEFAULT_AID, "The Security Domain selected before the handshake."),
)

EXAMPLE = "cardwire scp03 --keys 404142434445464748494A4B4C4D4E4F send --sim 80F24002024F0000"

SCP03 = register(
    SecureProtocol(
        "scp03",
        "GlobalPlatform SCP03: send APDUs through an SCP03 session with a Security Domain.",
        OPTIONS,
        establish,
        example=EXAMPLE,
    )
)
cli.add_command(protocol_command(SCP03))

__all__ = ["SCP03", "establish", "parse_keys"]
