"""The secure-protocol registry: option parsing, ``open``/``close`` statements, and the
``cardwire NAME send`` group built from one registration (with a counter-mode test protocol
whose card side is an in-test transport)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import click
import pytest
from click.testing import CliRunner

from cardwire.apdu import Command, Response
from cardwire.card import Card, CardCommands
from cardwire.cli import cli
from cardwire.cli.secure_protocols import (
    PROTOCOLS,
    SecureProtocol,
    add_protocol,
    close_statement,
    load_protocols,
    open_statement,
    parse_options,
    protocol_command,
    protocol_params,
    register,
)
from cardwire.errors import UsageError
from cardwire.sm.base import HostSecureSession
from cardwire.sm.counter import CounterCard, CounterHost
from cardwire.sm.iso7816 import TdesSuite

KEYS = bytes(range(16)), bytes(range(16, 32))


class CounterModeCard:
    """A card that answers GET CHALLENGE with a 2-byte counter and then runs the generic
    counter mode (seed 003) on everything protected; plain commands are echoed with 9000."""

    def __init__(self) -> None:
        self.session: CounterCard | None = None
        self.atr = bytes.fromhex("3B00")
        self.name = "counter card"

    def transmit(self, apdu: bytes) -> bytes:
        command = Command.decode(apdu)
        if self.session is not None and self.session.handles(command):
            plain = self.session.unwrap(command)
            return self.session.wrap(Response(plain.data[::-1] or b"\x01")).encode()
        if command.ins == 0x84:
            self.session = CounterCard(TdesSuite(*KEYS), b"\x12\x34")
            return b"\x12\x34\x90\x00"
        return b"\x90\x00"

    def reset(self, cold: bool = False) -> bytes:
        self.session = None
        return self.atr

    def close(self) -> None:
        self.session = None


def open_counter(card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
    if values.get("width") != 2:
        raise UsageError("counter mode needs --width 2 here")
    challenge = card.send(Command(0x00, 0x84, 0, 0, ne=2)).data
    return CounterHost.from_challenge(TdesSuite(*KEYS), challenge)


TEST_PROTOCOL = SecureProtocol(
    name="countertest",
    summary="A counter-mode test protocol. Second sentence.",
    options=(
        click.option("--width", type=int, help="Counter width."),
        click.option("--label", default="x", help="Unused."),
    ),
    establish=open_counter,
    example="cardwire countertest --width 2 send --sim 00000000",
)


@pytest.fixture
def registered() -> Iterator[SecureProtocol]:
    register(TEST_PROTOCOL)
    try:
        yield TEST_PROTOCOL
    finally:
        PROTOCOLS.pop(TEST_PROTOCOL.name, None)


def test_bac_is_registered() -> None:
    assert load_protocols() is PROTOCOLS
    assert [p.name for p in protocol_params(PROTOCOLS["bac"])] == ["mrz", "aid"]


def test_registering_twice_or_a_bad_name_is_refused(registered: SecureProtocol) -> None:
    with pytest.raises(UsageError):
        register(registered)
    with pytest.raises(UsageError):
        register(SecureProtocol("two words", "", (), open_counter))


def test_add_protocol_registers_it_and_adds_its_group() -> None:
    protocol = SecureProtocol("countertest2", "Another test protocol.", (), open_counter)
    try:
        assert add_protocol(protocol) is protocol
        assert PROTOCOLS["countertest2"] is protocol
        assert isinstance(cli.commands["countertest2"], click.Group)
        assert "send" in cli.commands["countertest2"].commands
    finally:
        PROTOCOLS.pop("countertest2", None)
        cli.commands.pop("countertest2", None)


@pytest.mark.parametrize(
    ("args", "values"),
    [
        ([], {"width": None, "label": "x"}),
        (["--width", "2"], {"width": 2, "label": "x"}),
        (["--label=y", "--width", "3"], {"width": 3, "label": "y"}),
    ],
)
def test_parse_options(args: list[str], values: dict[str, Any]) -> None:
    assert parse_options(TEST_PROTOCOL, args) == values


@pytest.mark.parametrize("args", [["--width", "two"], ["--colour", "red"], ["extra"], ["--help"]])
def test_bad_options_are_usage_errors(args: list[str]) -> None:
    with pytest.raises(UsageError, match="open countertest"):
        parse_options(TEST_PROTOCOL, args)


def test_open_installs_and_close_removes(registered: SecureProtocol) -> None:
    card = Card(CounterModeCard())
    session = open_statement(card, "countertest --width 2")
    assert card.session is session and session.active
    assert card.send(Command(0x00, 0x00, 0, 0, b"abc", ne=256)).data == b"cba"
    close_statement(card)
    assert card.session is None and not session.active
    assert card.send(Command(0x00, 0x00, 0, 0)).sw == 0x9000


def test_open_replaces_a_session(registered: SecureProtocol) -> None:
    card = Card(CounterModeCard())
    first = open_statement(card, ["countertest", "--width", "2"])
    second = open_statement(card, ["countertest", "--width", "2"])
    assert not first.active and second.active


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("", "open what"),
        ("nosuchprotocol", "unknown secure protocol"),
        ("countertest --width 3", "--width 2"),
        ("countertest 'unbalanced", "open:"),
    ],
)
def test_open_errors(registered: SecureProtocol, statement: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        open_statement(Card(CounterModeCard()), statement)


def test_protocol_command_sends_through_the_session(
    registered: SecureProtocol, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = protocol_command(registered)
    assert isinstance(group, click.Group) and "send" in group.commands
    monkeypatch.setattr(
        "cardwire.cli.target.open_transport",
        lambda reader=None, **kwargs: CounterModeCard(),
    )
    cli.add_command(group)
    try:
        runner = CliRunner()
        result = runner.invoke(cli, ["countertest", "--width", "2", "send", "--sim", "00000000"])
        help_result = runner.invoke(cli, ["countertest", "--help"])
        missing = runner.invoke(cli, ["countertest", "send", "--sim", "00000000"])
    finally:
        cli.commands.pop("countertest")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == ["> 00000000", "< 01 9000"]
    assert "Example:" in help_result.output and "cardwire countertest" in help_result.output
    assert missing.exit_code == 2 and "--width 2" in missing.stderr


def test_open_knows_every_protocol_in_a_fresh_process() -> None:
    # The CLI imports a protocol's module only when its command runs: `open` loads them all.
    script = (
        "from cardwire.cli.secure_protocols import open_statement\n"
        "from cardwire.errors import UsageError\n"
        "try:\n"
        "    open_statement(None, 'nosuch')  # type: ignore[arg-type]\n"
        "except UsageError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == (
        "unknown secure protocol 'nosuch' (known: bac, counter, keycard, pace, scp02, scp03, scp11)"
    )
