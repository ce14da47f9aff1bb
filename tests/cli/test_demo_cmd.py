"""``cardwire demo`` through the click runner: exit 0, every step shown, secrets masked."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from cardwire.cli import cli
from cardwire.cli.demo_cmd import describe_command, describe_response
from cardwire.trace.model import Exchange
from cardwire.trace.text import parse


def test_demo_runs_and_shows_the_story() -> None:
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (
        "MANAGE CHANNEL",
        "opened channel: 1",
        "01A404000AF063617264776972650200",  # SELECT application 2 on channel 1
        "63C2",  # the wrong PIN and its counter
        '"Hello from the cardwire card."',
        '"top secret: 42"',
        "02020202020202020202020202020202",
        '"second application"',
        "01708001",  # MANAGE CHANNEL close of channel 1
        "demo finished",
    ):
        assert expected in out
    # The PIN is never printed: neither its hex nor its digits standing alone (the digits also
    # occur by chance inside the random hex of a session, so only a standalone run counts).
    assert b"1234".hex().upper() not in out
    assert re.search(r"(?<![0-9A-Fa-f])1234(?![0-9A-Fa-f])", out) is None
    assert "secret bytes hidden" in out


def test_show_keys_reveals_the_pin(tmp_path: Path) -> None:
    trace_file = tmp_path / "demo.trace"
    result = CliRunner().invoke(cli, ["demo", "--show-keys", "--trace-file", str(trace_file)])
    assert result.exit_code == 0, result.output
    assert "0020000104" + b"1234".hex().upper() in result.output
    trace = parse(trace_file.read_text(encoding="utf-8"))
    assert trace.exchanges[0] == Exchange(bytes.fromhex("0070000001"), bytes.fromhex("019000"))
    assert trace.header.reader == "cardwire simulated card"


def test_demo_rejects_unknown_options() -> None:
    result = CliRunner().invoke(cli, ["demo", "--bogus"])
    assert result.exit_code == 2


def test_describe_helpers() -> None:
    assert describe_command(bytes.fromhex("00A4")) == ("?", "00A4")
    assert describe_command(bytes.fromhex("002000010431323334")) == (
        "VERIFY",
        "00200001 [4 secret bytes hidden]",
    )
    assert describe_response(b"\x90") == ("90", "?", "not a response APDU")
    data, sw, _ = describe_response(bytes(30) + b"\x90\x00")
    assert data.endswith("(30 bytes)") and sw == "9000"
