"""The shell's commands as one table: name, arguments, help and what completes them.

Every named command of ``run`` scripts (:data:`cardwire.scripting.named.NAMED_COMMANDS`, the
one source, issue 18 "One language") is a shell command too, with its usage and summary from
there; the entries here are the shell's own (files, channels, sessions, help) and the one it
widens (``select`` also takes paths, ``..`` and MF). A named command the shell does not widen
runs through :func:`cardwire.scripting.named.build_command`, so adding a command to that
table makes it valid in both. ``cardwire.cli.shell_session.ShellSession`` runs each line.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from cardwire.scripting.named import NAMED_COMMANDS, NamedCommand


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


_FILES: tuple[ShellCommand, ...] = (
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
)
_SESSION: tuple[ShellCommand, ...] = (
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
_OWN = {command.name: command for command in (*_FILES, *_SESSION)}


def _from_named(named: NamedCommand) -> ShellCommand:
    """A script's named command as a shell command: its usage, its summary, its options; the
    secret values it prompts for may be left off the line."""
    args = named.usage.removeprefix(named.name).strip()
    summary = named.summary
    if named.prompts:
        summary += " (left off: asked without echo)"
    return ShellCommand(named.name, args, summary, options=named.options)


def all_commands() -> list[ShellCommand]:
    """Every shell command: the file commands, then every named command of the scripts (the
    shell's own where it widens one), then channels, sessions and the rest."""
    named = [_OWN.get(name) or _from_named(entry) for name, entry in NAMED_COMMANDS.items()]
    listed = [*_FILES, *(command for command in named if command.name not in _OWN)]
    return [*listed, *_SESSION]


ALIASES = {"quit": "exit", "cd": "select"}


def lookup(name: str) -> ShellCommand | None:
    """The command called ``name`` (any case, aliases too), or None."""
    name = name.lower()
    name = ALIASES.get(name, name)
    if name in _OWN:
        return _OWN[name]
    named = NAMED_COMMANDS.get(name)
    return None if named is None else _from_named(named)


def help_text() -> list[str]:
    """The ``help`` lines: one per command, usage then help."""
    commands = all_commands()
    width = max(len(command.usage) for command in commands) + 2
    lines = [
        "commands (hex is any case, spaces and colons allowed; numbers are decimal):",
        f"  {'HEX'.ljust(width)}send a command APDU (on channel N > 0 its CLA gets channel N)",
    ]
    lines += [f"  {command.usage.ljust(width)}{command.help}" for command in commands]
    lines.append(
        f"  {'... expect SW [REGEX]'.ljust(width)}after any command: check its (last) answer, "
        "as in run scripts"
    )
    return lines
