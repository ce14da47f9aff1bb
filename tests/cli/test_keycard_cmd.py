"""``cardwire keycard [--pairing-password | --pairing] [--pin] send|pair|unpair|open`` and
``open keycard`` in scripts (cardwire.cli.keycard_cmd), on the simulated Keycard applet."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from cardwire.cli import cli

GET_STATUS = "80F20000"  # Keycard GET STATUS, application status (P1 00)
PIN = "123456"  # the simulated applet's default PIN (README, "Default secrets")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_send_pairs_opens_verifies_and_answers_in_plain() -> None:
    result = invoke("keycard", "--pin", PIN, "send", "--sim", "--json", GET_STATUS)
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)
    # Keycard docs, GET STATUS P1 00: template A3 with PIN retries (02 01 03), PUK retries
    # (02 01 05), ...: the right PIN did not cost a try.
    assert item["sw"] == "9000" and item["data"].startswith("A309020103020105")
    assert item["protected_command"] != GET_STATUS  # it travelled wrapped


def test_a_wrong_pin_is_answered_through_the_channel() -> None:
    result = invoke("keycard", "--pin", "000000", "send", "--sim", GET_STATUS)
    assert result.exit_code == 1
    assert "63C2" in result.stderr and "000000" not in result.stderr


def test_a_stored_pairing_is_reused(tmp_path: Path) -> None:
    state = str(tmp_path / "card.json")
    paired = invoke("keycard", "pair", "--sim", "--state", state, "--show-keys")
    assert paired.exit_code == 0, paired.output
    pairing = paired.stdout.strip()
    index, key = pairing.split(":")
    assert index == "0" and len(key) == 64
    opened = invoke("keycard", "--pairing", pairing, "open", "--sim", "--state", state, "--json")
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.stdout)["pairing_index"] == 0
    assert key not in opened.stdout  # no --show-keys: no secrets
    freed = invoke(
        "keycard", "--pairing", pairing, "--pin", PIN, "unpair", "--sim", "--state", state
    )
    assert (freed.exit_code, freed.stdout.strip()) == (0, "unpaired slot 0")
    refused = invoke("keycard", "--pairing", pairing, "open", "--sim", "--state", state)
    assert refused.exit_code == 1  # the slot is gone: the card refuses the channel


def test_unpair_needs_the_pin() -> None:
    result = invoke("keycard", "unpair", "--sim")
    assert result.exit_code == 2
    assert "PIN" in result.stderr


def test_open_keycard_in_a_script(tmp_path: Path) -> None:
    script = tmp_path / "keycard.cws"
    script.write_text(f"open keycard --pin {PIN}\n{GET_STATUS} expect 9000 A309.*\nclose\n")
    result = invoke("run", "--sim", str(script))
    assert result.exit_code == 0, result.output
    assert "1 met, 0 failed" in result.stdout
    assert PIN not in result.stdout


# --- the pairing store (issue 20, "Fix first: pairing slots"; docs/keycard.md "Pairing store") ---


def _free_slots(state: str) -> int:
    opened = invoke("keycard", "open", "--sim", "--state", state, "--json")
    assert opened.exit_code == 0, opened.output
    return int(json.loads(opened.stdout)["free_slots"])


def test_twenty_runs_take_one_pairing_slot(tmp_path: Path) -> None:
    state = str(tmp_path / "card.json")
    for run in range(20):
        result = invoke("keycard", "--pin", PIN, "send", "--sim", "--state", state, GET_STATUS)
        assert result.exit_code == 0, (run, result.output)
        assert "9000" in result.stdout
    # The applet has 5 slots (docs/keycard.md); the SELECT seen by `open` counts the free ones
    # before that run's pairing is looked up: one slot in all, the stored pairing's.
    assert _free_slots(state) == 4


def test_the_store_is_private_and_listed(tmp_path: Path, private_config_home: Path) -> None:
    state = str(tmp_path / "card.json")
    paired = invoke("keycard", "pair", "--sim", "--state", state)
    assert (paired.exit_code, paired.stdout.strip()) == (0, "0")
    store = private_config_home / "cardwire" / "keycard-pairings.json"
    assert store.stat().st_mode & 0o777 == 0o600
    listed = invoke("keycard", "pairings", "--json")
    (row,) = json.loads(listed.stdout)["pairings"]
    assert row["index"] == 0 and "key" not in row
    opened = invoke("keycard", "open", "--sim", "--state", state, "--json")
    document = json.loads(opened.stdout)
    assert (document["pairing_source"], document["instance_uid"]) == (
        "stored",
        row["instance_uid"],
    )
    freed = invoke("keycard", "--pin", PIN, "unpair", "--sim", "--state", state)
    assert (freed.exit_code, freed.stdout.strip()) == (0, "unpaired slot 0")
    assert json.loads(invoke("keycard", "pairings", "--json").stdout)["pairings"] == []
    assert _free_slots(state) == 5  # counted at SELECT, before that `open` pairs anew


def test_a_pairing_store_path_can_be_chosen(tmp_path: Path, private_config_home: Path) -> None:
    chosen = tmp_path / "elsewhere.json"
    result = invoke("keycard", "--pairing-store", str(chosen), "open", "--sim", "--json")
    assert result.exit_code == 0, result.output
    assert chosen.exists() and not (private_config_home / "cardwire").exists()
    listed = invoke("keycard", "--pairing-store", str(chosen), "pairings")
    assert "slot 0" in listed.stdout


def test_a_one_off_pairing_is_unpaired_before_exit(tmp_path: Path) -> None:
    state = str(tmp_path / "card.json")
    for _ in range(6):  # more runs than slots
        result = invoke(
            "keycard", "--no-store", "--pin", PIN, "send", "--sim", "--state", state, GET_STATUS
        )
        assert result.exit_code == 0, result.output
    assert json.loads(invoke("keycard", "pairings", "--json").stdout)["pairings"] == []
    no_store = invoke("keycard", "--no-store", "open", "--sim", "--state", state)
    assert no_store.exit_code == 2 and "--pin" in no_store.stderr
    opened = invoke(
        "keycard", "--no-store", "--pin", PIN, "open", "--sim", "--state", state, "--json"
    )
    assert json.loads(opened.stdout)["free_slots"] == 5


def test_a_full_card_says_what_to_do(tmp_path: Path) -> None:
    state = str(tmp_path / "card.json")
    for _ in range(5):
        paired = invoke("keycard", "--no-store", "pair", "--sim", "--state", state, "--show-keys")
        assert paired.exit_code == 0, paired.output
    full = invoke("keycard", "--pin", PIN, "send", "--sim", "--state", state, GET_STATUS)
    assert full.exit_code == 2
    assert "no free pairing slot: unpair one or factory-reset" in full.stderr


def test_no_store_pair_needs_show_keys() -> None:
    result = invoke("keycard", "--no-store", "pair", "--sim")
    assert result.exit_code == 2 and "--show-keys" in result.stderr


def test_a_stale_stored_pairing_is_replaced(tmp_path: Path) -> None:
    state = str(tmp_path / "card.json")
    paired = invoke("keycard", "pair", "--sim", "--state", state, "--show-keys")
    pairing = paired.stdout.strip()
    # Freed with the explicit pairing, behind the store's back: the stored entry is now stale.
    freed = invoke(
        "keycard", "--pairing", pairing, "--pin", PIN, "unpair", "--sim", "--state", state
    )
    assert freed.exit_code == 0, freed.output
    result = invoke("keycard", "--pin", PIN, "send", "--sim", "--state", state, GET_STATUS)
    assert result.exit_code == 0, result.output
    assert "stale" in result.stderr and pairing.split(":")[1] not in result.stderr
    assert _free_slots(state) == 4
