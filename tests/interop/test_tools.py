"""Command-line PC/SC clients nobody here wrote (OpenSC's opensc-tool, pcsc-tools' scriptor),
and `cardwire readers`, against the simulated card behind pcscd + vpcd."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pcsc_stack import give_up

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

TOOL_TIMEOUT = 30  # seconds for one tool run


def run(*command: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(command[0]) is None:
        give_up(f"no {command[0]} binary (install the opensc and pcsc-tools packages)")
    return subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
        check=False,
    )


def test_opensc_tool_atr(pcsc_stack: PcscStack) -> None:
    from cardwire.sim.card import SimCard

    done = run("opensc-tool", "-r", str(pcsc_stack.reader_index), "-a")
    assert done.returncode == 0, done.stderr
    # opensc-tool prints the ATR as colon-separated lowercase hex
    assert done.stdout.split() == [SimCard().atr.hex(":")]


def test_opensc_tool_short_apdus(pcsc_stack: PcscStack) -> None:
    done = run(
        "opensc-tool",
        "-r",
        str(pcsc_stack.reader_index),
        "-s",
        "00A4040C0AF0636172647769726500",  # SELECT the file-system applet (MF current)
        "-s",
        "00A4000C025000",  # DF 5000
        "-s",
        "00B081001D",  # READ BINARY SFI 1 (EF 5001), 29 bytes
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Received (SW1=0x90, SW2=0x00)") == 3
    assert "48 65 6C 6C 6F 20 66 72 6F 6D" in done.stdout  # "Hello from"


def test_scriptor_runs_an_apdu_script(pcsc_stack: PcscStack, tmp_path: Path) -> None:
    script = tmp_path / "echo.apdu"
    script.write_text(
        "# select the echo applet, echo three bytes, back to the file system applet\n"
        "00 A4 04 0C 0A F0 63 61 72 64 77 69 72 65 03\n"
        "00 00 00 00 03 01 02 03 03\n"
        "00 A4 04 0C 0A F0 63 61 72 64 77 69 72 65 00\n"
        "00 A4 00 0C 02 50 00\n"
        "00 B0 81 00 05\n"
    )
    done = run("scriptor", "-r", pcsc_stack.reader, str(script))
    assert done.returncode == 0, done.stderr
    answers = [line for line in done.stdout.splitlines() if line.startswith("< ")]
    assert answers == [
        "< 90 00 : Normal processing.",
        "< 01 02 03 90 00 : Normal processing.",
        "< 90 00 : Normal processing.",
        "< 90 00 : Normal processing.",
        "< 48 65 6C 6C 6F 90 00 : Normal processing.",
    ]


def test_cardwire_readers_json(pcsc_stack: PcscStack) -> None:
    from cardwire.sim.card import SimCard

    done = subprocess.run(
        [sys.executable, "-c", "from cardwire.cli import main; main()", "readers", "--json"],
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    ours = listing[pcsc_stack.reader_index]
    assert ours["name"] == pcsc_stack.reader
    assert ours["card_present"] is True
    assert ours["atr"] == SimCard().atr.hex().upper()
