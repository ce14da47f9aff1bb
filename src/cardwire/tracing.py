"""The trace recorder (the bottom layer: every exchange on the wire, with timing) and the
trace text format.

The text format, one item per line::

    # atr: 3B...
    # reader: cardwire simulated card
    # time: 2026-01-01T12:00:00+00:00
    > 00A4040C0AF0636172647769726501
    < 9000

Lines starting with ``#`` are comments; the three above are headers. Every ``>`` command line
is followed by its ``<`` response line. Hex is uppercase without separators when written and
read leniently (any case, spaces and colons).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cardwire.errors import DecodeError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.transport.base import Transport


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One exchange on the wire: command bytes, response bytes, when it started (seconds on
    the recorder's clock since recording began) and how long the transport took."""

    command: bytes
    response: bytes
    started: float
    duration: float


@dataclass(frozen=True, slots=True)
class Trace:
    """A recorded session: headers and the exchanges in order."""

    exchanges: tuple[tuple[bytes, bytes], ...] = ()
    atr: bytes = b""
    reader: str = ""
    time: str = ""
    comments: tuple[str, ...] = field(default=())


Listener = Callable[[TraceEntry], None]


class TraceRecorder:
    """A transport that records every exchange of the transport it wraps.

    ``clock`` gives seconds (monotonic; ``time.perf_counter`` by default) and is injectable
    so that tests do not depend on real time. Listeners are called after each exchange, in the
    thread that made it.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        clock: Callable[[], float] = time.perf_counter,
        keep: bool = True,
    ) -> None:
        self.transport = transport
        self.clock = clock
        self.keep = keep
        self.started_at = datetime.now(UTC)
        self._origin = clock()
        self._entries: list[TraceEntry] = []
        self._listeners: list[Listener] = []
        self._guard = threading.Lock()

    @property
    def atr(self) -> bytes:
        return self.transport.atr

    @property
    def name(self) -> str:
        return self.transport.name

    @property
    def entries(self) -> list[TraceEntry]:
        """A copy of the recorded exchanges, in order."""
        with self._guard:
            return list(self._entries)

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every new entry."""
        with self._guard:
            self._listeners.append(listener)

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()

    def transmit(self, apdu: bytes) -> bytes:
        start = self.clock()
        response = self.transport.transmit(apdu)
        entry = TraceEntry(bytes(apdu), bytes(response), start - self._origin, self.clock() - start)
        with self._guard:
            if self.keep:
                self._entries.append(entry)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(entry)
        return response

    def reset(self, cold: bool = False) -> bytes:
        return self.transport.reset(cold)

    def close(self) -> None:
        self.transport.close()

    def trace(self) -> Trace:
        """The recording as a :class:`Trace` value."""
        return Trace(
            exchanges=tuple((entry.command, entry.response) for entry in self.entries),
            atr=self.atr,
            reader=self.name,
            time=self.started_at.isoformat(timespec="seconds"),
        )


def format_trace(trace: Trace) -> str:
    """The text form of ``trace`` (headers, then ``>``/``<`` line pairs)."""
    lines = [f"# atr: {to_hex(trace.atr)}", f"# reader: {trace.reader}", f"# time: {trace.time}"]
    lines += [f"# {comment}" for comment in trace.comments]
    for command, response in trace.exchanges:
        lines.append(f"> {to_hex(command)}")
        lines.append(f"< {to_hex(response)}")
    return "\n".join(lines) + "\n"


_HEADERS = ("atr", "reader", "time")


def parse_trace(text: str | Iterable[str]) -> Trace:
    """Read the text form back; malformed lines raise :class:`DecodeError` naming the line."""
    lines = text.splitlines() if isinstance(text, str) else list(text)
    headers: dict[str, str] = {}
    comments: list[str] = []
    exchanges: list[tuple[bytes, bytes]] = []
    pending: bytes | None = None
    for number, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()
        if not line:
            continue
        if line.startswith("#"):
            body = line[1:].strip()
            key, sep, value = body.partition(":")
            if sep and key.strip().lower() in _HEADERS and key.strip().lower() not in headers:
                headers[key.strip().lower()] = value.strip()
            else:
                comments.append(body)
            continue
        marker, payload = line[0], line[1:]
        try:
            data = parse_hex(payload)
        except DecodeError as exc:
            raise DecodeError(f"trace line {number}: {exc.problem}") from exc
        if marker == ">":
            if pending is not None:
                raise DecodeError(f"trace line {number}: command without a response before it")
            pending = data
        elif marker == "<":
            if pending is None:
                raise DecodeError(f"trace line {number}: response without a command")
            if len(data) < 2:
                raise DecodeError(f"trace line {number}: a response needs SW1 SW2")
            exchanges.append((pending, data))
            pending = None
        else:
            raise DecodeError(f"trace line {number}: expected '>', '<' or '#', got {marker!r}")
    if pending is not None:
        raise DecodeError("trace ends with a command that has no response")
    try:
        atr = parse_hex(headers.get("atr", ""))
    except DecodeError as exc:
        raise DecodeError(f"trace atr header: {exc.problem}") from exc
    return Trace(
        exchanges=tuple(exchanges),
        atr=atr,
        reader=headers.get("reader", ""),
        time=headers.get("time", ""),
        comments=tuple(comments),
    )
