"""Output helpers shared by every command: one JSON document, rich text only on a terminal."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console


def emit_json(value: Any) -> None:
    """Print exactly one JSON document on stdout."""
    click.echo(json.dumps(value, indent=2))


def console() -> Console:
    """A rich console on stdout; colours only when stdout is a terminal."""
    from rich.console import Console  # only the commands that print rich text load rich

    return Console(highlight=False, soft_wrap=True)
