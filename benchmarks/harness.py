"""The measuring harness: rows of contenders timed in one process, alternating, median reported.

A :class:`Row` is one line of the table (a protocol at one payload size). Its contenders are
cardwire, the crypto floor of the same work and the Python peers. Each contender is a
``prepare(n)`` function that does every set-up step (fresh session, precomputed answers) and
returns a batch that performs ``n`` units of work; only the batch is timed.

For every repetition all contenders of a row run one batch of the same size, in an order that
rotates from repetition to repetition, so that a slow moment of the machine hits them alike.
The figure reported per contender is the median rate; a ratio is the median of the ratios of
each repetition (the two batches of one repetition ran side by side). Time is the process's CPU
time (single-threaded work), so other processes on the machine inflate the figures little.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Batch = Callable[[], object]
# The process's CPU time: on a loaded machine (two cores, test runs beside) a batch that waits
# for a core is not charged for the wait, so the figures measure the work, not the neighbours.
CPU_CLOCK = time.process_time
Prepare = Callable[[int], Batch]
Clock = Callable[[], float]


class Role(StrEnum):
    CARDWIRE = "cardwire"
    FLOOR = "floor"
    PEER = "peer"


@dataclass(frozen=True)
class Contender:
    """One way of doing a row's work: ``prepare(n)`` returns a batch of ``n`` units."""

    role: Role
    name: str
    prepare: Prepare


@dataclass(frozen=True)
class Row:
    """One table line. ``units_per_item`` scales the rate (bytes per read for MB/s rows)."""

    family: str
    name: str
    variant: str
    unit: str
    contenders: tuple[Contender, ...]
    units_per_item: float = 1.0
    target_floor: float | None = None
    target_peer: float | None = None

    def contender(self, role: Role) -> Contender | None:
        return next((c for c in self.contenders if c.role is role), None)


@dataclass(frozen=True)
class Settings:
    """How long to measure: ``repetitions`` rounds of batches of about ``sample_seconds``."""

    repetitions: int = 9
    sample_seconds: float = 0.04
    max_items: int = 1_000_000

    def __post_init__(self) -> None:
        if self.repetitions < 1:
            raise ValueError("at least one repetition is needed")
        if self.sample_seconds <= 0:
            raise ValueError("the sample time must be positive")


@dataclass(frozen=True)
class RowResult:
    """Rates per contender (one per repetition) and the ratios derived from them."""

    family: str
    name: str
    variant: str
    unit: str
    items_per_batch: int
    rates: dict[str, list[float]]
    roles: dict[str, Role]
    target_floor: float | None = None
    target_peer: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def _name_of(self, role: Role) -> str | None:
        return next((n for n, r in self.roles.items() if r is role), None)

    def median(self, name: str) -> float:
        return float(statistics.median(self.rates[name]))

    @property
    def cardwire(self) -> str | None:
        return self._name_of(Role.CARDWIRE)

    @property
    def floor(self) -> str | None:
        return self._name_of(Role.FLOOR)

    @property
    def peer(self) -> str | None:
        return self._name_of(Role.PEER)

    def ratio(self, role: Role) -> float | None:
        """cardwire / ``role`` (median of per-repetition ratios), None when either is absent."""
        mine, other = self.cardwire, self._name_of(role)
        if mine is None or other is None:
            return None
        return median_ratio(self.rates[mine], self.rates[other])

    def verdict(self) -> str:
        """The targets together: ``ok``, ``below``, or empty when the row has none."""
        checks = [
            meets(self.ratio(Role.FLOOR), self.target_floor),
            meets(self.ratio(Role.PEER), self.target_peer),
        ]
        known = [c for c in checks if c is not None]
        if not known:
            return ""
        return "ok" if all(known) else "below"

    def to_json(self) -> dict[str, Any]:
        contenders = {
            name: {
                "role": str(self.roles[name]),
                "median": self.median(name),
                "rates": list(self.rates[name]),
            }
            for name in self.rates
        }
        return {
            "family": self.family,
            "name": self.name,
            "variant": self.variant,
            "unit": self.unit,
            "items_per_batch": self.items_per_batch,
            "contenders": contenders,
            "ratio_to_floor": self.ratio(Role.FLOOR),
            "ratio_to_peer": self.ratio(Role.PEER),
            "peer": self.peer,
            "target_floor": self.target_floor,
            "target_peer": self.target_peer,
            "verdict": self.verdict(),
            "note": self.note,
            **({"extra": self.extra} if self.extra else {}),
        }


def median_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """The median of the pairwise ratios of two equally long series of rates."""
    if len(numerators) != len(denominators) or not numerators:
        raise ValueError("ratios need two non-empty series of the same length")
    return float(statistics.median(a / b for a, b in zip(numerators, denominators, strict=True)))


def meets(ratio: float | None, target: float | None) -> bool | None:
    """Whether ``ratio`` reaches ``target``; None when there is nothing to compare."""
    if ratio is None or target is None:
        return None
    return ratio >= target


def rotation(count: int, repetition: int) -> list[int]:
    """The order of ``count`` contenders in ``repetition``: each starts first in turn."""
    if count <= 0:
        return []
    start = repetition % count
    return [(start + i) % count for i in range(count)]


def time_batch(batch: Batch, clock: Clock = CPU_CLOCK) -> float:
    """Seconds one batch takes, with the garbage collector paused (as timeit does)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = clock()
        batch()
        return clock() - start
    finally:
        if enabled:
            gc.enable()


def calibrate(
    prepare: Prepare,
    settings: Settings,
    clock: Clock = CPU_CLOCK,
) -> int:
    """The batch size for which ``prepare``'s work takes about ``settings.sample_seconds``."""
    items = 1
    while True:
        elapsed = time_batch(prepare(items), clock)
        if elapsed >= settings.sample_seconds / 5 or items >= settings.max_items:
            break
        items = min(items * 4, settings.max_items)
    wanted = items * settings.sample_seconds / max(elapsed, 1e-9)
    return max(1, min(settings.max_items, math.ceil(wanted)))


def measure(row: Row, settings: Settings, clock: Clock = CPU_CLOCK) -> RowResult:
    """Run every contender of ``row`` ``settings.repetitions`` times, alternating the order.

    The batch size is calibrated on the slowest contender so that no sample is too short.
    """
    if not row.contenders:
        raise ValueError(f"row {row.name} has no contender")
    names = [c.name for c in row.contenders]
    if len(set(names)) != len(names):
        raise ValueError(f"row {row.name}: contender names must be unique")
    items = min(calibrate(c.prepare, settings, clock) for c in row.contenders)
    for contender in row.contenders:  # warm-up: caches, lazy imports, first allocations
        time_batch(contender.prepare(max(1, items // 10)), clock)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for repetition in range(settings.repetitions):
        for index in rotation(len(row.contenders), repetition):
            contender = row.contenders[index]
            elapsed = time_batch(contender.prepare(items), clock)
            rates[contender.name].append(items * row.units_per_item / max(elapsed, 1e-12))
    return RowResult(
        family=row.family,
        name=row.name,
        variant=row.variant,
        unit=row.unit,
        items_per_batch=items,
        rates=rates,
        roles={c.name: c.role for c in row.contenders},
        target_floor=row.target_floor,
        target_peer=row.target_peer,
    )


def loop(step: Callable[[], object], items: int) -> Batch:
    """A batch that calls ``step`` ``items`` times."""

    def batch() -> None:
        for _ in range(items):
            step()

    return batch
