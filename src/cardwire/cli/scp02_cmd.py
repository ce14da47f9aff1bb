"""``cardwire scp02 --keys ENC,MAC,DEK send APDU...`` and ``open scp02 --keys ...`` in the shell.

GlobalPlatform SCP02 (GP Card Spec v2.3.1 Annex E, i = 15 or 55): the Security Domain is
selected (``--aid``), INITIALIZE UPDATE and EXTERNAL AUTHENTICATE run with the static two-key
3DES keys, and the APDUs travel at level 00, 01 or 03. The keys are secrets (literal hex,
``@FILE`` or ``env:NAME``) and are never printed; with ``--diversify emv|visa2`` they are
master keys, diversified with the card's key diversification data.
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
from cardwire.handshakes.scp02 import open_scp02
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sm.base import HostSecureSession
from cardwire.sm.scp02 import StaticKeys
from cardwire.sm.scp02.constants import implementation_option, security_level
from cardwire.sm.scp02.diversification import DIVERSIFICATION_SCHEMES


def parse_keys(text: str, kvn: int) -> StaticKeys:
    """``ENC,MAC,DEK`` or one key for all three (hex, 16 bytes each: 3DES), with ``kvn``."""
    return parse_static_keys(StaticKeys, text, kvn)


def establish(card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
    """Select the Security Domain and run the SCP02 handshake with the options in ``values``."""
    keys = static_keys_from(StaticKeys, values)
    level = security_level(byte_option(values, "level", 0x01))
    option = implementation_option(byte_option(values, "i", 0x55))
    aid = aid_value(values, DEFAULT_AID)
    card.send(commands.select_by_aid(aid))  # GP Card Spec 11.9: select the SD first
    diversify = values.get("diversify")
    return open_scp02(
        card,
        keys,
        level=level,
        option=option,
        aid=aid,
        diversify=None if diversify is None else str(diversify),
    )


OPTIONS = (
    *static_key_options(StaticKeys, "3DES keys"),
    click.option(
        "--level",
        metavar="HEX",
        default="01",
        show_default=True,
        help="Security level: 00, 01 (C-MAC) or 03 (C-MAC and C-DECRYPTION).",
    ),
    click.option(
        "--i",
        "i",
        metavar="HEX",
        default="55",
        show_default=True,
        help="The card's implementation option: 15, or 55 (pseudo-random card challenge).",
    ),
    diversify_option(
        DIVERSIFICATION_SCHEMES,
        "Key diversification: --keys are master keys, diversified with the card's key "
        "diversification data (emv, visa2: GlobalPlatformPro's templates; none: as given).",
    ),
    aid_option(DEFAULT_AID, "The Security Domain selected before the handshake."),
)

EXAMPLE = "cardwire scp02 --keys 404142434445464748494A4B4C4D4E4F send --sim 80CA006600"

SCP02 = register(
    SecureProtocol(
        "scp02",
        "GlobalPlatform SCP02: send APDUs through an SCP02 session with a Security Domain.",
        OPTIONS,
        establish,
        example=EXAMPLE,
    )
)
cli.add_command(protocol_command(SCP02))

__all__ = ["SCP02", "establish", "parse_keys"]
