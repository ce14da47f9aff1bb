"""CLI start-up: ``cardwire --help`` and ``cardwire decode apdu ...`` beside ``python -c pass``.

Each command runs as a new process, as a user's shell runs it, and its floor is the same
interpreter started the same way doing nothing (``python -c pass``): the figure beside the floor
is what cardwire's imports and the command cost. A start is timed on the wall clock (the target,
issue 16: at most 150 ms on the 2-core benchmark machine) and on the child's CPU clock (user +
system, which neighbours on a loaded machine inflate little). The rate is starts per second of
wall time; the table's "payload" column gives the medians in milliseconds.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time

from benchmarks.harness import Role, RowResult, Settings, rotation
from benchmarks.pcsc_machine import CARDWIRE_CLI

FAMILY = "CLI start-up"
FLOOR = [sys.executable, "-c", "pass"]
COMMANDS = (
    ("cardwire --help", ["--help"]),
    ("cardwire decode apdu", ["decode", "apdu", "00A4040000"]),
)
TARGET_MS = 150.0
RUNS_PER_REPETITION = 3


def start(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``argv`` to its exit; it must exit 0."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def measure_row(name: str, settings: Settings) -> RowResult:
    """The row of the command called ``name`` in :data:`COMMANDS`: it and the floor alternate,
    ``settings.repetitions`` rounds of :data:`RUNS_PER_REPETITION` starts each."""
    argv = [*CARDWIRE_CLI, *dict(COMMANDS)[name]]
    names = (name, "python -c pass")
    argvs = (argv, FLOOR)
    start(argv)  # warm the file cache (the first start after an install reads the .pyc files)
    rates: dict[str, list[float]] = {n: [] for n in names}
    walls: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    for repetition in range(settings.repetitions):
        for index in rotation(2, repetition):
            runs = [start(argvs[index]) for _ in range(RUNS_PER_REPETITION)]
            rates[names[index]].append(len(runs) / sum(wall for wall, _ in runs))
            walls[names[index]].extend(wall for wall, _ in runs)
            cpus[names[index]].extend(cpu for _, cpu in runs)
    ms = {n: 1000 * statistics.median(walls[n]) for n in names}
    cpu_ms = {n: 1000 * statistics.median(cpus[n]) for n in names}
    verdict = "ok" if ms[name] <= TARGET_MS else "above"
    return RowResult(
        family=FAMILY,
        name=name,
        variant=f"{ms[name]:.0f} ms (CPU {cpu_ms[name]:.0f}), floor {ms[names[1]]:.0f} ms; "
        f"<= {TARGET_MS:.0f} ms: {verdict}",
        unit="starts/s",
        items_per_batch=RUNS_PER_REPETITION,
        rates=rates,
        roles={names[0]: Role.CARDWIRE, names[1]: Role.FLOOR},
        extra={"wall_ms": ms, "cpu_ms": cpu_ms, "target_ms": TARGET_MS},
    )
