"""``cardwire keycard load-key --lee`` and ``export-lee`` on the simulated 4.x card
(cardwire.cli.keycard.commands_4x), against the applet's own LEE vectors
(tests/vectors/keycard_lee.json)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from cardwire.cli import cli

PIN = "123456"

# tests/vectors/keycard_lee.json names its source: the applet's own leeKeysTest.
LEE = json.loads((Path(__file__).parents[2] / "vectors" / "keycard_lee.json").read_text())
WORDS, EXPECTED_PUBLIC, EXPECTED_NSK, EXPECTED_VSK = (
    LEE[key] for key in ("mnemonic", "public_key", "nsk", "vsk")
)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_load_key_lee_then_export_lee(tmp_path: Path) -> None:
    from cardwire.sim import profile as profiles
    from cardwire.sim.applets.keycard import keycard_4x_profile

    profile = tmp_path / "keycard4.yaml"
    profiles.save(profile, keycard_4x_profile())
    card = ["--sim", "--profile", str(profile), "--state", str(tmp_path / "card.yaml")]
    base = ("keycard", "--test-ca", "--pin", PIN)
    loaded = invoke(*base, "load-key", *card, "--lee", "--mnemonic", WORDS, "--json")
    assert loaded.exit_code == 0, loaded.output
    exported = invoke(*base, "export-lee", *card, "--show-keys", "--json", "m/43'/60'")
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.stdout)
    assert (document["nsk"], document["vsk"]) == (EXPECTED_NSK.upper(), EXPECTED_VSK.upper())
    public = invoke(*base, "export-key", *card, "--json", "m/43'/60'")
    assert json.loads(public.stdout)["public_key"] == EXPECTED_PUBLIC.upper()
    text = invoke(*base, "export-lee", *card, "--show-keys")
    assert text.stdout.startswith("nsk: ") and EXPECTED_NSK.upper() not in text.stdout  # at m
    hidden = invoke(*base, "export-lee", *card)
    assert hidden.exit_code == 2 and "--show-keys" in hidden.output
    key = invoke(*base, "load-key", *card, "--lee", "--key", "01" * 32)
    assert key.exit_code == 2 and "--lee loads a seed" in key.output


def test_export_lee_on_the_3_1_card_is_a_one_line_error(tmp_path: Path) -> None:
    state = ["--sim", "--state", str(tmp_path / "card.json")]
    result = invoke("keycard", "--pin", PIN, "export-lee", *state, "--show-keys")
    assert result.exit_code == 1 and "6D00" in result.output
    assert "Traceback" not in result.output
