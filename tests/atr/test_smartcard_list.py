"""Card identification from a pcsc-tools smartcard_list.txt (its syntax: pattern, tab lines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardwire.atr import smartcard_list
from cardwire.atr.smartcard_list import identify

LIST = (
    "# a comment\n"
    "\n"
    "3B 8D 80 01 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 F9\n"
    "\tYubikey 5 NFC (via NFC) (Other)\n"
    "\thttps://www.yubico.com/\n"
    "\n"
    "3B 88 01 00 73 FE 21 DF 05 90 00 ..\n"
    "\tany cardwire-like card\n"
    "\n"
    "3B [ broken\n"
    "\ta pattern that is not a regular expression\n"
)


def _list(tmp_path: Path) -> Path:
    path = tmp_path / "smartcard_list.txt"
    path.write_text(LIST, encoding="utf-8")
    return path


def test_every_description_of_a_matching_entry(tmp_path: Path) -> None:
    yubikey = bytes.fromhex("3B8D80018073C021C057597562694B6579F9")
    assert identify(yubikey, _list(tmp_path)) == [
        "Yubikey 5 NFC (via NFC) (Other)",
        "https://www.yubico.com/",
    ]


def test_wildcards_match_and_the_whole_atr_must_match(tmp_path: Path) -> None:
    path = _list(tmp_path)
    assert identify(bytes.fromhex("3B88010073FE21DF0590006F"), path) == ["any cardwire-like card"]
    assert identify(bytes.fromhex("3B88010073FE21DF059000"), path) == []  # one byte short
    assert identify(bytes.fromhex("3B88010073FE21DF0590006F00"), path) == []


def test_the_first_non_empty_list_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")  # what a failed ATR_analysis update leaves in ~/.cache
    real = _list(tmp_path)
    monkeypatch.setattr(smartcard_list, "default_paths", lambda: (tmp_path / "no", empty, real))
    assert smartcard_list.find_list() == real
    monkeypatch.setattr(smartcard_list, "default_paths", lambda: (empty,))
    assert smartcard_list.find_list() is None
    assert identify(bytes.fromhex("3B8D80018073C021C057597562694B6579F9")) == []
