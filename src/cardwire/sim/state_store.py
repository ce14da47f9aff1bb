"""Atomic persistence of the simulated card's state file.

A state file is replaced as a whole or not at all: the new text goes to a temporary file in the
same directory, which is flushed and fsync'ed, then renamed over the old file (``os.replace`` is
atomic on POSIX), and finally the directory is fsync'ed so that the rename itself is durable.
Killing the process at any moment therefore leaves either the old or the new file, never a mix.

A kill between creating and renaming the temporary file leaves that temporary file behind
(``.NAME.*.tmp`` beside the state file); it is never read and can be deleted.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from cardwire.errors import DecodeError


def save_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically and durably; the new file is readable
    by its owner only (``mkstemp`` creates it with mode 0600), whatever the old one allowed.
    Raises ``OSError``."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX: fsync the directory itself)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(directory, flags)
    except OSError:  # some platforms cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_text(path: Path) -> str:
    """The whole state file as text. Raises ``OSError``, or ``DecodeError`` naming the file
    when it is not UTF-8 (docs/cli.md: one error line, exit 2, never a traceback)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{path}: not a UTF-8 text file", exc.start) from None
