"""Secrets on the command line (docs/cli.md, "Secrets").

Keys, PINs and passwords may be given literally, as ``@FILE`` (the first line of the file) or as
``env:NAME`` (an environment variable), and are prompted for, without echo, when omitted on a
terminal. They never appear in output unless the user asks (``--show-keys``), and an error about
one names the option, never the value.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cardwire.errors import UsageError


def resolve_secret(text: str, what: str) -> str:
    """The secret ``text`` stands for: literal, ``@FILE`` or ``env:NAME``."""
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            lines = path.read_bytes().decode("utf-8").splitlines()
        except OSError as exc:
            raise UsageError(f"{what}: cannot read {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError:  # the message names the file, never its bytes (a secret)
            raise UsageError(f"{what}: {path} is not a UTF-8 text file") from None
        return lines[0].strip() if lines else ""
    if text.startswith("env:"):
        value = os.environ.get(text[4:])
        if value is None:
            raise UsageError(f"{what}: the environment variable {text[4:]} is not set")
        return value.strip()
    return text


def secret_or_prompt(text: str | None, what: str, prompt: str) -> str | None:
    """``resolve_secret(text)``; when ``text`` is None, ask on a terminal (no echo), else None."""
    if text is not None:
        return resolve_secret(text, what)
    if sys.stdin.isatty():
        return str(click.prompt(prompt, hide_input=True))
    return None
