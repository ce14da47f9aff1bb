"""A recorded trace served as a card: each command must be the one recorded next.

Tests replay sessions recorded from real cards (or from the simulator) without the card: the
transport answers the recorded response when the command matches the recorded command byte for
byte, and raises :class:`ReplayMismatchError` naming the exchange index otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cardwire.errors import DecodeError, TransportError, UsageError
from cardwire.hexutil import to_hex
from cardwire.tracing import Trace, parse_trace


class ReplayMismatchError(TransportError):
    """The command differs from the recording (or the recording has run out).

    ``index`` is the zero-based exchange index; ``expected`` is None past the end.
    """

    def __init__(self, index: int, expected: bytes | None, actual: bytes) -> None:
        self.index = index
        self.expected = expected
        self.actual = actual
        if expected is None:
            text = f"exchange {index}: the recording has ended, got command {to_hex(actual)}"
        else:
            text = (
                f"exchange {index}: command {to_hex(actual)} differs from the recorded "
                f"{to_hex(expected)}"
            )
        super().__init__(text)


class ReplayTransport:
    """Serves ``exchanges`` (command, response) in order."""

    def __init__(
        self,
        exchanges: Iterable[tuple[bytes, bytes]],
        *,
        atr: bytes = b"",
        name: str = "replay",
    ) -> None:
        self.exchanges = tuple((bytes(c), bytes(r)) for c, r in exchanges)
        self._atr = bytes(atr)
        self._name = name
        self.position = 0
        self._closed = False

    @classmethod
    def from_trace(cls, trace: Trace) -> ReplayTransport:
        return cls(trace.exchanges, atr=trace.atr, name=trace.reader or "replay")

    @classmethod
    def from_text(cls, text: str) -> ReplayTransport:
        return cls.from_trace(parse_trace(text))

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
    def name(self) -> str:
        return self._name

    @property
    def finished(self) -> bool:
        """True when every recorded exchange has been served."""
        return self.position == len(self.exchanges)

    def transmit(self, apdu: bytes) -> bytes:
        if self._closed:
            raise TransportError(f"{self._name}: the transport is closed")
        actual = bytes(apdu)
        if self.position >= len(self.exchanges):
            raise ReplayMismatchError(self.position, None, actual)
        expected, response = self.exchanges[self.position]
        if actual != expected:
            raise ReplayMismatchError(self.position, expected, actual)
        self.position += 1
        return response

    def reset(self, cold: bool = False) -> bytes:
        """The recorded ATR; the position in the recording is kept (a trace has no resets)."""
        return self._atr

    def close(self) -> None:
        self._closed = True
