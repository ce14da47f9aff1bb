"""PC/SC round trip: pyscard -> pcscd -> vpcd -> card, SimCard beside a minimal echo card.

The stack and both cards come from ``benchmarks/pcsc_roundtrip.py`` (the PC/SC engineer's
benchmark): this module takes the machine-wide lock the interop tests use (only one pcscd may
run), starts what is missing, measures both cards alternating in the same run and stops what it
started, by PID. The echo card is the row's floor: the stack's own cost with a card that does
nothing.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.harness import Role, RowResult, Settings, rotation

FAMILY = "PC/SC round trip"
NAME = "READ BINARY 16 B through pcscd + vpcd"
LOCK_FILE = Path("/tmp/cardwire-interop.lock")  # noqa: S108 - shared with tests/interop
LOCK_WAIT = 120.0
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")


def missing_requirement() -> str | None:
    """Why the PC/SC row cannot run here, or None."""
    if shutil.which("pcscd") is None:
        return "no pcscd (make system-deps)"
    if not VPCD_DRIVER.exists():
        return "no vpcd driver (vsmartcard-vpcd)"
    try:
        import smartcard.scard  # noqa: F401
    except ImportError:
        return "pyscard not installed (pip install '.[pcsc]')"
    if os.geteuid() != 0:
        return "not root: pcscd needs root"
    return None


@contextmanager
def machine_lock(wait: float = LOCK_WAIT) -> Iterator[bool]:
    """The interop lock (fcntl.flock, as tests/interop/conftest.py takes it); yields False when
    another run held it for ``wait`` seconds."""
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


def skipped(reason: str) -> RowResult:
    return RowResult(
        family=FAMILY,
        name=NAME,
        variant="-",
        unit="APDUs/s",
        items_per_batch=0,
        rates={},
        roles={},
        note=f"not measured: {reason}",
    )


def measure_pcsc(settings: Settings, apdus: int = 300) -> RowResult:
    """Both cards, ``settings.repetitions`` rounds of ``apdus`` APDUs each, alternating."""
    problem = missing_requirement()
    if problem is not None:
        return skipped(problem)
    with machine_lock() as locked:
        if not locked:
            return skipped(f"another run held {LOCK_FILE} for {LOCK_WAIT:.0f} s")
        return _measure_locked(settings, apdus)


def _measure_locked(settings: Settings, apdus: int) -> RowResult:
    from benchmarks import pcsc_roundtrip as pcsc
    from cardwire.sim.vpcd import DEFAULT_PORT
    from cardwire.transport.pcsc import PcscTransport

    started: list[subprocess.Popen[bytes]] = []
    logs = Path(tempfile.mkdtemp(prefix="cardwire-bench-pcsc-"))
    try:
        if pcsc.readers() is None:
            with (logs / "pcscd.log").open("wb") as log:
                started.append(subprocess.Popen(["pcscd", "--foreground", "--error"], stderr=log))
            pcsc.wait_until("pcscd", lambda: pcsc.SIM_READER in (pcsc.readers() or []))
        cardwire = [sys.executable, "-c", "from cardwire.cli import main; main()"]
        echo = [sys.executable, pcsc.__file__, "--echo-card", str(DEFAULT_PORT + 1)]
        with (logs / "cards.log").open("wb") as log:
            started.append(subprocess.Popen([*cardwire, "sim", "serve"], stderr=log))
            started.append(subprocess.Popen(echo, stderr=log))
        pcsc.wait_until(
            "the cards",
            lambda: pcsc.card_answers(pcsc.SIM_READER) and pcsc.card_answers(pcsc.ECHO_READER),
        )
        with PcscTransport(pcsc.SIM_READER) as sim, PcscTransport(pcsc.ECHO_READER) as echo_card:
            for command in (pcsc.SELECT_DF_5000, pcsc.SELECT_EF_5001):
                if sim.transmit(command)[-2:] != b"\x90\x00":
                    return skipped("the SimCard refused the file selection")
            pcsc.rate(sim, max(1, apdus // 10))  # warm up both paths
            pcsc.rate(echo_card, max(1, apdus // 10))
            names = ("cardwire SimCard", "echo card")
            transports = (sim, echo_card)
            rates: dict[str, list[float]] = {name: [] for name in names}
            for repetition in range(settings.repetitions):
                for index in rotation(2, repetition):
                    rates[names[index]].append(pcsc.rate(transports[index], apdus))
        return RowResult(
            family=FAMILY,
            name=NAME,
            variant="SimCard vs echo card",
            unit="APDUs/s",
            items_per_batch=apdus,
            rates=rates,
            roles={names[0]: Role.CARDWIRE, names[1]: Role.FLOOR},
            target_floor=pcsc.TARGET,
        )
    finally:
        for process in reversed(started):
            pcsc.stop(process)
