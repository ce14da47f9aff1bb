"""The one trace model: what went over the wire between a program and a card, as values.

A :class:`Trace` is a :class:`Header` (format version, tool, ATR, reader, time), free comments,
and the events in wire order: each :class:`Exchange` (a command and its response) and each
:class:`Reset` (every secure session and logical channel ends there). Every reader
(:mod:`cardwire.trace.text`: cardwire's format and the foreign dialects) produces this model,
the one writer writes it, the recorder (:mod:`cardwire.trace.recorder`) builds it, and the
decoder and both replays consume it.

This module is sans-IO: values only, no transport, file or CLI. ``line`` on an event is where a
reader found it (0 when recorded); it is not part of the value (two traces that differ only in
line numbers are equal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cardwire.errors import UsageError

FORMAT_VERSION = 1  # the version of cardwire's text format that the writer writes
RESET_KEYWORD = "reset"  # ``# reset`` (or ``# reset: ATR``) is an event, never a comment
MIN_RESPONSE = 2  # ISO/IEC 7816-4 5.1: every response APDU ends with SW1 SW2


class TraceFormat(StrEnum):
    """The dialect a trace was read from (cardwire's own, or a foreign tool's)."""

    CARDWIRE = "cardwire"
    SCRIPTOR = "scriptor"
    PCSCD = "pcscd"
    GPP = "gpp"  # GlobalPlatformPro / apdu4j
    YKMAN = "ykman"  # ykman / yubikit
    PYSIM = "pysim"
    OPENSC = "opensc"
    CCID = "ccid"  # USB CCID captures (usbmon or USBPcap, pcap or pcapng): binary, not text


def _one_line(what: str, text: str) -> str:
    # A header or comment is one line of the text form, read back stripped: keep it so, or
    # it could not come back as the same value (or could forge an event line).
    if text != text.strip() or len((text + "x").splitlines()) != 1:
        raise UsageError(f"a trace {what} must be one line without outer spaces, got {text!r}")
    return text


@dataclass(frozen=True, slots=True)
class Exchange:
    """One command and its response as they went over the wire (the response with SW1 SW2).

    The command is kept as sent, even when it is not a well-formed APDU (a test may send one
    on purpose); it only has to be non-empty.
    """

    command: bytes
    response: bytes
    line: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if not self.command:
            raise UsageError("a trace exchange needs a command of at least one byte")
        if len(self.response) < MIN_RESPONSE:
            raise UsageError("a trace response needs SW1 SW2 (ISO/IEC 7816-4 5.1)")

    @property
    def sw(self) -> int:
        return int.from_bytes(self.response[-2:], "big")


@dataclass(frozen=True, slots=True)
class Reset:
    """A card reset (warm or cold): every secure session ends here. ``atr`` when known."""

    atr: bytes = b""
    line: int = field(default=0, compare=False)


Event = Exchange | Reset


@dataclass(frozen=True, slots=True)
class Header:
    """What a trace says about itself; every field may be empty (foreign dialects lack most).

    ``version`` is the text format version (0: not given, as in traces written before it was);
    ``tool`` names what wrote the trace (``cardwire 0.4.0``); ``atr`` is the card's ATR when
    the recording began; ``time`` is when it began (ISO 8601 text).
    """

    version: int = 0
    tool: str = ""
    atr: bytes = b""
    reader: str = ""
    time: str = ""

    def __post_init__(self) -> None:
        if self.version < 0:
            raise UsageError(f"a trace format version is not negative, got {self.version}")
        _one_line("tool", self.tool)
        _one_line("reader", self.reader)
        _one_line("time", self.time)


@dataclass(frozen=True, slots=True)
class Trace:
    """A whole trace: header, comments (in the order found) and events in wire order."""

    events: tuple[Event, ...] = ()
    header: Header = field(default_factory=Header)
    comments: tuple[str, ...] = ()
    source: TraceFormat = TraceFormat.CARDWIRE

    def __post_init__(self) -> None:
        for comment in self.comments:
            _one_line("comment", comment)
            if comment.partition(":")[0].strip().lower() == RESET_KEYWORD:
                raise UsageError(f"a trace comment cannot read as a reset: {comment!r}")

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        """The exchanges only, resets left out."""
        return tuple(event for event in self.events if isinstance(event, Exchange))


__all__ = [
    "FORMAT_VERSION",
    "RESET_KEYWORD",
    "Event",
    "Exchange",
    "Header",
    "Reset",
    "Trace",
    "TraceFormat",
]
