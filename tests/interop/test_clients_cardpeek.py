"""cardpeek's ``e-passport.lua`` (Debian package cardpeek, console mode) against the simulated
ePassport behind pcscd + vpcd: BAC with the specimen MRZ, then EF.COM, DG1 and EF.SOD read under
secure messaging. cardpeek reads with READ BINARY offsets in P1-P2 (128 bytes at a time), so at
offset 32768 and beyond P1 has b8 set, which ISO 7816-4 11.3.3 reads as a short EF identifier:
it cannot read DG2 (60 KB) past 32 KB. That is cardpeek's limit, not the card's (docs/pcsc.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from clients import debian_version, run_client

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

# The lower MRZ line of the ICAO 9303-11 Appendix D specimen (docs/simulator.md): document
# number L898902C< (check 3), birth 690806 (1), expiry 940623 (6); cardpeek reads characters 1-28.
MRZ_LINE = "L898902C<3UTO6908061F9406236ZE184226B<<<<<14"
OUTPUT_LIMIT = 200_000  # characters of cardpeek output kept (it repeats prompts on end of input)


def test_cardpeek_e_passport_reads_com_dg1_sod(pcsc_stack: PcscStack, tmp_path: Path) -> None:
    client = debian_version("cardpeek")
    pytest.skip(
        f"{client}: runs headless (-c, first-run answers on stdin, -e with os.exit), but the "
        "scripted e-passport.lua run does not finish yet: it falls back to cardpeek's "
        "interactive prompt (issue 17, not finished)"
    )
    home = tmp_path / "home"
    (home / ".cardpeek").mkdir(parents=True)
    script = home / ".cardpeek" / "scripts" / "e-passport.lua"
    # Console answers: install cardpeek's files (1), acknowledge (1). Its console ui.readline
    # does not read a piped MRZ line (it re-prompts until the timeout), so the MRZ is given by
    # replacing ui.readline before the unmodified script runs; os.exit keeps cardpeek from its
    # interactive prompt (it spins on end of input).
    done = run_client(
        client,
        "cardpeek",
        "-c",
        "-r",
        f"pcsc://{pcsc_stack.reader}",
        "-e",
        f"ui.readline = function() return '{MRZ_LINE}' end; dofile('{script}'); os.exit(0)",
        stdin="1\n1\nos.exit(0)\n",
        home=home,
    )
    log = (done.stdout + done.stderr)[:OUTPUT_LIMIT]
    assert "Could not create session keys" not in log, f"{client}: BAC failed: {log[-2000:]}"
    for name in ("EF.COM", "EF.DG1", "EF.SOD"):
        assert f"Attempt to read from {name}" in log, f"{client}: {name} not read: {log[-2000:]}"
    assert re.search(r"Expecting \d+", log), f"{client}: no file read: {log[-2000:]}"
