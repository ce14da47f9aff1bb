"""``cardwire keycard SUBCOMMAND`` for the whole applet (cardwire.cli.keycard.commands) on the
simulated card: issue 20's "20 CLI invocations take at most one pairing slot, all succeed"."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from mnemonic import Mnemonic

from cardwire.cli import cli
from cardwire.crypto.bip32 import derive_path, master_key, mnemonic_to_seed
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey

PIN = "123456"
DIGEST = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
# trezor python-mnemonic vectors.json, the first English mnemonic.
WORDS = " ".join(["abandon"] * 11 + ["about"])
H = 0x80000000


def invoke(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def test_twenty_commands_one_pairing_slot(tmp_path: Path) -> None:
    state = ["--sim", "--state", str(tmp_path / "card.json")]
    runs = [
        ("status", *state, "--json"),
        ("--pin", PIN, "verify-pin", *state),
        ("generate-mnemonic", *state, "--words", "24", "--json"),
        ("--pin", PIN, "load-key", *state, "--mnemonic", WORDS),
        ("--pin", PIN, "derive", *state, "m/44'/60'/0'/0/0"),
        ("--pin", PIN, "export-key", *state, "--json"),
        ("--pin", PIN, "export-key", *state, "--private", "--show-keys", "m/43'/60'/1581'/0'/0"),
        ("--pin", PIN, "sign", *state, "--path", "m/44'/60'/0'/0/1", DIGEST, "--json"),
        ("--pin", PIN, "set-pinless-path", *state, "m/44'/60'/0'/0/0"),
        ("sign", *state, "--pinless", DIGEST, "--json"),
        ("--pin", PIN, "store-data", *state, "--slot", "cash", "CAFE"),
        ("get-data", *state, "--slot", "cash", "--json"),
        ("--pin", PIN, "change-pin", *state, "654321"),
        ("--pin", "654321", "change-pin", *state, PIN),
        ("--pin", PIN, "change-puk", *state, "123456789012"),
        ("--pin", PIN, "change-pairing-secret", *state, "KeycardDefaultPairing"),
        ("--pin", PIN, "generate-key", *state),
        ("--pin", PIN, "remove-key", *state),
        ("--pin", PIN, "send", *state, "80F20000"),
        ("open", *state, "--json"),
    ]
    results = []
    for args in runs:
        result = invoke("keycard", *args)
        assert result.exit_code == 0, (args, result.output)
        results.append(result)
    # One slot in all: the last `open` saw 4 free of 5, and the store holds one pairing.
    assert json.loads(results[-1].stdout)["free_slots"] == 4
    assert len(json.loads(invoke("keycard", "pairings", "--json").stdout)["pairings"]) == 1
    # Known answers: the mnemonic is BIP-39's (checksum), the keys BIP-32 from its seed.
    phrase = json.loads(results[2].stdout)["mnemonic"]
    assert len(phrase.split()) == 24 and Mnemonic("english").check(phrase)
    master = master_key(mnemonic_to_seed(WORDS))
    account = derive_path(master, (H | 44, H | 60, H, 0, 0))
    public = Secp256k1PrivateKey(account.private_key).public_key.hex().upper()
    assert json.loads(results[5].stdout)["public_key"] == public
    assert json.loads(results[9].stdout)["public_key"] == public  # the PIN-less path's key
    eip1581 = derive_path(master, (H | 43, H | 60, H | 1581, H, 0))
    assert f"private_key: {eip1581.private_key.hex().upper()}" in results[6].stdout
    assert json.loads(results[11].stdout)["data"] == "CAFE"


def test_factory_reset_asks_then_init(tmp_path: Path) -> None:
    state = ["--sim", "--state", str(tmp_path / "card.json")]
    assert invoke("keycard", "status", *state).exit_code == 0
    refused = invoke("keycard", "factory-reset", *state, stdin="n\n")
    assert refused.exit_code == 130 and "aborted" in refused.output  # the CLI: 130 on abort
    assert invoke("keycard", "factory-reset", *state, stdin="y\n").exit_code == 0
    assert json.loads(invoke("keycard", "pairings", "--json").stdout)["pairings"] == []
    blank = invoke("keycard", "status", *state)
    assert blank.exit_code == 1 and "6D00" in blank.output
    init = invoke("keycard", "--pin", "111111", "init", *state, "--puk", "222222222222")
    assert init.exit_code == 0, init.output
    again = invoke("keycard", "--pin", "111111", "verify-pin", *state)
    assert again.exit_code == 0, again.output


def test_unblock_pin_with_the_puk(tmp_path: Path) -> None:
    state = ["--sim", "--state", str(tmp_path / "card.json")]
    for _ in range(3):
        assert invoke("keycard", "--pin", "000000", "verify-pin", *state).exit_code == 1
    blocked = invoke("keycard", "--pin", PIN, "verify-pin", *state)
    assert blocked.exit_code == 1 and "63C0" in blocked.output
    unblocked = invoke("keycard", "unblock-pin", *state, "--puk", "123456789012", "654321")
    assert unblocked.exit_code == 0, unblocked.output
    assert invoke("keycard", "--pin", "654321", "verify-pin", *state).exit_code == 0


def test_refusals_name_the_problem_not_the_secret() -> None:
    private = invoke(
        "keycard", "--pin", PIN, "export-key", "--sim", "--private", "m/43'/60'/1581'/1"
    )
    assert private.exit_code == 2 and "--show-keys" in private.output
    bad = invoke("keycard", "--pin", PIN, "load-key", "--sim", "--mnemonic", "abandon " * 12)
    assert bad.exit_code == 2 and "BIP-39" in bad.output and "abandon" not in bad.output
    no_pin = invoke("keycard", "sign", "--sim", DIGEST)
    assert no_pin.exit_code == 2 and "--pin" in no_pin.output
    both = invoke("keycard", "--pin", PIN, "load-key", "--sim", "--seed", "00" * 16, "--key", "01")
    assert both.exit_code == 2


def test_the_cli_on_a_4x_card_over_secure_channel_v2(tmp_path: Path) -> None:
    from cardwire.sim import profile as profiles
    from cardwire.sim.applets.keycard import keycard_4x_profile

    profile = tmp_path / "keycard4.yaml"
    profiles.save(profile, keycard_4x_profile())
    card = ["--sim", "--profile", str(profile), "--state", str(tmp_path / "card.yaml")]
    untrusted = invoke("keycard", "status", *card)
    assert untrusted.exit_code == 1 and "trusted CA" in untrusted.output
    runs = [
        ("--test-ca", "open", *card, "--json"),
        (
            "--test-ca",
            "--pin",
            PIN,
            "load-key",
            *card,
            "--seed",
            "000102030405060708090A0B0C0D0E0F",
        ),
        ("--test-ca", "--pin", PIN, "sign", *card, "--path", "m/0'/1/2'", DIGEST, "--json"),
        ("--test-ca", "--pin", PIN, "send", *card, "80F20000"),
        ("--test-ca", "status", *card),
    ]
    results = [invoke("keycard", *args) for args in runs]
    for args, result in zip(runs, results, strict=True):
        assert result.exit_code == 0, (args, result.output)
    opened = json.loads(results[0].stdout)
    assert (opened["secure_channel"], opened["pairing_index"]) == ("V2", None)
    # bip-0032.mediawiki, Test vector 1: m/0H/1/2H's public key (X coordinate).
    signed = json.loads(results[2].stdout)["public_key"]
    assert signed[2:66] == "57BFE1E341D01C69FE5654309956CBEA516822FBA8A601743A012A7896EE8DC2"
    assert "key loaded" in results[4].stdout
    assert json.loads(invoke("keycard", "pairings", "--json").stdout)["pairings"] == []
    unpair = invoke("keycard", "--test-ca", "--pin", PIN, "unpair", *card)
    assert unpair.exit_code == 2 and "no pairings" in unpair.output


def test_trace_decode_keycard_v2_from_open_show_keys(tmp_path: Path) -> None:
    from cardwire.sim import profile as profiles
    from cardwire.sim.applets.keycard import keycard_4x_profile

    profile = tmp_path / "keycard4.yaml"
    profiles.save(profile, keycard_4x_profile())
    trace = tmp_path / "v2.trace"
    card = ["--sim", "--profile", str(profile), "--trace", str(trace)]
    opened = invoke("keycard", "--test-ca", "--pin", PIN, "open", *card, "--show-keys", "--json")
    assert opened.exit_code == 0, opened.output
    document = json.loads(opened.stdout)
    keys = f"{document['h2c']},{document['c2h']}"
    decoded = invoke("trace", "decode", "--json", "--keycard-v2", keys, str(trace))
    assert decoded.exit_code == 0, decoded.output
    text = decoded.stdout
    assert "8020000006313233343536" in text.upper()  # VERIFY PIN 123456, in plain


def test_identify_prints_the_simulator_test_ca() -> None:
    from cardwire.crypto.bip32 import compressed_public_key
    from cardwire.sim.applets.keycard.settings import SIM_TEST_CA_KEY

    result = invoke("keycard", "identify", "--sim", "--json")
    assert result.exit_code == 0, result.output
    ca_key = json.loads(result.stdout)["ca_key"]
    assert ca_key == compressed_public_key(SIM_TEST_CA_KEY).hex().upper()
