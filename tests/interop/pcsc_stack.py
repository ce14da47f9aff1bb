"""Helpers for the interop tests' PC/SC stack (the fixture is in conftest.py): the skip
policy and readiness checks with deadlines. What the PC/SC benchmark uses too (requirements,
the machine lock, the readers pcscd lists, starting and stopping by PID) is in
benchmarks/pcsc_machine.py."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from benchmarks.pcsc_machine import CARDWIRE_CLI, SLOT0_READER, not_ready_within

# The card server: `cardwire sim serve`. To bring the stack up without the CLI, switch this
# line to: [sys.executable, str(Path(__file__).with_name("stand_in_card.py"))]
CARD_SERVER = [*CARDWIRE_CLI, "sim", "serve"]

READER = SLOT0_READER  # the first slot (TCP 35963)
DEFAULT_APPLET = bytes.fromhex("F0636172647769726500")  # the card's default applet (file system)
START_DEADLINE = 30.0  # seconds for pcscd to list the reader and the card to answer a SELECT


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
    problem = not_ready_within(START_DEADLINE, check, process)
    if problem is not None:
        give_up(f"{what}: {problem}: {tail(log)}")


def tail(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(lines[-5:]) or "(empty log)"
