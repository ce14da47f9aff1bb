"""``cardwire readers`` with PC/SC answers scripted (the real stack is in tests/interop)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.cli import atr_names, cli, readers_cmd
from cardwire.transport import pcsc, pcsc_errors
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
        raise pcsc_errors.error_for(pcsc_errors.SCARD_E_NO_SERVICE, "cannot reach PC/SC")

    monkeypatch.setattr(pcsc, "list_readers", no_service)
    result = CliRunner().invoke(cli, ["readers"])
    assert result.exit_code == 3
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: cannot reach PC/SC: ")
    assert "pcscd" in result.output


def _with_card(info: ReaderInfo, atr: bytes) -> ReaderInfo:
    return ReaderInfo(info.index, info.name, bool(atr), atr, False)


def test_watch_prints_the_states_then_each_change() -> None:
    mifare = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")  # in smartcard_list
    readings = [
        READERS,
        READERS,
        [READERS[0], _with_card(READERS[1], mifare)],
        [READERS[0], READERS[1]],
    ]
    shown: list[dict[str, object]] = []
    readers_cmd.follow(lambda: readings.pop(0), shown.append, count=2, timeout=None)
    assert [(e["event"], e["index"], e["atr"]) for e in shown] == [
        ("present", 0, "3B80800101"),
        ("empty", 1, None),
        ("inserted", 1, mifare.hex().upper()),
        ("removed", 1, None),
    ]
    if atr_names.SMARTCARD_LIST.exists():
        assert "MIFARE Classic 1K (as per PCSC std part3)" in str(shown[2]["cards"])


def test_watch_stops_at_the_timeout_and_readers_come_and_go() -> None:
    shown: list[dict[str, object]] = []
    readings = [READERS[:1], READERS]
    readers_cmd.follow(
        lambda: readings.pop(0) if len(readings) > 1 else readings[0],
        shown.append,
        count=None,
        timeout=0,
    )
    assert [e["event"] for e in shown] == ["present"]
    assert [e["event"] for e in readers_cmd.changes({}, READERS[:1])] == [
        "reader-added",
        "inserted",
    ]
    before = {info.name: info for info in READERS}
    assert [e["event"] for e in readers_cmd.changes(before, READERS[:1])] == ["reader-removed"]


def test_card_names_come_from_smartcard_list(tmp_path: Path) -> None:
    listing = tmp_path / "smartcard_list.txt"
    listing.write_text("# comment\n3B 80 80 01 01\n\tA test card\n\thttps://example.org\n")
    assert atr_names.card_names(bytes.fromhex("3B80800101"), listing) == (
        "A test card",
        "https://example.org",
    )
    assert atr_names.card_names(bytes.fromhex("3B80800102"), listing) == ()
    assert atr_names.card_names(b"\x3b", tmp_path / "missing.txt") == ()


def test_count_and_timeout_need_watch() -> None:
    result = CliRunner().invoke(cli, ["readers", "--count", "1"])
    assert result.exit_code == 2
    assert "--count and --timeout go with --watch" in result.output
