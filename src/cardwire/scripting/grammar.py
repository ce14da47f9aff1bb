"""APDU scripts: the grammar and its parser (sans-IO: text in, statements out).

A superset of pcsc-tools' ``scriptor`` format (LudovicRousseau/pcsc-tools, ``scriptor`` and
``scriptor.1``: one APDU in hex per line, spaces optional; ``reset``; ``exit``; ``#`` comment
lines; a line ending in ``\\`` continues on the next), so a scriptor file runs unchanged.
One statement per line (keywords in any case)::

    # a comment (also after a statement, when the # starts a word)
    HEX [expect SW [REGEX]]   an APDU; SW may hold X digits (61XX); REGEX must match the whole
                              response data, in uppercase hex (spaces in it are ignored)
    reset                     reset the card (channels and secure sessions end)
    exit                      stop here (the rest of the file is not read)
    set NAME HEX              define ${NAME}; ${NAME} is replaced by its hex on later lines
    open-channel              MANAGE CHANNEL open (the card assigns the number)
    channel N                 send the next APDUs on channel N (0, or one opened before)
    close-channel N           MANAGE CHANNEL close
    open PROTOCOL [OPTIONS]   open a secure session (bac, scp03, keycard, pace), e.g.
                              open bac --mrz L898902C<369080619406236
    close                     end the secure session of the channel in use
    NAME ARGS [expect ...]    a named command of the shell, as in ``cardwire shell``:
                              select FID|AID, read-binary [OFFSET [LEN]], read-record N,
                              verify REF PIN (hidden in the output), get-challenge [LEN]
                              (:mod:`cardwire.scripting.named`)

The whole text is parsed before anything is sent: a syntax error (an unknown statement, bad
hex, an APDU that does not decode, an undefined ${NAME}, a bad SW pattern or REGEX) raises a
:class:`UsageError` naming the line.

Substitution is bounded, so a few lines cannot ask for gigabytes (``set A ${A}${A}`` repeated
thirty times would need 11 GB): a line holds at most :data:`MAX_LINE_CHARS` characters once
its ``${NAME}`` are replaced (room for the largest extended APDU, 65,545 bytes written as
``XX`` with a space, and an expectation), and the replacements of the whole script add at most
:data:`MAX_ADDED_CHARS` characters. Beyond either, the parse stops with a UsageError (exit 2)
before the size is reached and before anything is sent.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from cardwire.apdu import Command, Response
from cardwire.cla import MAX_CHANNEL
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.scripting.named import NAMED_COMMANDS, build_command
from cardwire.sw import meaning

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_SW_PATTERN = re.compile(r"[0-9A-Fa-fXx]{4}")
_HEX_WORD = re.compile(r"(0[xX])?[0-9A-Fa-f:]*")
_TRAILING_COMMENT = re.compile(r"(^|\s)#.*$")
MAX_LINE_CHARS = 256 * 1024  # one line after substitution (module doc)
MAX_ADDED_CHARS = 16 * 1024 * 1024  # all substitutions of a script together


@dataclass(frozen=True, slots=True)
class Expectation:
    """``expect SW [REGEX]``: a status-word pattern (``X`` matches any digit) and, optionally,
    a regular expression the whole response data (uppercase hex) must match."""

    sw: str
    data: re.Pattern[str] | None = None

    def sw_matches(self, sw: int) -> bool:
        received = f"{sw:04X}"
        return all(want in ("X", got) for want, got in zip(self.sw, received, strict=True))

    def data_matches(self, data: bytes) -> bool:
        return self.data is None or self.data.fullmatch(to_hex(data)) is not None

    def describe(self) -> str:
        """What is expected, in words."""
        if self.data is None:
            return f"SW {self.sw}"
        return f"SW {self.sw} and data matching {self.data.pattern}"

    def mismatch(self, response: Response) -> str | None:
        """None when ``response`` meets the expectation, else what differs (one line)."""
        if not self.sw_matches(response.sw):
            return f"expected SW {self.sw}, received {response.sw:04X} ({meaning(response.sw)})"
        if not self.data_matches(response.data):
            assert self.data is not None
            received = to_hex(response.data) or "no data"
            return f"expected data matching {self.data.pattern}, received {received}"
        return None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a statement came from: its (first) line number and its text as written, without
    a trailing comment."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class _Step:
    """What every statement has: where in the script it came from."""

    source: Source


@dataclass(frozen=True, slots=True)
class SendApdu(_Step):
    """An APDU, written in hex or as a named command (``secret``: its data is hidden in output)."""

    apdu: bytes
    expect: Expectation | None = None
    secret: bool = False


@dataclass(frozen=True, slots=True)
class Reset(_Step):
    """``reset``: reset the card (channels and secure sessions end)."""


@dataclass(frozen=True, slots=True)
class OpenChannel(_Step):
    """``open-channel``: MANAGE CHANNEL open, the card assigns the number."""


@dataclass(frozen=True, slots=True)
class UseChannel(_Step):
    """``channel N``: the next APDUs go to channel ``number``."""

    number: int


@dataclass(frozen=True, slots=True)
class CloseChannel(_Step):
    """``close-channel N``: MANAGE CHANNEL close of channel ``number``."""

    number: int


@dataclass(frozen=True, slots=True)
class OpenSecure(_Step):
    """``open PROTOCOL [OPTIONS]``: ``words`` are PROTOCOL and its options (may hold secrets)."""

    words: tuple[str, ...]

    @property
    def protocol(self) -> str:
        return self.words[0]


@dataclass(frozen=True, slots=True)
class CloseSecure(_Step):
    """``close``: end the secure session of the channel in use."""


Statement = SendApdu | Reset | OpenChannel | UseChannel | CloseChannel | OpenSecure | CloseSecure


@dataclass(frozen=True, slots=True)
class Script:
    """A parsed script: its statements in order (``set`` and ``exit`` are resolved away)."""

    statements: tuple[Statement, ...]

    @property
    def apdu_count(self) -> int:
        return sum(isinstance(statement, SendApdu) for statement in self.statements)


def _logical_lines(text: str) -> Iterator[Source]:
    """Physical lines joined at a trailing backslash (scriptor), with the first line number."""
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.rstrip()
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        yield Source(start, " ".join(part.strip() for part in pending).strip())
        pending = []
    if pending:
        yield Source(start, " ".join(part.strip() for part in pending).strip())


class _Parser:
    """One pass over the lines; ``variables`` hold the ``set`` values seen so far."""

    def __init__(self, raw: bool) -> None:
        self.raw = raw
        self.variables: dict[str, str] = {}
        self.added = 0  # characters the substitutions have added so far

    def value(self, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise UsageError(f"${{{name}}} is not a variable name")
        if name not in self.variables:
            raise UsageError(f"${{{name}}} is not defined (define it with: set {name} HEX)")
        return self.variables[name]

    def substitute(self, text: str) -> str:
        matches = list(_REFERENCE.finditer(text))
        if not matches:
            return text
        # the size is known before anything is built: refuse, never allocate, beyond the limits
        size = len(text) + sum(len(self.value(m.group(1))) - len(m.group(0)) for m in matches)
        if size > MAX_LINE_CHARS:
            raise UsageError(
                f"the line would hold {size} characters once its variables are replaced "
                f"(at most {MAX_LINE_CHARS})"
            )
        self.added += max(0, size - len(text))
        if self.added > MAX_ADDED_CHARS:
            raise UsageError(f"the variables add more than {MAX_ADDED_CHARS} characters in all")
        return _REFERENCE.sub(lambda m: self.value(m.group(1)), text)

    def statement(self, source: Source) -> Statement | None:
        if not source.text:
            return None
        text = self.substitute(source.text)
        words = text.split()
        if not words:
            return None
        keyword, args = words[0].lower(), words[1:]
        if keyword == "set":
            self.define(args)
            return None
        if keyword == "reset":
            self.no_arguments(keyword, args)
            return Reset(source)
        if keyword == "open-channel":
            self.no_arguments(keyword, args)
            return OpenChannel(source)
        if keyword == "channel":
            return UseChannel(source, self.channel_number(keyword, args, 0))
        if keyword == "close-channel":
            return CloseChannel(source, self.channel_number(keyword, args, 1))
        if keyword == "open":
            return self.open_secure(source, text)
        if keyword == "close":
            self.no_arguments(keyword, args)
            return CloseSecure(source)
        if keyword in NAMED_COMMANDS:
            return self.named(source, keyword, words)
        return self.send(source, words)

    def define(self, args: list[str]) -> None:
        if len(args) < 2 or not _NAME.fullmatch(args[0]):
            raise UsageError("usage: set NAME HEX (NAME: letters, digits, _)")
        self.variables[args[0]] = to_hex(parse_hex(*args[1:]))

    @staticmethod
    def no_arguments(keyword: str, args: list[str]) -> None:
        if args:
            raise UsageError(f"{keyword} takes no arguments, got {' '.join(args)!r}")

    @staticmethod
    def channel_number(keyword: str, args: list[str], low: int) -> int:
        # Logical channels 0-19 (ISO/IEC 7816-4:2020 5.4.2); channel 0 is never closed.
        number = args[0] if len(args) == 1 else ""
        if not (number.isascii() and number.isdigit()) or not low <= int(number) <= MAX_CHANNEL:
            raise UsageError(f"usage: {keyword} N (N: {low}..{MAX_CHANNEL})")
        return int(number)

    def open_secure(self, source: Source, text: str) -> OpenSecure:
        if self.raw:
            raise UsageError("open needs the host layers; it cannot run with --raw")
        try:
            words = shlex.split(text, comments=True)[1:]
        except ValueError as exc:
            raise UsageError(f"open: {exc}") from exc
        if not words:
            raise UsageError("usage: open PROTOCOL [OPTIONS] (bac, scp03, keycard, pace)")
        return OpenSecure(source, tuple(words))

    def named(self, source: Source, keyword: str, words: list[str]) -> SendApdu:
        """A named command of the shell (``select 5001``, ``read-binary 0 5``, ...)."""
        lowered = [word.lower() for word in words]
        at = lowered.index("expect") if "expect" in lowered else len(words)
        command = build_command(keyword, words[1:at])
        expect = self.expectation(words[at + 1 :]) if at < len(words) else None
        return SendApdu(source, command.encode(), expect, NAMED_COMMANDS[keyword].secret)

    def send(self, source: Source, words: list[str]) -> SendApdu:
        lowered = [word.lower() for word in words]
        at = lowered.index("expect") if "expect" in lowered else len(words)
        hex_words, expect_words = words[:at], words[at + 1 :]
        if not hex_words:
            raise UsageError("expect needs an APDU before it")
        if not _HEX_WORD.fullmatch(hex_words[0]):
            raise UsageError(f"unknown statement {hex_words[0]!r} (and not hex)")
        apdu = parse_hex(*hex_words)
        if not self.raw:
            try:
                Command.decode(apdu)
            except DecodeError as exc:
                raise UsageError(f"not a command APDU: {exc}") from exc
        expect = self.expectation(expect_words) if at < len(words) else None
        return SendApdu(source, apdu, expect)

    @staticmethod
    def expectation(words: list[str]) -> Expectation:
        if not words or not _SW_PATTERN.fullmatch(words[0]):
            raise UsageError("usage: HEX expect SW [REGEX] (SW: 4 hex digits or X, e.g. 61XX)")
        pattern = "".join(words[1:])
        if not pattern:
            return Expectation(words[0].upper())
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise UsageError(f"expect: bad REGEX {pattern!r}: {exc}") from exc
        return Expectation(words[0].upper(), compiled)


def parse_expectation(words: list[str]) -> Expectation:
    """``SW [REGEX]`` (the words after ``expect``) as an :class:`Expectation`; the shell uses it
    for its ``expect`` (one language with scripts)."""
    return _Parser.expectation(words)


def parse_script(text: str, *, raw: bool = False) -> Script:
    """Parse a whole script; a syntax error raises :class:`UsageError` ``line N: ...``.

    ``raw`` (no host layers) accepts any hex as an APDU and refuses ``open``.
    """
    parser = _Parser(raw)
    statements: list[Statement] = []
    for logical in _logical_lines(text):
        first = logical.text.split(maxsplit=1)[0].lower() if logical.text else ""
        if first == "exit":  # scriptor: nothing after exit is read
            break
        source = Source(logical.line, _TRAILING_COMMENT.sub("", logical.text).rstrip())
        try:
            statement = parser.statement(source)
        except (UsageError, DecodeError) as exc:
            raise UsageError(f"line {source.line}: {exc}") from exc
        if statement is not None:
            statements.append(statement)
    return Script(tuple(statements))
