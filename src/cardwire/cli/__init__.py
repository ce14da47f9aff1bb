"""The ``cardwire`` command line: thin over the library, conventions in docs/cli.md.

The root group (``cardwire.cli.app``) knows each command's name, module and summary; a
command's module is imported when that command runs, and registers it there. Importing this
package loads no click: :func:`main` says in one line which extra to install when the
command line's dependencies are missing (``pip install 'cardwire[cli]'``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cardwire.cli.app import cli as cli

# A dependency the command line imports, and the extra that installs it (pyproject.toml).
EXTRAS = {"click": "cli", "rich": "cli", "yaml": "sim", "smartcard": "pcsc"}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The one-line message for a missing optional dependency, or None for any other module."""
    top = (exc.name or "").partition(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        return None
    return f"error: cardwire needs the '{extra}' extra: pip install 'cardwire[{extra}]'"


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        from cardwire.cli.app import main as run

        run(argv)
    except ModuleNotFoundError as exc:
        message = missing_extra(exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
        sys.exit(2)


def __getattr__(name: str) -> Any:
    if name == "cli":  # the click group, for click.testing and embedding
        from cardwire.cli.app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["cli", "main"]
