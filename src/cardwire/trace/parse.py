"""Reading traces leniently: cardwire's text format, scriptor output and ``pcscd -a`` logs.

cardwire's format (written by :func:`cardwire.tracing.format_trace`), one item per line::

    # atr: 3B8801007...
    # reader: Virtual PCD 00 00
    # time: 2026-01-01T12:00:00+00:00
    > 00A4040C07A0000002471001
    < 9000 : text after " : " is ignored, so scriptor output reads back
    # reset

``>`` is a command and ``<`` its response; ``#`` starts a comment; ``# atr:``, ``# reader:``
and ``# time:`` are headers (the first of each counts); ``# reset`` ends every session. Hex is
read in any case with spaces and colons.

scriptor output (pcsc-tools) is recognised by its ``Using ...`` lines: the script lines it echoes
are skipped, ``Using given card reader: NAME`` gives the reader, and ``> RESET`` / ``< OK: ATR``
is a reset.

The APDU log of ``pcscd --apdu`` (``-a``) is recognised by its ``APDU:`` and ``SW:`` lines
(pcsc-lite src/debuglog.c ``DebugLogCategory``, called around ``IFDTransmit`` in
src/ifdwrapper.c: each line is a time delta, optionally a thread id, then ``APDU: `` or ``SW: ``
and the bytes as ``%02X `` groups; ``SW:`` holds the whole response). Every other pcscd line is
ignored, and so are colour escapes (``pcscd -T``).

Malformed input raises :class:`DecodeError` naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cardwire.errors import DecodeError
from cardwire.hexutil import parse_hex
from cardwire.tracing import Trace

MIN_COMMAND = 4  # ISO 7816-4 5.1: every command APDU starts with CLA INS P1 P2
MIN_RESPONSE = 2  # ISO 7816-4 5.1: every response APDU ends with SW1 SW2

_COMMENT_SEPARATOR = " : "
_HEADERS = ("atr", "reader", "time")
_SCRIPTOR_READER = "Using given card reader:"
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
# pcsc-lite src/debuglog.c: log_xxd_always(..., "APDU: " / "SW: ", buffer) -> "%02X " per byte.
_PCSCD_LINE = re.compile(r"(?:^|\s)(APDU|SW):((?:\s+[0-9A-Fa-f]{2})*)\s*$")


class TraceFormat(StrEnum):
    """The dialect a trace was written in."""

    CARDWIRE = "cardwire"
    SCRIPTOR = "scriptor"
    PCSCD = "pcscd"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One command and its response as they went over the wire; ``line`` is the command's."""

    command: bytes
    response: bytes
    line: int

    @property
    def sw(self) -> int:
        return int.from_bytes(self.response[-2:], "big")


@dataclass(frozen=True, slots=True)
class Reset:
    """A card reset: every secure session ends here. ``atr`` when the trace gives it."""

    line: int
    atr: bytes = b""


Item = Exchange | Reset


@dataclass(frozen=True, slots=True)
class ParsedTrace:
    """A trace read back: headers, and exchanges and resets in order."""

    items: tuple[Item, ...] = ()
    atr: bytes = b""
    reader: str = ""
    time: str = ""
    comments: tuple[str, ...] = ()
    source: TraceFormat = TraceFormat.CARDWIRE

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        return tuple(item for item in self.items if isinstance(item, Exchange))

    def to_trace(self) -> Trace:
        """The :class:`cardwire.tracing.Trace` value (resets dropped), e.g. to write it back."""
        return Trace(
            exchanges=tuple((item.command, item.response) for item in self.exchanges),
            atr=self.atr,
            reader=self.reader,
            time=self.time,
            comments=self.comments,
        )


def read(path: Path) -> ParsedTrace:
    """Read and parse a trace file (UTF-8; undecodable bytes are a DecodeError)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{path}: not a UTF-8 text file", exc.start) from None
    return parse(text)


def parse(text: str | Iterable[str]) -> ParsedTrace:
    """Parse a trace in any of the three dialects (recognised automatically)."""
    lines = text.splitlines() if isinstance(text, str) else [line.rstrip("\n") for line in text]
    source = detect(lines)
    if source is TraceFormat.PCSCD:
        return _parse_pcscd(lines)
    return _parse_text(lines, source)


def detect(lines: list[str]) -> TraceFormat:
    """Which dialect ``lines`` are written in."""
    stripped = [line.strip() for line in lines]
    if any(line.startswith(_SCRIPTOR_READER) or line.startswith("Using T=") for line in stripped):
        return TraceFormat.SCRIPTOR
    if any(line[:1] in (">", "<") for line in stripped):
        return TraceFormat.CARDWIRE
    if any(_PCSCD_LINE.search(_ANSI_ESCAPE.sub("", line)) for line in lines):
        return TraceFormat.PCSCD
    return TraceFormat.CARDWIRE


def _hex(number: int, text: str) -> bytes:
    try:
        return parse_hex(text)
    except DecodeError as exc:
        raise DecodeError(f"trace line {number}: {exc.problem}") from None


def _check_command(number: int, command: bytes) -> bytes:
    if len(command) < MIN_COMMAND:
        raise DecodeError(
            f"trace line {number}: a command needs CLA INS P1 P2, got {len(command)} bytes"
        )
    return command


class _TextReader:
    """State of one pass over cardwire's format or scriptor output."""

    def __init__(self, source: TraceFormat) -> None:
        self.source = source
        self.headers: dict[str, str] = {}
        self.header_lines: dict[str, int] = {}
        self.comments: list[str] = []
        self.items: list[Item] = []
        self.pending: tuple[int, bytes] | None = None
        self.reset_line: int | None = None  # scriptor "> RESET" waiting for "< OK: ATR"

    def comment(self, number: int, body: str) -> None:
        key, separator, value = body.partition(":")
        name = key.strip().lower()
        if separator and name in _HEADERS and name not in self.headers:
            self.headers[name] = value.strip()
            self.header_lines[name] = number
        elif body.strip().lower() == "reset":
            self.reset(number, b"")
        else:
            self.comments.append(body.strip())

    def reset(self, number: int, atr: bytes) -> None:
        if self.pending is not None:
            raise DecodeError(
                f"trace line {number}: reset before the response to line {self.pending[0]}"
            )
        self.items.append(Reset(number, atr))

    def command(self, number: int, body: str) -> None:
        if body.strip().upper() == "RESET":  # scriptor's echo of a reset
            self.reset_line = number
            return
        if self.pending is not None:
            raise DecodeError(
                f"trace line {number}: a command follows the command of line {self.pending[0]} "
                "without a response between them"
            )
        payload = body.split(_COMMENT_SEPARATOR, 1)[0]
        self.pending = (number, _check_command(number, _hex(number, payload)))

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
        payload = body.split(_COMMENT_SEPARATOR, 1)[0]
        response = _hex(number, payload)
        if len(response) < MIN_RESPONSE:
            raise DecodeError(f"trace line {number}: a response needs SW1 SW2")
        line, command = self.pending
        self.items.append(Exchange(command, response, line))
        self.pending = None


def _parse_text(lines: list[str], source: TraceFormat) -> ParsedTrace:
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
                reader.headers["reader"] = line[len(_SCRIPTOR_READER) :].strip()
            # Every other unmarked line is scriptor's echo of its script or a "Using" note.
        else:
            raise DecodeError(f"trace line {number}: expected '>', '<' or '#', got {marker!r}")
    if reader.pending is not None:
        raise DecodeError(f"trace line {reader.pending[0]}: a command without a response")
    atr_text = reader.headers.get("atr", "")
    atr = _hex(reader.header_lines.get("atr", 0), atr_text) if atr_text else b""
    return ParsedTrace(
        items=tuple(reader.items),
        atr=atr,
        reader=reader.headers.get("reader", ""),
        time=reader.headers.get("time", ""),
        comments=tuple(reader.comments),
        source=source,
    )


def _parse_pcscd(lines: list[str]) -> ParsedTrace:
    items: list[Item] = []
    comments: list[str] = []
    pending: tuple[int, bytes] | None = None
    for number, raw in enumerate(lines, start=1):
        match = _PCSCD_LINE.search(_ANSI_ESCAPE.sub("", raw))
        if match is None:
            continue  # pcscd's other log lines
        kind, digits = match.group(1), match.group(2)
        data = _hex(number, digits)
        if kind == "APDU":
            if pending is not None:
                raise DecodeError(
                    f"trace line {number}: APDU after the APDU of line {pending[0]} without a "
                    "SW line between them (interleaved readers?)"
                )
            pending = (number, _check_command(number, data))
            continue
        if pending is None:
            raise DecodeError(f"trace line {number}: SW line without an APDU line before it")
        line, command = pending
        pending = None
        if len(data) < MIN_RESPONSE:
            # pcsc-lite src/ifdwrapper.c logs the receive buffer even when the transmit failed.
            comments.append(f"line {line}: no response (the transmit failed)")
            continue
        items.append(Exchange(command, data, line))
    if pending is not None:
        comments.append(f"line {pending[0]}: the log ends before the response")
    return ParsedTrace(items=tuple(items), comments=tuple(comments), source=TraceFormat.PCSCD)


__all__ = [
    "Exchange",
    "Item",
    "ParsedTrace",
    "Reset",
    "TraceFormat",
    "detect",
    "parse",
    "read",
]
