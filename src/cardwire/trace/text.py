"""The one writer and the one reader of traces as text (sans-IO but for :func:`read`).

The writer writes cardwire's format (docs/traces.md: the format, once)::

    # version: 1
    # tool: cardwire 0.4.0
    # atr: 3B88010073FE21DF0590006F
    # reader: cardwire simulated card
    # time: 2026-01-01T12:00:00+00:00
    # a comment
    > 00A4040C0AF0636172647769726500
    < 9000
    # reset: 3B88010073FE21DF0590006F

The reader reads it and each foreign dialect into the same :class:`~cardwire.trace.model.Trace`.
A dialect is a :class:`Dialect` (a detector and a parser over the lines); :data:`DIALECTS`
lists them in detection order, and :func:`parse` takes ``dialect=`` to force one. The dialects:

- ``cardwire``: the format above. ``>`` is a command, ``<`` its response, ``#`` a comment;
  ``# version:``, ``# tool:``, ``# atr:``, ``# reader:``, ``# time:`` are headers (the first of
  each counts); ``# reset`` or ``# reset: ATR`` is a reset. Hex is read in any case with spaces
  and colons; text after `` : `` on a ``>``/``<`` line is ignored (scriptor's annotation).
  Traces written before the version header (no ``# version:``) read as version 0.
- ``scriptor`` (pcsc-tools), recognised by its ``Using ...`` lines: the same ``>``/``<`` lines;
  the script lines it echoes are skipped, ``Using given card reader: NAME`` gives the reader,
  and ``> RESET`` / ``< OK: ATR`` is a reset.
- ``pcscd``: the APDU log of ``pcscd --apdu`` (``-a``), recognised by its ``APDU:`` and ``SW:``
  lines (pcsc-lite src/debuglog.c ``DebugLogCategory``, called around ``IFDTransmit`` in
  src/ifdwrapper.c: a time delta, optionally a thread id, then ``APDU: `` or ``SW: `` and the
  bytes as ``%02X `` groups; ``SW:`` holds the whole response). Every other line is ignored,
  and so are colour escapes (``pcscd -T``).

Malformed input raises :class:`DecodeError` naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from cardwire.errors import DecodeError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.trace.dialects import ccid, gpp, opensc, pysim, ykman
from cardwire.trace.dialects.usb_capture import is_capture
from cardwire.trace.model import (
    FORMAT_VERSION,
    MIN_RESPONSE,
    RESET_KEYWORD,
    Event,
    Exchange,
    Header,
    Reset,
    Trace,
    TraceFormat,
)

_HEADERS = ("version", "tool", "atr", "reader", "time")  # written in this order
_ANNOTATION = " : "  # scriptor appends " : Normal processing." to a response line
_SCRIPTOR_READER = "Using given card reader:"
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# pcsc-lite src/debuglog.c: log_xxd_always(..., "APDU: " / "SW: ", buffer) -> "%02X " per byte.
_PCSCD_LINE = re.compile(r"(?:^|\s)(APDU|SW):((?:\s+[0-9A-Fa-f]{2})*)\s*$")


# --- the writer ------------------------------------------------------------------------------


def format_trace(trace: Trace) -> str:
    """The text of ``trace`` in cardwire's format, version :data:`FORMAT_VERSION`.

    Every header line is written, empty or not, before the comments: so a comment that looks
    like a header (``atr: ...``) reads back as a comment.
    """
    header = trace.header
    lines = [
        f"# version: {FORMAT_VERSION}",
        f"# tool: {header.tool}",
        f"# atr: {to_hex(header.atr)}",
        f"# reader: {header.reader}",
        f"# time: {header.time}",
    ]
    lines += [f"# {comment}" for comment in trace.comments]
    for event in trace.events:
        lines += _event_lines(event)
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _event_lines(event: Event) -> list[str]:
    if isinstance(event, Reset):
        return [f"# {RESET_KEYWORD}: {to_hex(event.atr)}" if event.atr else f"# {RESET_KEYWORD}"]
    return [f"> {to_hex(event.command)}", f"< {to_hex(event.response)}"]


# --- dialects --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dialect:
    """One text format the reader understands: ``detect`` says whether lines look like it,
    ``parse`` reads them (line numbers from 1)."""

    format: TraceFormat
    detect: Callable[[Sequence[str]], bool]
    parse: Callable[[Sequence[str]], Trace]


def _hex(number: int, text: str) -> bytes:
    try:
        return parse_hex(text)
    except DecodeError as exc:
        raise DecodeError(f"trace line {number}: {exc.problem}") from None


def _command(number: int, data: bytes) -> bytes:
    # A trace records the wire as it was, so a malformed command (a test may send one on
    # purpose) is kept; only an empty one is not a command at all.
    if not data:
        raise DecodeError(f"trace line {number}: a command needs at least one byte")
    return data


def _response(number: int, data: bytes) -> bytes:
    if len(data) < MIN_RESPONSE:  # ISO/IEC 7816-4 5.1: the trailer SW1 SW2 is mandatory
        raise DecodeError(f"trace line {number}: a response needs SW1 SW2")
    return data


@dataclass
class _TextReader:
    """State of one pass over cardwire's format or scriptor output."""

    source: TraceFormat
    headers: dict[str, tuple[int, str]] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    pending: tuple[int, bytes] | None = None
    reset_line: int | None = None  # scriptor "> RESET" waiting for "< OK: ATR"

    def comment(self, number: int, body: str) -> None:
        key, separator, value = body.partition(":")
        name = key.strip().lower()
        if name == RESET_KEYWORD and (separator or not value):
            self.reset(number, _hex(number, value))
        elif separator and name in _HEADERS and name not in self.headers:
            self.headers[name] = (number, value.strip())
        else:
            self.comments.append(body.strip())

    def reset(self, number: int, atr: bytes) -> None:
        if self.pending is not None:
            raise DecodeError(
                f"trace line {number}: reset before the response to line {self.pending[0]}"
            )
        self.events.append(Reset(atr, number))

    def command(self, number: int, body: str) -> None:
        if body.strip().upper() == "RESET":  # scriptor's echo of a reset
            self.reset_line = number
            return
        if self.pending is not None:
            raise DecodeError(
                f"trace line {number}: a command follows the command of line {self.pending[0]} "
                "without a response between them"
            )
        payload = body.split(_ANNOTATION, 1)[0]
        self.pending = (number, _command(number, _hex(number, payload)))

    def response(self, number: int, body: str) -> None:
        if self.reset_line is not None:
            # scriptor: "< OK: 3B ..." answers "> RESET" with the new ATR.
            answer = body.strip()
            atr = _hex(number, answer[3:]) if answer.upper().startswith("OK:") else b""
            self.reset_line = None
            self.reset(number, atr)
            return
        if self.pending is None:
            raise DecodeError(f"trace line {number}: a response without a command before it")
        response = _response(number, _hex(number, body.split(_ANNOTATION, 1)[0]))
        line, command = self.pending
        self.events.append(Exchange(command, response, line))
        self.pending = None

    def header(self) -> Header:
        number, text = self.headers.get("version", (0, "0"))
        if not (text.isascii() and text.isdigit()):
            raise DecodeError(f"trace line {number}: the format version is not a number: {text!r}")
        if int(text) > FORMAT_VERSION:
            raise DecodeError(
                f"trace line {number}: format version {text} is newer than this cardwire reads "
                f"({FORMAT_VERSION})"
            )
        number, atr = self.headers.get("atr", (0, ""))
        return Header(
            version=int(text),
            tool=self.headers.get("tool", (0, ""))[1],
            atr=_hex(number, atr),
            reader=self.headers.get("reader", (0, ""))[1],
            time=self.headers.get("time", (0, ""))[1],
        )

    def trace(self) -> Trace:
        if self.pending is not None:
            raise DecodeError(f"trace line {self.pending[0]}: a command without a response")
        return Trace(tuple(self.events), self.header(), tuple(self.comments), self.source)


def _read_marked(lines: Sequence[str], source: TraceFormat) -> Trace:
    reader = _TextReader(source)
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        marker, body = line[0], line[1:]
        if marker == "#":
            reader.comment(number, body)
        elif marker == ">":
            reader.command(number, body)
        elif marker == "<":
            reader.response(number, body)
        elif source is TraceFormat.SCRIPTOR:
            if line.startswith(_SCRIPTOR_READER) and "reader" not in reader.headers:
                reader.headers["reader"] = (number, line[len(_SCRIPTOR_READER) :].strip())
            # Every other unmarked line is scriptor's echo of its script or a "Using" note.
        else:
            raise DecodeError(f"trace line {number}: expected '>', '<' or '#', got {marker!r}")
    return reader.trace()


def _read_pcscd(lines: Sequence[str]) -> Trace:
    events: list[Event] = []
    comments: list[str] = []
    pending: tuple[int, bytes] | None = None
    for number, raw in enumerate(lines, start=1):
        match = _PCSCD_LINE.search(_ANSI_ESCAPE.sub("", raw))
        if match is None:
            continue  # pcscd's other log lines
        data = _hex(number, match.group(2))
        if match.group(1) == "APDU":
            if pending is not None:
                raise DecodeError(
                    f"trace line {number}: APDU after the APDU of line {pending[0]} without a "
                    "SW line between them (interleaved readers?)"
                )
            pending = (number, _command(number, data))
            continue
        if pending is None:
            raise DecodeError(f"trace line {number}: SW line without an APDU line before it")
        line, command = pending
        pending = None
        if len(data) < MIN_RESPONSE:
            # pcsc-lite src/ifdwrapper.c logs the receive buffer even when the transmit failed.
            comments.append(f"line {line}: no response (the transmit failed)")
            continue
        events.append(Exchange(command, data, line))
    if pending is not None:
        comments.append(f"line {pending[0]}: the log ends before the response")
    return Trace(tuple(events), comments=tuple(comments), source=TraceFormat.PCSCD)


def _looks_scriptor(lines: Sequence[str]) -> bool:
    return any(line.strip().startswith((_SCRIPTOR_READER, "Using T=")) for line in lines)


def _looks_marked(lines: Sequence[str]) -> bool:
    return any(line.strip()[:1] in (">", "<", "#") for line in lines)


def _looks_pcscd(lines: Sequence[str]) -> bool:
    return any(_PCSCD_LINE.search(_ANSI_ESCAPE.sub("", line)) for line in lines)


CARDWIRE = Dialect(
    TraceFormat.CARDWIRE, _looks_marked, lambda ls: _read_marked(ls, TraceFormat.CARDWIRE)
)
SCRIPTOR = Dialect(
    TraceFormat.SCRIPTOR, _looks_scriptor, lambda ls: _read_marked(ls, TraceFormat.SCRIPTOR)
)
PCSCD = Dialect(TraceFormat.PCSCD, _looks_pcscd, _read_pcscd)
GPP = Dialect(TraceFormat.GPP, gpp.looks_like, gpp.parse)
YKMAN = Dialect(TraceFormat.YKMAN, ykman.looks_like, ykman.parse)
PYSIM = Dialect(TraceFormat.PYSIM, pysim.looks_like, pysim.parse)
OPENSC = Dialect(TraceFormat.OPENSC, opensc.looks_like, opensc.parse)
# Detection order: the first whose detector accepts the lines; cardwire's format otherwise.
# The foreign tools' markers are specific (pySim's "<- 9000:" would also pass for cardwire's
# "<", so it is asked first).
DIALECTS: tuple[Dialect, ...] = (SCRIPTOR, GPP, YKMAN, PYSIM, OPENSC, CARDWIRE, PCSCD)


# --- the reader ------------------------------------------------------------------------------


def detect(lines: Sequence[str]) -> Dialect:
    """The dialect ``lines`` are written in (cardwire's when none is recognised)."""
    return next((dialect for dialect in DIALECTS if dialect.detect(lines)), CARDWIRE)


def parse(text: str, dialect: TraceFormat | None = None) -> Trace:
    """Read a trace in any dialect (recognised automatically unless ``dialect`` forces one)."""
    lines = text.splitlines()
    if dialect is None:
        return detect(lines).parse(lines)
    chosen = next((d for d in DIALECTS if d.format is dialect), None)
    if chosen is None:
        raise DecodeError(f"no text reader for the {dialect} format (a binary capture)")
    return chosen.parse(lines)


def read(path: Path, dialect: TraceFormat | None = None) -> Trace:
    """Read and parse a trace file: a USB CCID capture (pcap or pcapng, recognised by its
    magic number) or text (UTF-8; undecodable bytes are a DecodeError)."""
    data = path.read_bytes()
    if dialect is TraceFormat.CCID or (dialect is None and is_capture(data)):
        return ccid.parse(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{path}: not a UTF-8 text file", exc.start) from None
    return parse(text, dialect)


def upgraded(trace: Trace) -> Trace:
    """``trace`` as the writer writes it: in cardwire's format, version :data:`FORMAT_VERSION`."""
    return replace(
        trace, header=replace(trace.header, version=FORMAT_VERSION), source=TraceFormat.CARDWIRE
    )


__all__ = [
    "CARDWIRE",
    "DIALECTS",
    "GPP",
    "OPENSC",
    "PCSCD",
    "PYSIM",
    "SCRIPTOR",
    "YKMAN",
    "Dialect",
    "detect",
    "format_trace",
    "parse",
    "read",
    "upgraded",
]
