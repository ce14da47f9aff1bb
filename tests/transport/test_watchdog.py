"""The transmit watchdog: a deadline around a call that cannot be cancelled."""

from __future__ import annotations

import threading

import pytest

from cardwire.errors import TransportTimeoutError, UsageError
from cardwire.transport.watchdog import Watchdog


def test_values_and_errors_pass_through() -> None:
    watchdog = Watchdog(5.0)
    assert watchdog.run(lambda: 42, lambda: None, "x") == 42
    table: dict[str, int] = {}
    with pytest.raises(KeyError):
        watchdog.run(lambda: table["missing"], lambda: None, "x")
    watchdog.stop()


def test_a_stuck_call_is_abandoned_and_cleaned_up_when_it_returns() -> None:
    watchdog = Watchdog(0.05)
    gate, cleaned = threading.Event(), threading.Event()
    with pytest.raises(TransportTimeoutError, match=r"stuck call: no answer within 0\.05 s"):
        watchdog.run(gate.wait, cleaned.set, "stuck call")
    assert watchdog.run(lambda: "fresh worker", lambda: None, "x") == "fresh worker"
    gate.set()
    assert cleaned.wait(5.0)
    watchdog.stop()


def test_no_timeout_runs_in_the_callers_thread() -> None:
    watchdog = Watchdog(None)
    assert watchdog.run(threading.current_thread, lambda: None, "x") is threading.current_thread()


@pytest.mark.parametrize("timeout", [0, -1.0])
def test_timeout_must_be_positive(timeout: float) -> None:
    with pytest.raises(UsageError):
        Watchdog(timeout)
