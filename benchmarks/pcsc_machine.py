"""This machine's real PC/SC stack (pcscd + vsmartcard's vpcd driver), as the PC/SC benchmark
and the interop tests (tests/interop) both drive it: what it needs, the machine-wide lock (only
one pcscd may run per machine), the readers pcscd lists, and processes started and stopped by
their PID (never by name: other pcscd or card processes on the machine are not ours).

No pytest here: the tests turn a problem into a skip, the benchmark into a note or an exit.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
# Debian's /etc/reader.conf.d/vpcd: two slots, the card of slot N connects to TCP 35963 + N.
SLOT0_READER = "Virtual PCD 00 00"
SLOT1_READER = "Virtual PCD 00 01"
# In the foreground, so the process we start is pcscd itself and its PID is ours to stop.
PCSCD = ["pcscd", "--foreground", "--error"]
CARDWIRE_CLI = [sys.executable, "-c", "from cardwire.cli import main; main()"]
LOCK_FILE = Path("/tmp/cardwire-interop.lock")  # noqa: S108 - a machine-wide lock, on purpose
STOP_DEADLINE = 10.0  # seconds a process has to exit after SIGTERM, then after SIGKILL


def missing_requirement() -> str | None:
    """Why the stack cannot run here, or None."""
    if shutil.which("pcscd") is None:
        return "no pcscd binary (install pcscd: `make system-deps` as root)"
    if not VPCD_DRIVER.exists():
        return f"no vpcd driver at {VPCD_DRIVER} (install vsmartcard-vpcd)"
    try:
        import smartcard.scard  # noqa: F401
    except ImportError as exc:
        return f"pyscard is not importable ({exc}); pip install '.[pcsc]'"
    if os.geteuid() != 0:
        return "not root: pcscd needs root for /run/pcscd (run the tests as root)"
    return None


@contextmanager
def machine_lock(wait: float) -> Iterator[bool]:
    """Hold the lock file (``fcntl.flock``) while the stack is in use; yields False, without
    the lock, when other runs held it for ``wait`` seconds."""
    with LOCK_FILE.open("a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    yield False
                    return
                time.sleep(0.5)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def reader_names() -> list[str] | None:
    """The readers pcscd lists, or None when no pcscd answers."""
    from cardwire.errors import NoServiceError
    from cardwire.transport.pcsc import PcscContext

    try:
        context = PcscContext()
    except NoServiceError:
        return None
    try:
        return context.reader_names()
    finally:
        context.close()


def not_ready_within(
    seconds: float,
    ready: Callable[[], bool],
    process: subprocess.Popen[bytes] | None = None,
) -> str | None:
    """Poll ``ready`` until it holds (None) or say why it did not: ``process`` exited first, or
    ``seconds`` passed."""
    deadline = time.monotonic() + seconds
    while not ready():
        if process is not None and process.poll() is not None:
            return f"process exited with {process.returncode}"
        if time.monotonic() > deadline:
            return f"not ready after {seconds:g} s"
        time.sleep(0.1)
    return None


def start(command: list[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start ``command`` with its output in ``log`` and no input."""
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)


def stop(process: subprocess.Popen[bytes] | None) -> int | None:
    """SIGTERM by PID, then SIGKILL if it does not exit in time; the exit status."""
    if process is None:
        return None
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(STOP_DEADLINE)
    return process.returncode
