"""PC/SC round trip: pyscard -> pcscd -> vpcd -> card, SimCard beside a minimal echo card.

The stack and both cards come from ``benchmarks/pcsc_roundtrip.py`` (the PC/SC engineer's
benchmark): this module takes the machine-wide lock the interop tests use (only one pcscd may
run, ``benchmarks/pcsc_machine.py``), starts what is missing, measures both cards alternating in
the same run and stops what it started, by PID. The echo card is the row's floor: the stack's
own cost with a card that does nothing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.harness import Role, RowResult, Settings, rotation
from benchmarks.pcsc_machine import LOCK_FILE, machine_lock, missing_requirement

FAMILY = "PC/SC round trip"
NAME = "READ BINARY 16 B through pcscd + vpcd"
LOCK_WAIT = 120.0


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
    with machine_lock(LOCK_WAIT) as locked:
        if not locked:
            return skipped(f"another run held {LOCK_FILE} for {LOCK_WAIT:.0f} s")
        return _measure_locked(settings, apdus)


def _measure_locked(settings: Settings, apdus: int) -> RowResult:
    from benchmarks import pcsc_roundtrip as pcsc

    logs = Path(tempfile.mkdtemp(prefix="cardwire-bench-pcsc-"))
    with pcsc.cards_on_stack(logs) as (sim, echo_card):
        if not pcsc.select_ef_5001(sim):
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
