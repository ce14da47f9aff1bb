"""A recorded trace served as a card: each command must be the one recorded next.

Tests replay sessions recorded from real cards (or from the simulator) without the card: the
transport answers the recorded response when the command matches the recorded command byte for
byte, and a reset when the recording has a reset there (it answers the ATR recorded with it);
anything else raises :class:`ReplayMismatchError` naming the event (exchange or reset) index.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cardwire.errors import DecodeError, TransportError, UsageError
from cardwire.hexutil import to_hex
from cardwire.trace.model import Event, Exchange, Reset, Trace
from cardwire.trace.text import parse
from cardwire.transport.base import LocalTransport


def _describe(event: bytes | Reset) -> str:
    return "a reset" if isinstance(event, Reset) else f"command {to_hex(event)}"


class ReplayMismatchError(TransportError):
    """The command or reset differs from the recording (or the recording has run out).

    ``index`` is the zero-based event index (exchanges and resets); ``expected`` is the
    recorded command, a :class:`Reset`, or None past the end; ``actual`` is the command sent
    or a :class:`Reset`.
    """

    def __init__(self, index: int, expected: bytes | Reset | None, actual: bytes | Reset) -> None:
        self.index = index
        self.expected = expected
        self.actual = actual
        if expected is None:
            text = f"event {index}: the recording has ended, got {_describe(actual)}"
        else:
            recorded = _describe(expected)
            text = f"event {index}: {_describe(actual)} differs from the recorded {recorded}"
        super().__init__(text)


class ReplayTransport(LocalTransport):
    """Serves ``events`` in order: exchanges (as :class:`Exchange` or (command, response)
    pairs) and resets."""

    def __init__(
        self,
        events: Iterable[Event | tuple[bytes, bytes]],
        *,
        atr: bytes = b"",
        name: str = "replay",
    ) -> None:
        super().__init__(name)
        self.events: tuple[Event, ...] = tuple(
            event
            if isinstance(event, Exchange | Reset)
            else Exchange(bytes(event[0]), bytes(event[1]))
            for event in events
        )
        self._atr = bytes(atr)
        self.position = 0

    @classmethod
    def from_trace(cls, trace: Trace) -> ReplayTransport:
        return cls(trace.events, atr=trace.header.atr, name=trace.header.reader or "replay")

    @classmethod
    def from_text(cls, text: str) -> ReplayTransport:
        return cls.from_trace(parse(text))

    @classmethod
    def from_file(cls, path: Path) -> ReplayTransport:
        """Replay the trace in ``path``: UsageError when it cannot be read, DecodeError when
        it is not UTF-8 text or not a trace."""
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read the trace {path}: {exc.strerror or exc}") from exc
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"{path}: not a UTF-8 text file", exc.start) from None
        return cls.from_text(text)

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def finished(self) -> bool:
        """True when every recorded event has been served."""
        return self.position == len(self.events)

    def _next(self, actual: bytes | Reset) -> Event:
        self._check_open()
        if self.position >= len(self.events):
            raise ReplayMismatchError(self.position, None, actual)
        return self.events[self.position]

    def transmit(self, apdu: bytes) -> bytes:
        actual = bytes(apdu)
        expected = self._next(actual)
        if isinstance(expected, Reset):
            raise ReplayMismatchError(self.position, expected, actual)
        if actual != expected.command:
            raise ReplayMismatchError(self.position, expected.command, actual)
        self.position += 1
        return expected.response

    def reset(self, cold: bool = False) -> bytes:
        """Serve the reset recorded next: its ATR (the header's when it has none)."""
        expected = self._next(Reset())
        if not isinstance(expected, Reset):
            raise ReplayMismatchError(self.position, expected.command, Reset())
        self.position += 1
        if expected.atr:
            self._atr = expected.atr
        return self._atr
