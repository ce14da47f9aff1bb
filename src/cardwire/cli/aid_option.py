"""The ``--aid`` option every secure protocol command shares: which application to select
before the handshake, and its value parsed from the protocol's option values."""

from __future__ import annotations

from typing import Any

import click

from cardwire.cli.secure_protocols import OptionDecorator
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex


def aid_option(default: bytes, help_text: str) -> OptionDecorator:
    """``--aid HEX`` with ``default`` shown in the help."""
    return click.option(
        "--aid", metavar="HEX", default=to_hex(default), show_default=True, help=help_text
    )


def aid_value(values: dict[str, Any], default: bytes) -> bytes:
    """The ``--aid`` value (``default`` when absent); UsageError naming the option if not hex."""
    try:
        return parse_hex(str(values.get("aid") or to_hex(default)))
    except DecodeError as exc:
        raise UsageError(f"--aid: {exc}") from exc


__all__ = ["aid_option", "aid_value"]
