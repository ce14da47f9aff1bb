"""``cardwire sim init``: writes the default profile, refuses to overwrite without --force."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.cli import cli
from cardwire.sim import profile as profiles


@pytest.mark.parametrize("name", ["card.yaml", "card.yml", "card.json"])
def test_init_writes_the_default_profile(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    result = CliRunner().invoke(cli, ["sim", "init", str(path)])
    assert result.exit_code == 0, result.output
    assert profiles.load(path).to_dict() == profiles.default_profile().to_dict()
    if name.endswith(".json"):
        json.loads(path.read_text())
    else:
        assert path.read_text().startswith("card:")


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "card.yaml"
    path.write_text("mine\n")
    result = CliRunner().invoke(cli, ["sim", "init", str(path)])
    assert result.exit_code == 2
    assert "--force" in result.output
    assert path.read_text() == "mine\n"
    forced = CliRunner().invoke(cli, ["sim", "init", str(path), "--force"])
    assert forced.exit_code == 0
    assert profiles.load(path).to_dict() == profiles.default_profile().to_dict()


def test_init_into_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sim", "init", str(tmp_path / "no" / "card.yaml")])
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot write")


def test_help_has_an_example() -> None:
    for args in (["sim", "--help"], ["sim", "init", "--help"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0
        assert "Example:" in result.output
