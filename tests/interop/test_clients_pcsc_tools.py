"""pcsc-tools (pcsc_scan, ATR_analysis) and OpenSC's opensc-explorer against the simulated card
behind pcscd + vpcd (scriptor and opensc-tool are in test_tools.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from clients import debian_version, run_client, said

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

SMARTCARD_LIST = Path("/usr/share/pcsc/smartcard_list.txt")  # pcsc-tools' ATR list (Debian)


def test_pcsc_scan_sees_the_card(pcsc_stack: PcscStack) -> None:
    from cardwire.sim.card import SimCard

    client = debian_version("pcsc-tools")
    # -t 1: quit after one second (bounded), -n: no ATR analysis (that is ATR_analysis below)
    done = run_client(client, "pcsc_scan", "-n", "-t", "1")
    assert done.returncode == 0, said(client, done)
    assert pcsc_stack.reader in done.stdout, said(client, done)
    assert "Card inserted" in done.stdout, said(client, done)
    assert SimCard().atr.hex(" ").upper() in done.stdout, said(client, done)


def test_atr_analysis_parses_the_atr(pcsc_stack: PcscStack, tmp_path: Path) -> None:
    from cardwire.atr import Atr
    from cardwire.sim.card import SimCard

    client = debian_version("pcsc-tools")
    # ATR_analysis downloads pcsc-tools.apdu.fr/smartcard_list.txt when its cached copy is
    # missing or older than 10 hours: a fresh copy of Debian's list keeps it offline.
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy(SMARTCARD_LIST, cache / "smartcard_list.txt")
    done = run_client(
        client, "ATR_analysis", SimCard().atr.hex(" ").upper(), env={"XDG_CACHE_HOME": str(cache)}
    )
    assert done.returncode == 0, said(client, done)
    assert "Updating" not in done.stdout, said(client, done)
    # ISO 7816-3 8.1: TS 3B is the direct convention; the card announces T=1.
    assert "Direct Convention" in done.stdout, said(client, done)
    assert "Protocol T = 1" in done.stdout, said(client, done)
    assert "Extended Lc and Le fields" in done.stdout, said(client, done)
    # the selection methods (ISO 7816-4:2020 table 117) in the words `cardwire decode atr` uses
    lines = done.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "Selection methods:" in line)
    after = next(i for i, line in enumerate(lines) if "Data coding byte:" in line)
    listed = tuple(line.strip().removeprefix("- ") for line in lines[first + 1 : after])
    caps = Atr.parse(SimCard().atr).historical_info.card_capabilities
    assert caps is not None and listed == caps.selection_method_names, said(client, done)


def test_opensc_explorer_sends_apdus(pcsc_stack: PcscStack) -> None:
    client = debian_version("opensc")
    script = "\n".join(
        (
            "apdu 00A4040C0AF0636172647769726500",  # SELECT the file-system applet
            "apdu 00A4000C025000",  # DF 5000
            "apdu 00B081001D",  # READ BINARY SFI 1, 29 bytes
            "quit",
        )
    )
    done = run_client(
        client, "opensc-explorer", "-r", str(pcsc_stack.reader_index), stdin=script + "\n"
    )
    assert done.returncode == 0, said(client, done)
    assert done.stdout.count("Received (SW1=0x90, SW2=0x00)") == 3, said(client, done)
    assert "Hello from" in done.stdout, said(client, done)
