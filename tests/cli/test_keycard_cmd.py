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
