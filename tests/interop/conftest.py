"""The real PC/SC stack for the interop tests: pcscd with the vpcd driver and our card behind it.

The session fixture starts ``pcscd --foreground --error`` and ``cardwire sim serve``, waits
(with deadlines) until a SELECT through pyscard succeeds, yields, and stops both by PID.
Where that cannot work (no pcscd or vpcd driver, no pyscard, not root) the tests are skipped
with the reason; with ``CI=true`` that is a failure instead.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from benchmarks.pcsc_machine import (
    LOCK_FILE,
    PCSCD,
    missing_requirement,
    reader_names,
    start,
    stop,
)
from benchmarks.pcsc_machine import machine_lock as take_machine_lock
from pcsc_stack import (
    CARD_SERVER,
    READER,
    PcscStack,
    give_up,
    select_works,
    tail,
    wait_for,
)

LOCK_WAIT = 900.0  # seconds another test run on this machine may hold the one pcscd


@pytest.fixture(scope="session")
def machine_lock() -> Iterator[None]:
    """Only one pcscd runs per machine: test runs that need it take turns on a lock file."""
    with take_machine_lock(LOCK_WAIT) as locked:
        if not locked:
            give_up(f"another test run held {LOCK_FILE} for {LOCK_WAIT:.0f} s")
        yield


@pytest.fixture(scope="session")
def pcsc_stack(tmp_path_factory: pytest.TempPathFactory, machine_lock: None) -> Iterator[PcscStack]:
    problem = missing_requirement()
    if problem is not None:
        give_up(problem)
    if reader_names() is not None:
        give_up("a pcscd is already running; stop it (only one pcscd may run per machine)")
    logs = tmp_path_factory.mktemp("pcsc-stack")
    state = logs / "card-state.json"
    pcscd_log, card_log = logs / "pcscd.log", logs / "card.log"
    pcscd: subprocess.Popen[bytes] | None = None
    card: subprocess.Popen[bytes] | None = None
    with pcscd_log.open("wb") as pcscd_out, card_log.open("wb") as card_out:
        try:
            pcscd = start(PCSCD, pcscd_out)
            wait_for("pcscd", lambda: READER in (reader_names() or []), pcscd, pcscd_log)
            card = start([*CARD_SERVER, "--state", str(state)], card_out)
            wait_for("cardwire sim serve", lambda: select_works(READER), card, card_log)
            names = reader_names() or []
            yield PcscStack(READER, names.index(READER), state, logs)
        finally:
            card_status = stop(card)
            stop(pcscd)
    assert card_status in (None, 0), f"sim serve exited {card_status}: {tail(card_log)}"
