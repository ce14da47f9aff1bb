"""``pcapng_bytes`` read back by tshark (Debian's package): every packet dissected as an ISO 7816
command or response, in order, with the decoded plain values as comments."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cardwire.sm.scp03 import StaticKeys
from cardwire.trace.decode import decode_trace
from cardwire.trace.pcapng import pcapng_bytes
from cardwire.trace.scp03 import Scp03TraceObserver
from cardwire.trace.text import read

SAMPLE = Path(__file__).parent / "samples" / "ykman_scp03.log"


def tshark(path: Path, *fields: str) -> list[list[str]]:
    if shutil.which("tshark") is None:
        pytest.skip("no tshark (scripts/system-deps.sh installs it)")
    args = ["tshark", "-r", str(path), "-T", "fields", "-E", "separator=|"]
    for name in fields:
        args += ["-e", name]
    done = subprocess.run(args, capture_output=True, text=True, check=True, timeout=60)
    return [line.split("|") for line in done.stdout.splitlines()]


def test_tshark_dissects_every_packet_as_iso7816_in_order(tmp_path: Path) -> None:
    trace = read(SAMPLE)
    entries = decode_trace(trace, Scp03TraceObserver(StaticKeys.default()))
    path = tmp_path / "out.pcapng"
    path.write_bytes(pcapng_bytes(entries))
    rows = tshark(path, "frame.protocols", "iso7816.apdu.cla", "iso7816.apdu.sw1", "frame.comment")
    assert len(rows) == 2 * len(trace.exchanges)
    for index, (exchange, (command, response)) in enumerate(
        zip(trace.exchanges, zip(rows[::2], rows[1::2], strict=True), strict=True)
    ):
        assert command[0].endswith("iso7816"), index
        assert response[0].endswith("iso7816"), index
        # tshark names the INS of interindustry classes only; every command has its CLA.
        assert int(command[1], 16) == exchange.command[0], index  # a command, its CLA
        assert command[2] == ""
        assert int(response[2], 16) == exchange.response[-2], index  # a response, its SW1
        assert response[1] == ""
    # The SCP03-protected GET DATA (the seventh exchange) carries its plain values.
    assert rows[12][3] == "plain command 00CA0066"
    assert rows[13][3].startswith("plain response 6631")
