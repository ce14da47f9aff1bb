"""The option values the GlobalPlatform secure channels share on the command line: static keys
given as ``ENC,MAC,DEK`` (or one key for all three) and one-byte hex options (key version,
security level, SCP02's "i") and the key diversification template."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, TypeVar

import click

from cardwire.cli.secrets import resolve_secret, secret_or_prompt
from cardwire.cli.secure_protocols import OptionDecorator
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex
from cardwire.sm.scp03 import GpStaticKeys

Keys = TypeVar("Keys", bound=GpStaticKeys)
KEY_SOURCES = "literal, @FILE or env:NAME"


def split_keys(text: str, lengths: Collection[int]) -> tuple[bytes, bytes, bytes]:
    """``ENC,MAC,DEK`` or one key for all three, in hex, each of one of ``lengths`` bytes.

    The key text is a secret: messages name the key (ENC, MAC, DEK), never its digits."""
    parts = text.replace(";", ",").split(",")
    if len(parts) not in (1, 3):
        raise UsageError("--keys takes ENC,MAC,DEK or one key for all three")
    keys = []
    for name, part in zip(("ENC", "MAC", "DEK"), parts * (3 // len(parts)), strict=True):
        try:
            key = parse_hex(part)
        except DecodeError:
            raise UsageError(f"--keys: the {name} key is not hex") from None
        if len(key) not in lengths:
            allowed = ", ".join(str(n) for n in sorted(lengths))
            raise UsageError(f"--keys: the {name} key is {len(key)} bytes, not {allowed}")
        keys.append(key)
    return keys[0], keys[1], keys[2]


def byte_option(values: dict[str, Any], name: str, default: int) -> int:
    """The one-byte hex option ``--name`` from ``values``, ``default`` when not given."""
    text = values.get(name)
    if text is None:
        return default
    try:
        raw = parse_hex(str(text))
    except DecodeError as exc:
        raise UsageError(f"--{name}: {exc}") from exc
    if len(raw) != 1:
        raise UsageError(f"--{name} is one byte in hex, e.g. {default:02X}")
    return raw[0]


def diversify_option(schemes: Sequence[str], help_text: str) -> OptionDecorator:
    """``--diversify NAME``: one of the key diversification templates ``schemes`` (any case)."""
    return click.option(
        "--diversify",
        metavar="NAME",
        type=click.Choice(tuple(dict.fromkeys(schemes)), case_sensitive=False),
        help=help_text,
    )


def parse_static_keys(kind: type[Keys], text: str, kvn: int) -> Keys:
    """``ENC,MAC,DEK`` or one key for all three (hex, of the lengths ``kind`` allows), ``kvn``."""
    return kind(*split_keys(text, kind.key_lengths), kvn)


def static_keys_from(kind: type[Keys], values: dict[str, Any]) -> Keys:
    """The ``--keys`` (a secret: literal, @FILE, env:NAME, or asked) and ``--kvn`` options."""
    name = kind.protocol
    text = secret_or_prompt(values.get("keys"), "--keys", f"{name} keys (ENC,MAC,DEK)")
    if not text:
        raise UsageError(f"{name.lower()} needs --keys ENC,MAC,DEK (or one key for all three)")
    kvn = byte_option(values, "kvn", kind.default_kvn)
    return parse_static_keys(kind, resolve_secret(str(text), "--keys"), kvn)


def static_key_options(kind: type[GpStaticKeys], what: str) -> tuple[OptionDecorator, ...]:
    """``--keys ENC,MAC,DEK`` (``what``: the keys' kind) and ``--kvn HEX`` (``kind``'s default)."""
    return (
        click.option(
            "--keys",
            metavar="ENC,MAC,DEK",
            help=f"Static {what} in hex (one key for all three allowed); {KEY_SOURCES}.",
        ),
        click.option(
            "--kvn",
            metavar="HEX",
            default=f"{kind.default_kvn:02X}",
            show_default=True,
            help="Key version number (00: the card's default key set).",
        ),
    )
