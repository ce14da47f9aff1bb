"""``cardwire counter --suite aes --kenc K --kmac K send APDU...`` and ``open counter ...``.

The generic counter mode of ISO 7816-4 10.2 (:mod:`cardwire.sm.counter`): the application is
selected (``--aid``, the simulated card's demo DF ``F0636172647769726501`` by default), GET
CHALLENGE with Le = the counter width fetches the initial counter value, and the APDUs then
travel under ISO 7816-4 secure messaging with the counter under the MAC. The keys are agreed
beforehand (literal, ``@FILE`` or ``env:NAME``) and never printed.
"""

from __future__ import annotations

from typing import Any

import click

from cardwire import commands
from cardwire.card import CardCommands
from cardwire.cli.aid_option import aid_option, aid_value
from cardwire.cli.secrets import resolve_secret
from cardwire.cli.secure_protocols import (
    OptionDecorator,
    SecureProtocol,
    add_protocol,
)
from cardwire.commands import SelectReturn
from cardwire.errors import DecodeError, UsageError
from cardwire.handshakes.counter import open_counter
from cardwire.hexutil import parse_hex
from cardwire.sm.base import HostSecureSession
from cardwire.sm.counter import DEFAULT_WIDTH, PLACEMENTS
from cardwire.sm.iso7816 import CounterPlacement, SmMode

DEMO_DF_NAME = bytes.fromhex("F0636172647769726501")  # docs/simulator.md: demo application 1


def _key(values: dict[str, Any], name: str) -> bytes:
    option = f"--{name}"
    text = values.get(name)
    if not text:
        raise UsageError(f"counter needs {option} (hex key, literal, @FILE or env:NAME)")
    try:
        return parse_hex(resolve_secret(str(text), option))
    except DecodeError:
        raise UsageError(f"{option}: not a hex key") from None  # never repeat the secret


def establish(card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
    """Select the application and start the counter mode with the options in ``values``."""
    kenc, kmac = _key(values, "kenc"), _key(values, "kmac")
    # ISO 7816-4:2020 11.2.2: SELECT by DF name, P2 0C (no answer data).
    card.send(commands.select_by_aid(aid_value(values, DEMO_DF_NAME), fci=SelectReturn.NONE))
    return open_counter(
        card,
        suite=str(values.get("suite") or "aes"),
        kenc=kenc,
        kmac=kmac,
        width=int(values.get("width") or DEFAULT_WIDTH),
        placement=CounterPlacement(values.get("placement") or CounterPlacement.DATA_OBJECT),
        mode=SmMode(values.get("mode") or SmMode.COMBINED),
    )


def _choice(name: str, values: list[str], default: str, help_text: str) -> OptionDecorator:
    return click.option(
        name, type=click.Choice(values), default=default, show_default=True, help=help_text
    )


OPTIONS = (
    _choice(
        "--suite",
        ["aes", "3des"],
        "aes",
        "Cipher suite: aes (key size follows --kenc) or 3des (16-byte keys).",
    ),
    click.option("--kenc", metavar="HEX", help="Encryption key; literal, @FILE or env:NAME."),
    click.option("--kmac", metavar="HEX", help="MAC key; literal, @FILE or env:NAME."),
    click.option(
        "--width",
        type=click.IntRange(1, 8),
        default=DEFAULT_WIDTH,
        show_default=True,
        help="Counter width in bytes (the Le of GET CHALLENGE).",
    ),
    _choice(
        "--placement",
        [p.value for p in PLACEMENTS],
        CounterPlacement.DATA_OBJECT.value,
        "Counter in a data object (tag C1) or XOR-ed into the MAC input.",
    ),
    _choice(
        "--mode",
        [m.value for m in SmMode],
        SmMode.COMBINED.value,
        "combined: data encrypted and MACed; authentic: plain data under the MAC.",
    ),
    aid_option(DEMO_DF_NAME, "The application (DF name) selected first."),
)

EXAMPLE = (
    "cardwire counter --kenc 00112233445566778899AABBCCDDEEFF "
    "--kmac 8899AABBCCDDEEFF0011223344556677 send --sim 00A4020C025007 00B0000000"
)

COUNTER = add_protocol(
    SecureProtocol(
        name="counter",
        summary="Generic counter mode (ISO 7816-4 SM with a counter).",
        options=OPTIONS,
        establish=establish,
        example=EXAMPLE,
    )
)
