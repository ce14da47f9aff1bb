"""Run ``cardwire`` on a pseudo-terminal, as a user at a terminal would: for what only a
terminal shows (the shell's prompt and readline completion, rich tables fitted to the width,
progress on a terminal stderr while stdout is redirected: :func:`run_with_terminal_stderr`).

The deadline in :meth:`PtySession.expect` only stops a hung test; no test measures time.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SRC = Path(__file__).resolve().parents[1] / "src"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r")
_DEADLINE = 60.0


def _environment(columns: int, home: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, COLUMNS=str(columns), LINES="40", TERM="xterm")
    env["PYTHONPATH"] = os.pathsep.join([str(_SRC), env.get("PYTHONPATH", "")])
    env["INPUTRC"] = "/dev/null"
    if home is not None:
        env["HOME"] = str(home)
    return env


def _terminal(columns: int) -> tuple[int, int]:
    """A pty (controller, terminal) of 40 lines and ``columns`` columns."""
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    return controller, terminal


_CODE = "import sys; from cardwire.cli import cli; sys.argv[0] = 'cardwire'; cli()"


@dataclass(frozen=True)
class TerminalStderr:
    """What a run with stderr on a terminal left: its exit code, stdout (redirected: a pipe)
    and the terminal's bytes (escape sequences kept)."""

    returncode: int
    stdout: bytes
    screen: bytes

    @property
    def shown(self) -> str:
        """The terminal's text, escape sequences and carriage returns removed."""
        return _ANSI.sub("", self.screen.decode("utf-8", "replace"))


def run_with_terminal_stderr(*args: str, stdin: bytes = b"", columns: int = 80) -> TerminalStderr:
    """``cardwire ARGS`` with stderr on a pty and stdout on a pipe, as ``cardwire ... > FILE``
    typed at a terminal; ``stdin`` is fed through a pipe."""
    controller, terminal = _terminal(columns)
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _CODE, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=terminal,
            env=_environment(columns),
            start_new_session=True,
        )
    finally:
        os.close(terminal)
    out: list[bytes] = []
    talking = threading.Thread(target=lambda: out.append(process.communicate(stdin)[0]))
    talking.start()
    screen = bytearray()
    end = time.monotonic() + _DEADLINE
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([controller], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the program closed the terminal and everything was read
                break
            if not chunk:
                break
            screen += chunk
    finally:
        if process.poll() is None and time.monotonic() >= end:
            process.kill()
        talking.join()
        os.close(controller)
    return TerminalStderr(process.wait(), out[0], bytes(screen))


class PtySession:
    """``cardwire ARGS`` with stdin, stdout and stderr on one pty of ``columns`` columns."""

    def __init__(self, *args: str, columns: int = 80, home: Path | None = None) -> None:
        master, slave = _terminal(columns)
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CODE, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=_environment(columns, home),
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.seen = ""

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the child closed the pty
            return False
        if not chunk:
            return False
        self.seen += chunk.decode("utf-8", "replace")
        return True

    def expect(self, pattern: str) -> str:
        """Read until ``pattern`` (a regex) matches the screen text since the last call; return
        that text (escape sequences and carriage returns removed)."""
        end = time.monotonic() + _DEADLINE
        while True:
            plain = _ANSI.sub("", self.seen)
            match = re.search(pattern, plain)
            if match:
                self.seen = ""
                return plain[: match.end()]
            remaining = end - time.monotonic()
            if remaining <= 0 or (not self._read(min(remaining, 1.0)) and self.done()):
                raise AssertionError(f"never saw {pattern!r}; screen:\n{plain}")

    def done(self) -> bool:
        return self.process.poll() is not None

    def read_all(self) -> str:
        """Everything until the program exits (escape sequences removed)."""
        while self._read(1.0) or not self.done():
            pass
        while self._read(0.1):
            pass
        return _ANSI.sub("", self.seen)

    def close(self) -> None:
        if not self.done():
            self.process.kill()
        self.process.wait()
        os.close(self.master)
