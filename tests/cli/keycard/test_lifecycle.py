"""Stale pairing-store entries (cardwire.cli.keycard.lifecycle, ``keycard pairings --check`` and
``--prune``; docs/keycard.md "Pairing store"): a FACTORY RESET or INIT gives the card a new
instance UID; the entries of its former UIDs are found by the card's Identity Key and dropped."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from cardwire.cli import cli

PIN, PUK = "123456", "123456789012"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _uids() -> list[str]:
    listed = json.loads(invoke("keycard", "pairings", "--json").stdout)["pairings"]
    return [row["instance_uid"] for row in listed]


def _reset_elsewhere(state: list[str]) -> None:
    """FACTORY RESET and INIT by a tool that does not know the store (here: --no-store)."""
    reset = invoke("keycard", "--no-store", "factory-reset", *state, "--yes")
    assert reset.exit_code == 0, reset.output
    init = invoke("keycard", "--no-store", "--pin", PIN, "init", *state, "--puk", PUK)
    assert init.exit_code == 0, init.output


def _status_uid(state: list[str]) -> str:
    opened = invoke("keycard", "open", *state, "--json")
    assert opened.exit_code == 0, opened.output
    return str(json.loads(opened.stdout)["instance_uid"])


def test_pairings_check_then_prune(tmp_path: Path) -> None:
    state = ["--sim", "--state", str(tmp_path / "card.json")]
    old = _status_uid(state)
    other_card = ["--sim", "--state", str(tmp_path / "other.json")]
    other = _status_uid(other_card)  # another simulated card: its own Identity Key
    _reset_elsewhere(state)
    checked = invoke("keycard", "pairings", "--check", *state, "--json")
    assert checked.exit_code == 0, checked.output
    relations = {row["instance_uid"]: row["card"] for row in json.loads(checked.stdout)["pairings"]}
    assert relations[old] == "stale"
    assert relations[other] == "other card"
    pruned = invoke("keycard", "pairings", "--prune", *state)
    assert pruned.exit_code == 0 and f"dropped the stale pairing of {old}" in pruned.output
    assert old not in _uids() and other in _uids()


def test_the_next_pairing_drops_the_former_instance(tmp_path: Path) -> None:
    state = ["--sim", "--state", str(tmp_path / "card.json")]
    old = _status_uid(state)
    _reset_elsewhere(state)
    status = invoke("keycard", "status", *state)
    assert status.exit_code == 0, status.output
    assert f"dropped the stale pairing of {old}" in status.output
    new = _status_uid(state)
    assert new != old and _uids() == [new]
    # The card still answers with the stored pairing: one slot in use, 4 free.
    assert json.loads(invoke("keycard", "open", *state, "--json").stdout)["free_slots"] == 4


def test_factory_reset_and_init_through_the_cli_drop_the_entries(tmp_path: Path) -> None:
    state = ["--sim", "--state", str(tmp_path / "card.json")]
    old = _status_uid(state)
    assert invoke("keycard", "factory-reset", *state, "--yes").exit_code == 0
    assert old not in _uids()
    assert invoke("keycard", "--pin", PIN, "init", *state, "--puk", PUK).exit_code == 0
    first = _status_uid(state)
    # INIT by the CLI after a reset elsewhere drops the entry of the instance it replaces.
    assert invoke("keycard", "--no-store", "factory-reset", *state, "--yes").exit_code == 0
    assert _uids() == [first]
    init = invoke("keycard", "--pin", PIN, "init", *state, "--puk", PUK)
    assert init.exit_code == 0 and f"dropped the stale pairing of {first}" in init.output
    assert _uids() == []
