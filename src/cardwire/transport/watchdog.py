"""A host-side deadline around a blocking call that cannot be cancelled (SCardTransmit).

PC/SC has no per-command timeout: SCardTransmit waits as long as the reader driver does (a
mute card held minutes in tests), and SCardCancel only cancels SCardGetStatusChange (PC/SC
part 5; pcsc-lite's SCardCancel documentation). So the call runs in a worker thread and the
caller waits at most ``timeout`` seconds. On expiry the caller gets TransportTimeoutError and
the worker is *abandoned*: it stays blocked in the driver call, and when that call returns at
last it runs the ``cleanup`` given for it (the PC/SC transport releases the stuck handle and
context there). A fresh worker serves the next call.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cardwire.errors import TransportTimeoutError, UsageError

T = TypeVar("T")


class _Job(Generic[T]):
    def __init__(self, call: Callable[[], T]) -> None:
        self.call = call
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None
        self.cleanup: Callable[[], None] | None = None
        self.lock = threading.Lock()  # cleanup is set and taken under it


def _serve(jobs: queue.SimpleQueue[_Job[object] | None]) -> None:
    while (job := jobs.get()) is not None:
        try:
            job.value = job.call()
        except BaseException as exc:  # handed to the waiting caller
            job.error = exc
        with job.lock:
            job.done.set()
            cleanup = job.cleanup
        if cleanup is not None:  # the caller gave up on this job: this worker is abandoned
            cleanup()
            return


class Watchdog:
    """Runs calls one at a time in a worker thread, each with a deadline (None: no deadline,
    the call runs in the caller's thread)."""

    def __init__(self, timeout: float | None) -> None:
        if timeout is not None and not timeout > 0:
            raise UsageError(f"the transmit timeout must be > 0 seconds or None, got {timeout!r}")
        self.timeout = timeout
        self._jobs: queue.SimpleQueue[_Job[object] | None] | None = None
        self._lock = threading.Lock()

    def run(self, call: Callable[[], T], on_abandon: Callable[[], None], what: str) -> T:
        """``call()``'s value or exception; TransportTimeoutError naming ``what`` if it takes
        longer than the timeout, after which ``on_abandon`` runs when the call ends at last."""
        if self.timeout is None:
            return call()
        with self._lock:  # one call at a time, like the PC/SC handle it guards
            if self._jobs is None:
                self._jobs = queue.SimpleQueue()
                threading.Thread(
                    target=_serve, args=(self._jobs,), name="cardwire-transmit", daemon=True
                ).start()
            job: _Job[T] = _Job(call)
            self._jobs.put(job)  # type: ignore[arg-type]
            if not job.done.wait(self.timeout):
                with job.lock:
                    late = not job.done.is_set()
                    if late:
                        job.cleanup = on_abandon
                        self._jobs = None  # the next call starts a fresh worker
                if late:
                    raise TransportTimeoutError(
                        f"{what}: no answer within {self.timeout:g} s (the card is mute or the "
                        "reader stuck)"
                    )
            if job.error is not None:
                raise job.error
            return job.value  # type: ignore[return-value]

    def stop(self) -> None:
        """Let an idle worker end (an abandoned one ends when its call returns)."""
        with self._lock:
            if self._jobs is not None:
                self._jobs.put(None)
                self._jobs = None
