"""The shell's command table: every name has a method, help lists every command."""

from __future__ import annotations

from cardwire.cli.shell_commands import ALIASES, COMMANDS, help_text, lookup
from cardwire.cli.shell_session import ShellSession


def test_every_command_has_a_method_and_a_help_line() -> None:
    text = "\n".join(help_text())
    for command in COMMANDS:
        assert callable(getattr(ShellSession, "_" + command.name.replace("-", "_")))
        assert f"  {command.usage}" in text


def test_lookup_is_case_blind_and_knows_aliases() -> None:
    assert lookup("SELECT") is lookup("cd") is lookup("select")
    assert lookup("quit") is lookup("exit")
    assert lookup("frobnicate") is None
    assert set(ALIASES.values()) <= {command.name for command in COMMANDS}
