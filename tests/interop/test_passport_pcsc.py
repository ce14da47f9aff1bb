"""The whole ePassport inspection through pcscd + vpcd: cardwire's reader against the simulated
passport (PACE, reading, Passive, Active and Chip Authentication), and ``cardwire passport
read --reader`` as a user runs it, with the CSCA from ``cardwire sim csca``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from benchmarks.pcsc_machine import CARDWIRE_CLI

from cardwire.card import Card
from cardwire.passport.reader import inspect_passport
from cardwire.sim.applets.epassport.pki import csca_certificate
from cardwire.transport.pcsc import PcscTransport

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

MRZ = "L898902C<,690806,940623"
SEED = "cardwire specimen passport"  # the default passport's PKI seed (docs/passport.md)


def test_inspection_through_pcscd(pcsc_stack: PcscStack) -> None:
    with Card(PcscTransport(pcsc_stack.reader)) as card:
        card.reset()
        found = inspect_passport(card, MRZ, "mrz", trusted=[csca_certificate(SEED)])
    assert found.access == "PACE"
    assert found.passed
    assert found.active is not None and found.active.ok
    assert found.chip is not None and found.chip.ok


def test_cli_passport_read_through_pcscd(pcsc_stack: PcscStack, tmp_path: Path) -> None:
    csca = tmp_path / "csca.pem"
    subprocess.run([*CARDWIRE_CLI, "sim", "csca", str(csca)], check=True, capture_output=True)
    done = subprocess.run(
        [
            *CARDWIRE_CLI, "passport", "read", "--reader", str(pcsc_stack.reader_index),
            "--mrz", MRZ, "--csca", str(csca), "--out", str(tmp_path / "out"), "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["passive_authentication"]["chain"] is True
    assert report["active_authentication"] == report["chip_authentication"] == "passed"
    assert (tmp_path / "out" / "face-1.jpg").exists()
