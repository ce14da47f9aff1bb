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
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cardwire.errors import CardwireError
from cardwire.sim.vpcd import DEFAULT_HOST, DEFAULT_PORT
from cardwire.sim.vpcd_client import VpcdClient
from cardwire.transport.pcsc import PcscTransport

if not __package__:  # run as a file (docs/pcsc.md): the repository root holds `benchmarks`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.pcsc_machine import (
    CARDWIRE_CLI,
    PCSCD,
    SLOT0_READER,
    SLOT1_READER,
    missing_requirement,
    not_ready_within,
    reader_names,
    start,
    stop,
)

SIM_READER, ECHO_READER = SLOT0_READER, SLOT1_READER
DEADLINE = 30.0
TARGET = 0.8
# Both cards get the same APDU: SimCard reads 16 bytes of EF 5001 (selected first), the echo
# card answers with the same shape.
SELECTIONS = (bytes.fromhex("00A4000C025000"), bytes.fromhex("00A4000C025001"))  # DF, then EF
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


def wait_until(what: str, ready: Callable[[], bool]) -> None:
    problem = not_ready_within(DEADLINE, ready)
    if problem is not None:
        raise SystemExit(f"pcsc_roundtrip: {what} {problem}")


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


def select_ef_5001(sim: PcscTransport) -> bool:
    """Select EF 5001 on the SimCard (the file READ_16 reads); False when the card refuses."""
    return all(sim.transmit(command)[-2:] == b"\x90\x00" for command in SELECTIONS)


@contextmanager
def cards_on_stack(logs: Path) -> Iterator[tuple[PcscTransport, PcscTransport]]:
    """Start what is missing (pcscd when none answers, SimCard in slot 0, the echo card in slot
    1), wait until both cards answer, yield their transports, then stop what was started, by
    PID. The processes' output goes to ``logs``."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        if reader_names() is None:
            problem = missing_requirement()
            if problem is not None:
                raise SystemExit(f"pcsc_roundtrip: no pcscd running, cannot start one: {problem}")
            with (logs / "pcscd.log").open("wb") as log:
                started.append(start(PCSCD, log))
            wait_until("pcscd", lambda: SIM_READER in (reader_names() or []))
        echo = [sys.executable, __file__, "--echo-card", str(DEFAULT_PORT + 1)]
        with (logs / "cards.log").open("wb") as log:
            started.append(start([*CARDWIRE_CLI, "sim", "serve"], log))
            started.append(start(echo, log))
        wait_until("the cards", lambda: card_answers(SIM_READER) and card_answers(ECHO_READER))
        with PcscTransport(SIM_READER) as sim, PcscTransport(ECHO_READER) as echo_card:
            yield sim, echo_card
    finally:
        for process in reversed(started):
            stop(process)


def benchmark(apdus: int, repetitions: int) -> float:
    logs = Path(tempfile.mkdtemp(prefix="pcsc-roundtrip-"))
    with cards_on_stack(logs) as (sim, echo_card):
        if not select_ef_5001(sim):
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
