"""The root group's lazy subcommands (cardwire.cli.app): what the help lists without importing
the commands' modules is what the commands say once imported."""

from __future__ import annotations

import importlib
import sys

import click
import pytest
from click.testing import CliRunner

from cardwire.cli import cli
from cardwire.cli.app import DECODE_COMMANDS, ENCODE_COMMANDS, ROOT_COMMANDS, LazyCommand

GROUPS: list[tuple[tuple[str, ...], dict[str, LazyCommand]]] = [
    ((), ROOT_COMMANDS),
    (("decode",), DECODE_COMMANDS),
    (("encode",), ENCODE_COMMANDS),
]


def _group(path: tuple[str, ...]) -> click.Group:
    group: click.Command = cli
    for name in path:
        assert isinstance(group, click.Group)
        found = group.get_command(click.Context(group), name)
        assert found is not None
        group = found
    assert isinstance(group, click.Group)
    return group


@pytest.mark.parametrize(
    ("path", "name", "entry"),
    [(path, name, entry) for path, table in GROUPS for name, entry in table.items()],
)
def test_lazy_summary_is_the_commands_own(
    path: tuple[str, ...], name: str, entry: LazyCommand
) -> None:
    group = _group(path)
    command = group.get_command(click.Context(group), name)
    assert command is not None, f"importing {entry.modules} did not register {name!r}"
    assert entry.summary == command.get_short_help_str(limit=sys.maxsize)


@pytest.mark.parametrize(("path", "table"), GROUPS)
def test_every_registered_command_is_listed(
    path: tuple[str, ...], table: dict[str, LazyCommand]
) -> None:
    for entry in table.values():
        for module in entry.modules:
            importlib.import_module(module)
    group = _group(path)
    own = {"decode", "encode"} if not path else set()
    assert set(group.commands) == set(table) | own


@pytest.mark.parametrize("path", [(), ("decode",), ("encode",)])
def test_help_lists_every_summary_in_full(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    listing = " ".join(result.output.partition("Commands:")[2].split())
    group = _group(path)
    for name in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), name)
        assert command is not None
        summary = " ".join(command.get_short_help_str(limit=sys.maxsize).split())
        assert f"{name} {summary}" in listing
    assert "..." not in listing


PROTOCOL_GROUPS = ["bac", "pace", "counter", "scp02", "scp03", "scp11", "keycard", "sm", "sim"]


@pytest.mark.parametrize("name", PROTOCOL_GROUPS)
def test_protocol_groups_list_their_subcommands_uncut(name: str) -> None:
    # issue 18: click's default listing cut `cardwire bac --help`'s summaries with "..."
    result = CliRunner().invoke(cli, [name, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    listing = " ".join(result.output.partition("Commands:")[2].split())
    group = cli.get_command(click.Context(cli), name)
    assert isinstance(group, click.Group)
    for sub in group.list_commands(click.Context(group)):
        command = group.get_command(click.Context(group), sub)
        assert command is not None
        summary = " ".join(command.get_short_help_str(limit=sys.maxsize).split())
        assert f"{sub} {summary}" in listing
    paths = ("../...", "./...", "m/...")  # keycard's key paths hold "..." of their own
    for path in paths:
        listing = listing.replace(path, "")
    assert "..." not in listing


def test_summaries_are_in_the_users_words() -> None:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=80)
    listing = " ".join(result.output.split())
    assert "counter Generic counter mode (ISO 7816-4 SM with a counter)." in listing
    assert "7816-4:2020 10.2" not in listing


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["decode", "nosuch"])
    assert result.exit_code == 2
    assert "No such command 'nosuch'" in result.output
