"""Test isolation for the command line: no test reads or writes the user's configuration (the
Keycard pairing store lives under $XDG_CONFIG_HOME, docs/keycard.md "Pairing store")."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home
