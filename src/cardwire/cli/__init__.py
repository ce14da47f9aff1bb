"""The ``cardwire`` command line: thin over the library, conventions in docs/cli.md.

Each ``*_cmd`` module registers its commands on the groups defined in ``cardwire.cli.app``.
"""

from __future__ import annotations

from cardwire.cli import decode_cmd  # noqa: F401  (registers commands)
from cardwire.cli.app import cli, main

__all__ = ["cli", "main"]
