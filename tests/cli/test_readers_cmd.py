"""``cardwire readers`` with PC/SC answers scripted (the real stack is in tests/interop)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cardwire.cli import cli
from cardwire.transport import pcsc
from cardwire.transport.pcsc import ReaderInfo

READERS = [
    ReaderInfo(0, "Virtual PCD 00 00", True, bytes.fromhex("3B80800101"), False),
    ReaderInfo(1, "Virtual PCD 00 01", False, b"", False),
]


def test_lists_readers_with_card_and_atr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pcsc, "list_readers", lambda: READERS)
    result = CliRunner().invoke(cli, ["readers"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "0: Virtual PCD 00 00: card 3B80800101",
        "1: Virtual PCD 00 01: no card",
    ]


def test_json_is_one_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pcsc, "list_readers", lambda: READERS)
    result = CliRunner().invoke(cli, ["readers", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)
    assert [r["name"] for r in listing] == ["Virtual PCD 00 00", "Virtual PCD 00 01"]
    assert [r["atr"] for r in listing] == ["3B80800101", None]
    assert [r["card_present"] for r in listing] == [True, False]


def test_no_service_is_exit_3_with_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_service() -> list[ReaderInfo]:
        raise pcsc.error_for(pcsc.SCARD_E_NO_SERVICE, "cannot reach PC/SC")

    monkeypatch.setattr(pcsc, "list_readers", no_service)
    result = CliRunner().invoke(cli, ["readers"])
    assert result.exit_code == 3
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: cannot reach PC/SC: ")
    assert "pcscd" in result.output
