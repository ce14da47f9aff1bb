"""The one trace recorder: a transport wrapper at the bottom of the host session (below every
layer, so secure exchanges are recorded as they went over the wire).

It records every exchange and every reset as the events of the trace model
(:mod:`cardwire.trace.model`), so a recording replays as it happened (a reset ends every secure
session on the card: the replay must reset there too). ``Card(trace=True)`` and the CLI's
``--trace FILE`` both use it; with ``path`` it writes the trace file in cardwire's format when
the transport closes, also after an error.

Nothing is redacted: a trace is the wire, and a PIN sent in plain (VERIFY outside a secure
channel) is on the wire. Keys never are: session keys never travel, and secure channels carry
PINs encrypted. The one exception is asked for: with ``secrets=True`` (or :meth:`allow_secrets`;
the CLI's ``cardwire pace ... --trace-pace-secret``) :meth:`record_pace_secret` adds the
terminal's PACE key-agreement private key as a comment (:mod:`cardwire.trace.pace_secret`),
the file gets mode 0600 before anything is written to it, and the first comment says that the
trace holds a secret.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cardwire.errors import UsageError
from cardwire.trace.model import FORMAT_VERSION, Event, Exchange, Header, Reset, Trace
from cardwire.trace.text import format_trace
from cardwire.transport.base import Transport


@functools.cache
def tool() -> str:
    """What the ``tool`` header names: ``cardwire VERSION`` (read when first needed, not at
    import: the root package imports the session, which imports this module)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"cardwire {version('cardwire')}"
    except PackageNotFoundError:  # run from a source tree without installing
        return "cardwire"


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One exchange as it happened: command, response, when it started (seconds on the
    recorder's clock since recording began) and how long the transport took."""

    command: bytes
    response: bytes
    started: float
    duration: float


Listener = Callable[[TraceEntry], None]


class TraceRecorder:
    """A transport that records every exchange and reset of the transport it wraps.

    ``clock`` gives seconds (monotonic; ``time.perf_counter`` by default) and is injectable
    so that tests do not depend on real time. Listeners are called after each exchange, in the
    thread that made it. ``keep=False`` stores nothing (listeners only). With ``path`` the file
    is created (emptied) at once, so a path that cannot be written is a :class:`UsageError`
    before anything is sent, and the trace is written there on :meth:`close`.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        path: Path | None = None,
        clock: Callable[[], float] = time.perf_counter,
        keep: bool = True,
        secrets: bool = False,
    ) -> None:
        if path is not None and not keep:
            raise UsageError("a trace written to a file keeps its exchanges (keep=True)")
        self.transport = transport
        self.name = transport.name
        self.path = path
        self.clock = clock
        self.keep = keep
        self.started_at = datetime.now(UTC)
        self.first_atr = transport.atr  # the header's ATR: the card's when recording began
        self._origin = clock()
        self._entries: list[TraceEntry] = []
        self._events: list[Event] = []
        self._listeners: list[Listener] = []
        self._guard = threading.Lock()
        self._written = False
        self._secrets: list[str] | None = None  # None: this trace may hold no secret
        if path is not None:
            self._write("")
        if secrets:
            self.allow_secrets()

    @property
    def atr(self) -> bytes:
        return self.transport.atr

    @property
    def entries(self) -> list[TraceEntry]:
        """A copy of the recorded exchanges with their timing, in order."""
        with self._guard:
            return list(self._entries)

    @property
    def events(self) -> tuple[Event, ...]:
        """The recorded exchanges and resets, in order."""
        with self._guard:
            return tuple(self._events)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every new entry."""
        with self._guard:
            self._listeners.append(listener)

    def clear(self) -> None:
        """Forget what was recorded so far."""
        with self._guard:
            self._entries.clear()
            self._events.clear()

    def allow_secrets(self) -> None:
        """Let this trace hold PACE private keys (:meth:`record_pace_secret`): the file is made
        readable by its owner only (mode 0600) now, before any secret is written to it."""
        if self.path is not None:
            try:
                os.chmod(self.path, 0o600)
            except OSError as exc:
                raise UsageError(f"cannot protect the trace {self.path}: {exc}") from exc
        with self._guard:
            if self._secrets is None:
                self._secrets = []

    @property
    def holds_secrets(self) -> bool:
        """Whether this trace may hold secrets (asked for with ``secrets`` or allow_secrets)."""
        return self._secrets is not None

    def record_pace_secret(self, private_key: int) -> None:
        """Record the terminal's PACE key-agreement private key SK_IFD (ICAO 9303-11
        4.4.3.3.2) as a comment; only in a trace that was allowed secrets."""
        from cardwire.trace.pace_secret import secret_comment

        comment = secret_comment(private_key)
        with self._guard:
            if self._secrets is None:
                raise UsageError("this trace was not asked to hold secrets (allow_secrets)")
            self._secrets.append(comment)

    def transmit(self, apdu: bytes) -> bytes:
        start = self.clock()
        response = self.transport.transmit(apdu)
        entry = TraceEntry(bytes(apdu), bytes(response), start - self._origin, self.clock() - start)
        with self._guard:
            if self.keep:
                self._entries.append(entry)
                self._events.append(Exchange(entry.command, entry.response))
            listeners = list(self._listeners)
        for listener in listeners:
            listener(entry)
        return response

    def reset(self, cold: bool = False) -> bytes:
        atr = self.transport.reset(cold)
        with self._guard:
            if self.keep:
                self._events.append(Reset(bytes(atr)))
        return atr

    def trace(self) -> Trace:
        """The recording as a :class:`~cardwire.trace.model.Trace`."""
        header = Header(
            version=FORMAT_VERSION,
            tool=tool(),
            atr=self.first_atr,
            reader=" ".join(self.name.split()),  # a header is one line
            time=self.started_at.isoformat(timespec="seconds"),
        )
        with self._guard:
            secrets = None if self._secrets is None else tuple(self._secrets)
        if secrets is None:
            return Trace(self.events, header)
        from cardwire.trace.pace_secret import WARNING_COMMENT

        return Trace(self.events, header, (WARNING_COMMENT, *secrets))

    def text(self) -> str:
        """The recording in cardwire's text format."""
        return format_trace(self.trace())

    def _write(self, text: str) -> None:
        assert self.path is not None
        try:
            self.path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write the trace {self.path}: {exc.strerror or exc}") from exc

    def write(self) -> None:
        """Write the trace recorded so far to ``path`` (once; later calls do nothing)."""
        if self.path is not None and not self._written:
            self._written = True
            self._write(self.text())

    def close(self) -> None:
        try:
            self.write()  # before closing: a reader's ATR may be gone afterwards
        finally:
            self.transport.close()


__all__ = ["Listener", "TraceEntry", "TraceRecorder", "tool"]
