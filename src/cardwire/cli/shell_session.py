"""The shell's interpreter: one line in, what to print out (``cardwire shell``, docs/cli.md).

:class:`ShellSession` holds the card, the channels, where each channel is in the file tree,
the secure session open on each, the files seen and the last answer. The names it accepts are
the table of :mod:`cardwire.cli.shell_commands`: the shell's own map to one method here, the
named commands of scripts run through :func:`cardwire.scripting.named.build_command`. Any line
may end in ``expect SW [REGEX]``, checked as ``run`` checks it (issue 18, "one language").
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from cardwire import commands, telecom, tlv, tlv_names
from cardwire.apdu import Command, Response
from cardwire.card import Card, CardCommands, ReadProgress
from cardwire.channels import Channel
from cardwire.cli import tlv_view
from cardwire.cli.shell_commands import help_text, lookup
from cardwire.cli.shell_files import MF, FileInfo, FileTree, Location
from cardwire.errors import (
    CardwireError,
    DecodeError,
    SecureChannelError,
    TransportError,
    UsageError,
)
from cardwire.hexutil import parse_hex, to_hex
from cardwire.ins import Ins
from cardwire.scripting.grammar import Expectation, parse_expectation
from cardwire.scripting.named import NAMED_COMMANDS, PAD_FF, build_command, decimal
from cardwire.sw import SW, meaning
from cardwire.sw import check as check_sw

DO_DISCRETIONARY = 0x53  # ISO/IEC 7816-4:2020 clause 11: odd-INS READ BINARY answers DO 53


@dataclass
class Outcome:
    """What one line did: the lines to print, and whether it failed."""

    lines: list[str] = field(default_factory=list)
    failed: bool = False
    leave: bool = False


def data_lines(data: bytes) -> list[str]:
    """Data as hex, and as text when printable."""
    lines = [f"data: {to_hex(data)}"]
    if all(0x20 <= b < 0x7F for b in data):
        lines.append(f'text: "{data.decode("ascii")}"')
    return lines


def describe(response: Response, cla: int | None = None) -> list[str]:
    """A response as lines: data (hex, and text when printable), status word and meaning.
    An FCP/FCI/FMD is shown decoded instead (size, type, SFI, access rules; ``decode`` shows
    its objects). The status word is explained by the class of the command (``cla``): a SIM's
    for class A0 (cardwire.telecom)."""
    info = FileInfo.parse(response.data) if response.data else None
    if info is not None:
        lines = [f"file: {info.describe()}"]
    else:
        lines = data_lines(response.data) if response.data else []
    lines.append(f"sw: {response.sw:04X} ({telecom.meaning(response.sw, cla)})")
    return lines


def _failed(response: Response, cla: int | None = None) -> bool:
    if cla == telecom.GSM_CLA:
        return not telecom.gsm_success(response.sw)
    try:
        check_sw(response.sw)
    except CardwireError:
        return True
    return False


def _odd_read_data(command: Command, response: Response) -> bytes | None:
    """The file bytes of an odd-INS READ BINARY answer (the value of its DO 53), or None."""
    if command.ins != Ins.READ_BINARY_ODD or not response.data:
        return None
    try:
        node = tlv.parse_one(response.data, strict=False)
    except CardwireError:
        return None
    return node.value if node.tag == DO_DISCRETIONARY else None


AskSecret = Callable[[str], str]
ReadBars = Callable[[str], AbstractContextManager[ReadProgress | None]]


def no_bars(label: str) -> AbstractContextManager[ReadProgress | None]:
    return nullcontext()


class ShellSession:
    """The shell's state and its line interpreter. ``ask_secret`` reads a PIN without echo
    (None: PINs must be on the line, as when stdin is not a terminal); ``read_bars`` gives the
    progress callback of a whole-file read (``cat``, ``get``), named by the file."""

    def __init__(
        self, card: Card, ask_secret: AskSecret | None = None, read_bars: ReadBars = no_bars
    ) -> None:
        self.card = card
        self.ask_secret = ask_secret
        self.read_bars = read_bars
        self.channels: dict[int, Channel] = {}
        self.current = 0
        self.locations: dict[int, Location] = {}
        self.sessions: dict[int, str] = {}  # channel -> protocol name ("pace", "pace ended")
        self.files = FileTree()
        self.last: Response | None = None

    @property
    def location(self) -> Location:
        return self.locations.setdefault(self.current, Location())

    @property
    def prompt(self) -> str:
        """``cardwire[0:3F00/5000/5001 pace]> ``: channel, where it is, the secure session."""
        parts = f"{self.current}"
        where = self.location.text()
        if where:
            parts += f":{where}"
        session = self.sessions.get(self.current)
        if session:
            parts += f" {session}"
        return f"cardwire[{parts}]> "

    @property
    def target(self) -> CardCommands:
        return self.card if self.current == 0 else self.channels[self.current]

    def run_line(self, line: str) -> Outcome:
        """Interpret one line. Card refusals and bad input give a failed Outcome; transport
        errors propagate (the card is gone)."""
        words = line.split()
        if not words or words[0].startswith("#"):
            return Outcome()
        try:
            lowered = [word.lower() for word in words]
            expect = None
            if "expect" in lowered:  # `... expect SW [REGEX]`, checked before anything is sent
                at = lowered.index("expect")
                expect = parse_expectation(words[at + 1 :])
                words = words[:at]
                if not words:
                    raise UsageError("expect needs a command before it")
            before = self.last
            outcome = self._run_words(words)
            return outcome if expect is None else self._check(outcome, expect, before)
        except TransportError:
            raise
        except SecureChannelError as exc:
            return self._session_lost(exc)
        except CardwireError as exc:
            return Outcome([f"error: {exc}"], failed=True)

    def _run_words(self, words: list[str]) -> Outcome:
        command = lookup(words[0])
        if command is None:
            return self._send_hex(" ".join(words))
        handler = getattr(self, "_" + command.name.replace("-", "_"), None)
        if handler is None:  # a named command of the scripts' table, as it is
            return self._named(command.name, words[1:])
        outcome: Outcome = handler(words[1:])
        return outcome

    def _check(self, outcome: Outcome, expect: Expectation, before: Response | None) -> Outcome:
        """A failed expectation is reported as ``run`` reports it (expected, received)."""
        if self.last is None or self.last is before:
            outcome.lines.append("error: expect: the command sent nothing to check")
            outcome.failed = True
            return outcome
        mismatch = expect.mismatch(self.last)
        if mismatch is not None:
            outcome.lines.append(f"error: {mismatch}")
        outcome.failed = mismatch is not None
        return outcome

    def _session_lost(self, exc: SecureChannelError) -> Outcome:
        if self.current not in self.sessions:  # a handshake that failed: no session to end
            return Outcome([f"error: {exc}"], failed=True)
        name = self.sessions[self.current].removesuffix(" ended")
        self.sessions[self.current] = f"{name} ended"
        return Outcome(
            [
                f"error: {exc}",
                f"error: the {name} session on channel {self.current} has ended; nothing more "
                f"is sent in it. Go on with 'open {name} ...' for a new session, or 'close' "
                "to continue in plain",
            ],
            failed=True,
        )

    # -- sending -----------------------------------------------------------------------------

    def _exchange(self, command: Command) -> Response:
        response = self.target.send(command, check=False)
        self.last = response
        return response

    def _answer(self, command: Command) -> Outcome:
        response = self._exchange(command)
        file_bytes = _odd_read_data(command, response)
        if file_bytes is not None:
            lines = [*data_lines(file_bytes), "(the file bytes, from the DO 53 of the answer)"]
            lines.append(f"sw: {response.sw:04X} ({meaning(response.sw)})")
            return Outcome(lines, failed=_failed(response))
        return Outcome(describe(response, command.cla), failed=_failed(response, command.cla))

    def _send_hex(self, line: str) -> Outcome:
        try:
            raw = parse_hex(line)
        except DecodeError as exc:
            word = line.split(maxsplit=1)[0]
            raise UsageError(f"unknown command {word!r} and not hex ({exc}); try 'help'") from exc
        return self._answer(Command.decode(raw))

    # -- files ---------------------------------------------------------------------------------

    def _select_one(self, word: str) -> Outcome:
        """SELECT one step: ``..``, ``MF``, a FID or a DF name; the location follows."""
        here = self.location
        if word == ".." and here.ef is not None and here.path:
            # `..` from an EF is the DF holding it (pySim-shell): SELECT P1 = 03 would go to
            # the parent of that DF (ISO/IEC 7816-4:2020 clause 11), so the DF is selected again
            holder = parse_hex(here.path[-1])
            command = (
                commands.select_fid(holder) if len(holder) == 2 else commands.select_by_aid(holder)
            )
        elif word == "..":
            command = commands.select_parent()  # ISO/IEC 7816-4:2020 clause 11: P1 = 03
        elif word.upper() in ("MF", MF):
            command = commands.select_fid(bytes.fromhex(MF))
        else:
            value = parse_hex(word)
            if not value:
                raise UsageError("select needs a file identifier, a path or an AID")
            if len(value) == 2:
                command = commands.select_fid(value)
            else:
                command = commands.select_by_aid(value)
        response = self._exchange(command)
        outcome = Outcome(describe(response), failed=_failed(response))
        if outcome.failed:
            return outcome
        info = FileInfo.parse(response.data) or FileInfo()
        if word == ".." and here.ef is not None:
            here.ef = None
        elif word == "..":
            here.path, here.ef = here.path[:-1] or here.path, None
        elif word.upper() in ("MF", MF):
            here.path, here.ef = [MF], None
            self.files.record([], MF, FileInfo(fid=MF, is_df=True))
        elif len(parse_hex(word)) > 2:
            here.path, here.ef = [to_hex(parse_hex(word))], None
            self.files.names.add(here.path[0])
        else:
            self._moved_to(to_hex(parse_hex(word)), info)
        return outcome

    def _moved_to(self, fid: str, info: FileInfo) -> None:
        here = self.location
        if info.is_df is False:
            self.files.record(here.path, fid, info)
            here.ef = fid
            return
        # a DF: the parent, a sibling (seen under the parent) or a child of the current DF
        here.ef = None
        parent = here.path[:-1]
        if len(here.path) >= 2 and fid == here.path[-2]:
            here.path = parent
        elif parent and fid in self.files.under(parent):
            here.path = [*parent, fid]
        else:
            self.files.record(here.path, fid, info)
            here.path = [*here.path, fid]

    def _select(self, args: list[str]) -> Outcome:
        if len(args) != 1:
            raise UsageError("usage: select FID|PATH|AID|..|MF")
        steps = [step for step in args[0].split("/") if step]
        if args[0].startswith("/"):
            steps.insert(0, MF)
        outcome = Outcome()
        for step in steps:  # a path goes one SELECT per file, as pySim-shell's select does
            outcome = self._select_one(step)
            if outcome.failed:
                if len(steps) > 1:
                    outcome.lines.insert(0, f"error: select {args[0]}: stopped at {step}")
                return outcome
        return outcome

    def _ls(self, args: list[str]) -> Outcome:
        if args:
            raise UsageError("usage: ls")
        here = self.location
        seen = self.files.under(here.path)
        if not seen:
            return Outcome([f"(no file seen under {here.text() or 'this DF'} yet; select one)"])
        return Outcome([f"{fid}  {info.describe()}" for fid, info in sorted(seen.items())])

    def _read_current(self) -> tuple[bytes, list[bytes] | None]:
        """The current EF's bytes, or its records when it is a record EF; a read of more than
        one APDU shows its progress (``read_bars``), out of the FCP's size when known."""
        here = self.location
        info = self.files.under(here.path).get(here.ef or "")
        with self.read_bars(f"EF {here.text() or 'current'}") as progress:
            if info is None or info.structure is None or info.structure == "transparent":
                size = info.size if info is not None else None
                try:
                    return self.target.read_file(size=size, progress=progress), None
                except CardwireError as exc:
                    if (
                        info is not None
                        or getattr(exc, "sw", None) != SW.COMMAND_INCOMPATIBLE_WITH_FILE
                    ):
                        raise
            records: list[bytes] = []
            read = 0
            for number in range(1, 255):
                response = self._exchange(commands.read_record(number))
                if response.sw == SW.RECORD_NOT_FOUND:
                    break
                check_sw(response.sw)
                records.append(response.data)
                read += len(response.data)
                if progress is not None:
                    progress(read, None)
            return b"".join(records), records

    def _cat(self, args: list[str]) -> Outcome:
        if args:
            raise UsageError("usage: cat")
        data, records = self._read_current()
        if records is None:
            return Outcome([*data_lines(data), f"({len(data)} bytes)"])
        lines = []
        for number, record in enumerate(records, start=1):
            lines += [f"record {number}:", *(f"  {text}" for text in data_lines(record))]
        return Outcome(lines)

    def _get(self, args: list[str]) -> Outcome:
        if len(args) != 2:
            raise UsageError("usage: get FID|PATH LOCALFILE")
        outcome = self._select([args[0]])
        if outcome.failed:
            return outcome
        data, _ = self._read_current()
        Path(args[1]).write_bytes(data)
        return Outcome([f"{len(data)} bytes of {self.location.text()} saved to {args[1]}"])

    def _decode(self, args: list[str]) -> Outcome:
        if len(args) > 1:
            raise UsageError("usage: decode [iso7816|gp|icao|keycard]")
        if self.last is None or not self.last.data:
            raise UsageError("no answer with data to decode yet")
        nodes = tlv.parse(self.last.data, strict=False, deep=True)
        if not nodes:
            raise UsageError("the last answer holds no BER-TLV data object")
        name = args[0] if args else tlv_names.guess(nodes[0].tag)
        return Outcome(tlv_view.render(nodes, tlv_names.named(name)).splitlines())

    # -- named commands ---------------------------------------------------------------------

    def _named(self, name: str, args: list[str]) -> Outcome:
        """A named command of the scripts' table; a secret it prompts for, left off the line,
        is asked without echo (on a terminal)."""
        prompts = NAMED_COMMANDS[name].prompts
        if prompts and len([word for word in args if word != PAD_FF]) == 1:
            if self.ask_secret is None:
                usage = NAMED_COMMANDS[name].usage
                raise UsageError(f"usage: {usage} (the values are asked only on a terminal)")
            args = [*args, *(self.ask_secret(f"{prompt}: ") for prompt in prompts)]
        return self._answer(build_command(name, args))

    # -- channels, sessions, card ----------------------------------------------------------------

    def _open_channel(self, args: list[str]) -> Outcome:
        if args:
            raise UsageError("usage: open-channel")
        channel = self.target.open_channel()
        self.channels[channel.number] = channel
        return Outcome([f"channel {channel.number} open (switch with: channel {channel.number})"])

    def _channel_number(self, args: list[str], usage: str) -> int:
        if len(args) != 1:
            raise UsageError(f"usage: {usage}")
        number = decimal(args[0], "N", 0, 19)
        if number and number not in self.channels:
            open_ones = ", ".join(str(n) for n in [0, *sorted(self.channels)])
            raise UsageError(f"channel {number} is not open here (open: {open_ones})")
        return number

    def _channel(self, args: list[str]) -> Outcome:
        self.current = self._channel_number(args, "channel N")
        return Outcome([f"using channel {self.current}"])

    def _close_channel(self, args: list[str]) -> Outcome:
        number = self._channel_number(args, "close-channel N")
        if number == 0:
            raise UsageError("the basic channel 0 cannot be closed")
        self.channels[number].close()
        del self.channels[number]
        self.locations.pop(number, None)
        self.sessions.pop(number, None)
        if self.current == number:
            self.current = 0
        return Outcome([f"channel {number} closed; using channel {self.current}"])

    def _open(self, args: list[str]) -> Outcome:
        from cardwire.cli.secure_protocols import open_statement

        self.sessions.pop(self.current, None)  # open_statement ends the session held here
        open_statement(self.target, args)
        self.sessions[self.current] = args[0].lower()
        return Outcome([f"{args[0]} session open on channel {self.current}"])

    def _close(self, args: list[str]) -> Outcome:
        from cardwire.cli.secure_protocols import close_statement

        if args:
            raise UsageError("usage: close")
        close_statement(self.target)
        self.sessions.pop(self.current, None)
        return Outcome([f"secure session on channel {self.current} closed"])

    def _reset(self, args: list[str]) -> Outcome:
        if args:
            raise UsageError("usage: reset")
        atr = self.card.reset()
        self.channels.clear()
        self.locations.clear()
        self.sessions.clear()
        self.current = 0
        return Outcome([f"atr: {to_hex(atr)}"])

    def _help(self, args: list[str]) -> Outcome:
        return Outcome(help_text())

    def _exit(self, args: list[str]) -> Outcome:
        return Outcome(leave=True)
