"""Helpers for the interop tests' PC/SC stack (the fixture is in conftest.py): the skip
policy, starting and stopping processes by PID, and readiness checks with deadlines."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

# The card server: `cardwire sim serve`. To bring the stack up without the CLI, switch this
# line to: [sys.executable, str(Path(__file__).with_name("stand_in_card.py"))]
CARD_SERVER = [sys.executable, "-c", "from cardwire.cli import main; main()", "sim", "serve"]

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
READER = "Virtual PCD 00 00"  # Debian's /etc/reader.conf.d/vpcd, first slot (TCP 35963)
DEFAULT_APPLET = bytes.fromhex("F0636172647769726500")  # the card's default applet (file system)
START_DEADLINE = 30.0  # seconds for pcscd to list the reader and the card to answer a SELECT
STOP_DEADLINE = 10.0


@dataclass(frozen=True)
class PcscStack:
    """What the interop tests get: the reader name and where the logs and card state are."""

    reader: str
    reader_index: int
    state: Path
    logs: Path


def give_up(reason: str) -> None:
    """Skip with the reason; under CI=true a skip is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"interop stack unavailable under CI=true: {reason}")
    print(f"interop tests skipped: {reason}", file=sys.stderr)
    pytest.skip(reason)


def missing_requirement() -> str | None:
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


def select_works(reader: str) -> bool:
    """SELECT the default applet through plain pyscard; True on 9000."""
    from smartcard.Exceptions import CardConnectionException, NoCardException
    from smartcard.System import readers

    for candidate in readers():
        if str(candidate) != reader:
            continue
        connection = candidate.createConnection()
        try:
            connection.connect()
            # ISO 7816-4 11.2.2: SELECT by DF name, P2=0C: no response data
            apdu = [0x00, 0xA4, 0x04, 0x0C, len(DEFAULT_APPLET), *DEFAULT_APPLET]
            _, sw1, sw2 = connection.transmit(apdu)
            return (sw1, sw2) == (0x90, 0x00)
        except (CardConnectionException, NoCardException):
            return False
        finally:
            connection.disconnect()
            connection.release()
    return False


def wait_for(what: str, check: Any, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while not check():
        if process.poll() is not None:
            give_up(f"{what}: process exited with {process.returncode}: {tail(log)}")
        if time.monotonic() > deadline:
            give_up(f"{what}: not ready after {START_DEADLINE:g} s: {tail(log)}")
        time.sleep(0.1)


def tail(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(lines[-5:]) or "(empty log)"


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


def start(command: list[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
