"""Secrets given as literal, @FILE or env:NAME (cardwire.cli.secrets)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.cli import cli
from cardwire.cli.secrets import resolve_secret
from cardwire.errors import UsageError


def test_file_env_and_literal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "pin"
    path.write_text("123456\nignored\n", encoding="utf-8")
    monkeypatch.setenv("CARDWIRE_TEST_PIN", " 654321 ")
    assert resolve_secret(f"@{path}", "--pin") == "123456"
    assert resolve_secret("env:CARDWIRE_TEST_PIN", "--pin") == "654321"
    assert resolve_secret("1234", "--pin") == "1234"


def test_a_secret_file_that_is_not_utf8_names_the_file_not_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "mrz"
    path.write_bytes(b"L898902C<369080\xff19406236\n")
    with pytest.raises(UsageError, match="is not a UTF-8 text file") as info:
        resolve_secret(f"@{path}", "--mrz")
    assert "L898902C" not in str(info.value)
    result = CliRunner().invoke(cli, ["bac", "--mrz", f"@{path}", "send", "--sim", "00B0000000"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"error: --mrz: {path} is not a UTF-8 text file"]
