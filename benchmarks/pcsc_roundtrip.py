"""APDU round trips per second through pyscard -> pcscd -> vpcd -> card, for cardwire's SimCard
and, on the same stack in the same run, for a minimal echo card written below.

The two cards sit on vpcd's two readers (SimCard: `cardwire sim serve` on slot 0, port
35963; the echo card: this file with --echo-card on slot 1, port 35964), each in its own
process. The benchmark alternates between them, several repetitions, and prints the median
rates and ratio = sim / echo (target >= 0.8). It starts pcscd itself when none is running
(root needed) and stops everything it started by PID.

    .venv/bin/python benchmarks/pcsc_roundtrip.py [--apdus 500] [--repetitions 21]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from cardwire.errors import CardwireError, NoServiceError
from cardwire.sim.vpcd import DEFAULT_HOST, DEFAULT_PORT
from cardwire.sim.vpcd_client import VpcdClient
from cardwire.transport.pcsc import PcscContext, PcscTransport

SIM_READER, ECHO_READER = "Virtual PCD 00 00", "Virtual PCD 00 01"
DEADLINE = 30.0
TARGET = 0.8
# Both cards get the same APDU: SimCard reads 16 bytes of EF 5001 (selected first), the echo
# card answers with the same shape.
SELECT_DF_5000 = bytes.fromhex("00A4000C025000")
SELECT_EF_5001 = bytes.fromhex("00A4000C025001")
READ_16 = bytes.fromhex("00B0000010")


class EchoCard:
    """The minimal card: a fixed T=1 ATR, every APDU answered with 16 bytes and 9000."""

    atr = bytes.fromhex("3B80800101")

    def power_on(self) -> bytes:
        return self.atr

    def power_off(self) -> None:
        return None

    def reset(self) -> bytes:
        return self.atr

    def process(self, apdu: bytes) -> bytes:
        return apdu[:4] * 4 + b"\x90\x00"


def serve_echo_card(port: int) -> None:
    client = VpcdClient(EchoCard(), DEFAULT_HOST, port)
    signal.signal(signal.SIGTERM, lambda signum, frame: client.stop())
    thread = threading.Thread(target=client.run, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.5)


def readers() -> list[str] | None:
    try:
        context = PcscContext()
    except NoServiceError:
        return None
    try:
        return context.reader_names()
    finally:
        context.close()


def wait_until(what: str, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"pcsc_roundtrip: {what} not ready after {DEADLINE:g} s")
        time.sleep(0.1)


def card_answers(reader: str) -> bool:
    try:
        with PcscTransport(reader) as transport:
            return transport.transmit(READ_16)[-2:] != b""
    except CardwireError:
        return False


def rate(transport: PcscTransport, count: int) -> float:
    transmit = transport.transmit
    start = time.perf_counter()
    for _ in range(count):
        transmit(READ_16)
    return count / (time.perf_counter() - start)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(10)


def benchmark(apdus: int, repetitions: int) -> float:
    started: list[subprocess.Popen[bytes]] = []
    logs = Path(tempfile.mkdtemp(prefix="pcsc-roundtrip-"))
    try:
        if readers() is None:
            if shutil.which("pcscd") is None or os.geteuid() != 0:
                raise SystemExit("pcsc_roundtrip: no pcscd running, and cannot start one")
            with (logs / "pcscd.log").open("wb") as log:
                started.append(subprocess.Popen(["pcscd", "--foreground", "--error"], stderr=log))
            wait_until("pcscd", lambda: SIM_READER in (readers() or []))
        cardwire = [sys.executable, "-c", "from cardwire.cli import main; main()"]
        with (logs / "cards.log").open("wb") as log:
            started.append(subprocess.Popen([*cardwire, "sim", "serve"], stderr=log))
            echo = [sys.executable, __file__, "--echo-card", str(DEFAULT_PORT + 1)]
            started.append(subprocess.Popen(echo, stderr=log))
        wait_until("the cards", lambda: card_answers(SIM_READER) and card_answers(ECHO_READER))
        with PcscTransport(SIM_READER) as sim, PcscTransport(ECHO_READER) as echo_card:
            for command in (SELECT_DF_5000, SELECT_EF_5001):
                if sim.transmit(command)[-2:] != b"\x90\x00":
                    raise SystemExit("pcsc_roundtrip: SimCard refused the file selection")
            rate(sim, apdus // 10)  # warm up both paths
            rate(echo_card, apdus // 10)
            sim_rates: list[float] = []
            echo_rates: list[float] = []
            for round_number in range(repetitions):
                pair = [(sim_rates, sim), (echo_rates, echo_card)]
                if round_number % 2:
                    pair.reverse()  # alternate which card goes first
                for rates, transport in pair:
                    rates.append(rate(transport, apdus))
        # Each round measures both cards back to back, so the ratio of a round cancels the
        # load of the moment; the median over rounds is the figure reported.
        ratios = [s / e for s, e in zip(sim_rates, echo_rates, strict=True)]
        ratio = float(statistics.median(ratios))
        print(f"pcsc round trip, {apdus} APDUs x {repetitions} rounds, alternating")
        print(f"  SimCard:   {_summary(sim_rates)}")
        print(f"  echo card: {_summary(echo_rates)}")
        verdict = "ok" if ratio >= TARGET else "BELOW TARGET"
        print(f"  ratio = sim/echo = {ratio:.2f} (median of per-round ratios)")
        print(f"  target >= {TARGET}: {verdict}")
        return ratio
    finally:
        for process in reversed(started):
            stop(process)


def _summary(rates: list[float]) -> str:
    median = statistics.median(rates)
    return f"median {median:8.0f} APDU/s (min {min(rates):.0f}, max {max(rates):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--apdus", type=int, default=500, help="APDUs per card per round")
    parser.add_argument("--repetitions", type=int, default=21, help="rounds")
    parser.add_argument("--echo-card", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_card is not None:
        serve_echo_card(args.echo_card)
        return
    benchmark(args.apdus, args.repetitions)


if __name__ == "__main__":
    main()
