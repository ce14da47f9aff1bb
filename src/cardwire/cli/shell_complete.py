"""Tab completion for ``cardwire shell`` (readline): command names, their options, protocol
names and options after ``open``, channel numbers, tag dictionaries, and the file identifiers,
paths and DF names the shell has seen (as opensc-explorer and pySim-shell complete files).
"""

from __future__ import annotations

import glob
from typing import TYPE_CHECKING

from cardwire.cli.shell_commands import ALIASES, Complete, all_commands, lookup
from cardwire.tlv_names import DICTIONARIES

if TYPE_CHECKING:
    from cardwire.cli.shell_session import ShellSession


def _protocol_words(words: list[str]) -> list[str]:
    from cardwire.cli.secure_protocols import load_protocols, protocol_params

    protocols = load_protocols()
    if len(words) <= 1:
        return sorted(protocols)
    protocol = protocols.get(words[1].lower())
    if protocol is None:
        return []
    names: list[str] = []
    for param in protocol_params(protocol):
        names += [opt for opt in param.opts if opt.startswith("--")]
    return sorted(names)


def _file_words(session: ShellSession) -> list[str]:
    here = session.location
    words = {"..", "MF", *session.files.identifiers()}
    # paths from the MF to every DF or EF seen there
    for parent, files in session.files.children.items():
        for fid in files:
            words.add("/".join([parent, fid]) if parent else fid)
    words.update(session.files.under(here.path))
    return sorted(words)


def _relative_words(session: ShellSession, partial: str) -> list[str]:
    """Completions of a path that starts with ``..`` (``../50``, ``../../3F00/``): the steps up
    are resolved as the shell's ``select`` resolves them (``..`` from an EF is the DF holding
    it, from a DF its parent, ISO/IEC 7816-4:2020 clause 11), then the files seen there."""
    steps = partial.split("/")
    done, last = steps[:-1], steps[-1]
    here = session.location
    base = list(here.path) if here.ef is not None else list(here.path[:-1])
    going_up = True
    for step in done[1:]:
        if step == ".." and going_up:
            base = base[:-1]
        elif step:
            going_up = False
            base.append(step.upper())
    prefix = "/".join(done) + "/"
    words = [prefix + fid for fid in session.files.under(base)]
    if going_up and ".".startswith(last):
        words.append(prefix + "..")
    return sorted(word for word in words if word.upper().startswith(partial.upper()))


def candidates(session: ShellSession, line: str) -> list[str]:
    """Every completion of the last (partial) word of ``line``."""
    words = line.split()
    partial = "" if line.endswith(" ") or not line else words.pop()
    if not words:
        names = [command.name for command in all_commands()] + list(ALIASES)
        return sorted(name for name in names if name.startswith(partial))
    command = lookup(words[0])
    if command is None:
        return []
    relative = partial.startswith("../") and len(words) == 1
    if relative and command.complete in (Complete.FILES, Complete.LOCAL):
        return _relative_words(session, partial)
    if partial.startswith("-") and command.options:
        options = list(command.options)
    elif command.complete is Complete.PROTOCOLS:
        options = _protocol_words(words)
    elif command.complete is Complete.FILES and len(words) == 1:
        options = _file_words(session)
    elif command.complete is Complete.LOCAL:
        if len(words) == 1:
            options = _file_words(session)
        else:
            return sorted(glob.glob(glob.escape(partial) + "*"))
    elif command.complete is Complete.CHANNELS and len(words) == 1:
        options = [str(number) for number in [0, *sorted(session.channels)]]
    elif command.complete is Complete.DICTIONARIES and len(words) == 1:
        options = list(DICTIONARIES)
    else:
        options = []
    upper = partial.upper()
    return [word for word in options if word.upper().startswith(upper)]


class Completer:
    """The readline completer function: ``readline.set_completer(Completer(session))``."""

    def __init__(self, session: ShellSession, buffer: object) -> None:
        self.session = session
        self.buffer = buffer  # readline.get_line_buffer
        self.matches: list[str] = []

    def __call__(self, text: str, state: int) -> str | None:
        if state == 0:
            line = self.buffer()  # type: ignore[operator]
            self.matches = [word + " " for word in candidates(self.session, line)]
        return self.matches[state] if state < len(self.matches) else None
