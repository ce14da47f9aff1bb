"""The shell's command table: one source with the scripts' named commands, every name runs,
help lists every command."""

from __future__ import annotations

import pytest

from cardwire import commands
from cardwire.cli.shell_commands import ALIASES, all_commands, help_text, lookup
from cardwire.cli.shell_complete import candidates
from cardwire.cli.shell_session import ShellSession
from cardwire.scripting import named
from cardwire.scripting.grammar import SendApdu, parse_script
from cardwire.sim import open_card


def test_every_command_runs_and_has_a_help_line() -> None:
    text = "\n".join(help_text())
    for command in all_commands():
        method = getattr(ShellSession, "_" + command.name.replace("-", "_"), None)
        assert callable(method) or command.name in named.NAMED_COMMANDS
        assert f"  {command.usage}" in text


def test_every_named_command_of_the_scripts_is_a_shell_command() -> None:
    shell_names = {command.name for command in all_commands()}
    assert set(named.NAMED_COMMANDS) <= shell_names
    assert {"update-binary", "get-data", "change-pin", "unblock-pin"} <= set(named.NAMED_COMMANDS)


def test_a_command_added_once_is_valid_in_scripts_and_in_the_shell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # issue 18, "one language": one table; a new entry needs no second one in the shell
    entry = named.NamedCommand(
        "get-eight", "get-eight", "GET CHALLENGE of 8", lambda args: commands.get_challenge(8)
    )
    monkeypatch.setitem(named.NAMED_COMMANDS, "get-eight", entry)
    (statement,) = parse_script("get-eight expect 9000\n").statements
    assert isinstance(statement, SendApdu)
    assert statement.apdu == bytes.fromhex("0084000008")
    session = ShellSession(open_card())
    assert "get-eight" in "\n".join(help_text())
    assert candidates(session, "get-e") == ["get-eight"]
    outcome = session.run_line("get-eight")
    assert not outcome.failed, outcome.lines
    assert session.last is not None and len(session.last.data) == 8


def test_lookup_is_case_blind_and_knows_aliases() -> None:
    assert lookup("SELECT") is lookup("cd") is lookup("select")
    assert lookup("quit") is lookup("exit")
    assert lookup("frobnicate") is None
    assert set(ALIASES.values()) <= {command.name for command in all_commands()}
