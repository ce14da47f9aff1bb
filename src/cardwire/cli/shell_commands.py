"""The shell's named commands as one table: name, arguments, help and what completes them.

The table is data only (no card, no click), so the ``run`` script grammar can adopt the same
names later (issue 18, "One language"): :data:`COMMANDS` says what each command takes, and
``cardwire.cli.shell_cmd.ShellSession`` maps each name to the method that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Complete(Enum):
    """What the words after a command name complete to."""

    NOTHING = "nothing"
    FILES = "files"  # file identifiers, paths and DF names the shell has seen, and ..
    PROTOCOLS = "protocols"  # secure protocol names, then that protocol's options
    CHANNELS = "channels"  # channel numbers open here
    DICTIONARIES = "dictionaries"  # TLV tag-name dictionaries (decode)
    LOCAL = "local"  # a FID, then a local file name (get)


@dataclass(frozen=True)
class ShellCommand:
    """One named command: its name, its arguments (usage), a one-line help, its completion,
    and the options it takes (completed after a ``-``)."""

    name: str
    args: str
    help: str
    complete: Complete = Complete.NOTHING
    options: tuple[str, ...] = ()

    @property
    def usage(self) -> str:
        return f"{self.name} {self.args}".rstrip()


PIN_OPTIONS = ("--pad-ff",)

COMMANDS: tuple[ShellCommand, ...] = (
    ShellCommand(
        "select",
        "FID|PATH|AID|..|MF",
        "SELECT a file by identifier (5001), path (3F00/5000/5001), parent (..), the MF "
        "or an application by name",
        Complete.FILES,
    ),
    ShellCommand("ls", "", "the files of the current DF the shell has seen (with their FCP)"),
    ShellCommand("cat", "", "the whole current EF (transparent: all bytes; records: each one)"),
    ShellCommand("get", "FID|PATH LOCALFILE", "select an EF and save its bytes", Complete.LOCAL),
    ShellCommand("read-binary", "[OFFSET [LEN]]", "READ BINARY of the current EF (default 0 256)"),
    ShellCommand("read-record", "N", "READ RECORD N of the current record EF"),
    ShellCommand("update-binary", "[OFFSET] HEX", "UPDATE BINARY at OFFSET (default 0)"),
    ShellCommand("update-record", "N HEX", "UPDATE RECORD N of the current record EF"),
    ShellCommand(
        "verify",
        "[--pad-ff] REF [PIN]",
        "VERIFY the PIN (ASCII; asked without echo when left out)",
        options=PIN_OPTIONS,
    ),
    ShellCommand(
        "change-pin",
        "[--pad-ff] REF [OLD NEW]",
        "CHANGE REFERENCE DATA (asked without echo when left out)",
        options=PIN_OPTIONS,
    ),
    ShellCommand(
        "unblock-pin",
        "[--pad-ff] REF [PUK NEW]",
        "RESET RETRY COUNTER with the PUK (asked without echo when left out)",
        options=PIN_OPTIONS,
    ),
    ShellCommand("get-data", "TAG", "GET DATA of a data object (tag in hex: 5F52, 9F7F, 66)"),
    ShellCommand("get-challenge", "[LEN]", "GET CHALLENGE (default 8 bytes)"),
    ShellCommand(
        "decode",
        "[DICT]",
        "the last answer's data as TLV, tags named (iso7816, gp, icao, keycard)",
        Complete.DICTIONARIES,
    ),
    ShellCommand("open-channel", "", "MANAGE CHANNEL open (the card assigns the number)"),
    ShellCommand("channel", "N", "use channel N (0 or one opened here)", Complete.CHANNELS),
    ShellCommand("close-channel", "N", "MANAGE CHANNEL close", Complete.CHANNELS),
    ShellCommand(
        "open",
        "NAME [OPTIONS]",
        "run a secure protocol's handshake on this channel (open bac --mrz ...)",
        Complete.PROTOCOLS,
    ),
    ShellCommand("close", "", "end the secure session on this channel"),
    ShellCommand("reset", "", "reset the card (channels and secure sessions end)"),
    ShellCommand("help", "", "this text"),
    ShellCommand("exit", "", "leave (end of input does too)"),
)

ALIASES = {"quit": "exit", "cd": "select"}

BY_NAME = {command.name: command for command in COMMANDS}


def lookup(name: str) -> ShellCommand | None:
    """The command called ``name`` (any case, aliases too), or None."""
    name = name.lower()
    return BY_NAME.get(ALIASES.get(name, name))


def help_text() -> list[str]:
    """The ``help`` lines: one per command, usage then help."""
    width = max(len(command.usage) for command in COMMANDS) + 2
    lines = [
        "commands (hex is any case, spaces and colons allowed; numbers are decimal):",
        f"  {'HEX'.ljust(width)}send a command APDU (on channel N > 0 its CLA gets channel N)",
    ]
    lines += [f"  {command.usage.ljust(width)}{command.help}" for command in COMMANDS]
    return lines
