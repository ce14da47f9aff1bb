"""Output helpers shared by every command: one JSON document, rich text only on a terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])

JSON_HELP = "Print one JSON document."
CHECK_HELP = "Exit 1 if any status word is an error."


def emit_json(value: Any) -> None:
    """Print exactly one JSON document on stdout."""
    click.echo(json.dumps(value, indent=2))


def console() -> Console:
    """A rich console on stdout; colours only when stdout is a terminal."""
    from rich.console import Console  # only the commands that print rich text load rich

    return Console(highlight=False, soft_wrap=True)


def json_option(help: str = JSON_HELP) -> Callable[[F], F]:
    """``--json`` (``help`` names the document when it is not one object); the command receives
    ``as_json: bool``."""

    def decorate(command: F) -> F:
        return click.option("--json", "as_json", is_flag=True, help=help)(command)

    return decorate


def check_option(command: F) -> F:
    """``--check``: exit 1 on an error status word; the command receives ``check_sw: bool``."""
    return click.option("--check", "check_sw", is_flag=True, help=CHECK_HELP)(command)
