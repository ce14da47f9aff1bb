"""``cardwire scp03 ... send`` and ``open scp03`` (cardwire.cli.scp03_cmd)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.card import Card
from cardwire.cli import cli
from cardwire.cli.scp03_cmd import parse_keys
from cardwire.cli.secure_protocols import open_statement
from cardwire.errors import UsageError
from cardwire.sim import open_card
from cardwire.sim.card import SimCard
from cardwire.sm.scp03 import Scp03HostSession
from cardwire.transport.memory import MemoryTransport
from diversified_card import MASTER, diversified_profile

KEY = "404142434445464748494A4B4C4D4E4F"  # the simulated card's default SCP03 keys
WRONG = "000102030405060708090A0B0C0D0E0F"
GET_STATUS = "80F24002024F0000"
GET_STATUS_NEXT = "80F24003024F0000"  # GPC 11.4.2.2: P2 b1 = 1, next occurrence after 6310
ECHO_AID = "F0636172647769726503"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "options",
    [
        ["--keys", KEY],
        ["--keys", f"{KEY},{KEY},{KEY}", "--level", "13", "--s16"],
        ["--keys", KEY.lower(), "--kvn", "00", "--level", "01"],
    ],
)
def test_send_through_scp03_on_the_simulated_card(options: list[str]) -> None:
    code, out, err = run("scp03", *options, "send", "--sim", GET_STATUS, GET_STATUS_NEXT)
    assert code == 0, err
    assert ECHO_AID in out and "6310" in out and "9000" in out


def test_json_output_is_one_document() -> None:
    code, out, _ = run(
        "scp03", "--keys", KEY, "send", "--sim", "--json", GET_STATUS, GET_STATUS_NEXT
    )
    assert code == 0
    first, rest = json.loads(out)
    assert (first["sw"], rest["sw"]) == ("6310", "9000") and ECHO_AID in first["data"]


def test_keys_from_a_file_and_the_environment(tmp_path: Path) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text(f"{KEY}\n", encoding="utf-8")
    assert run("scp03", "--keys", f"@{key_file}", "send", "--sim", GET_STATUS)[0] == 0
    code, _, err = run(
        "scp03", "--keys", "env:SD_KEYS", "send", "--sim", GET_STATUS, env={"SD_KEYS": KEY}
    )
    assert code == 0, err


def test_wrong_keys_exit_1_without_printing_them() -> None:
    code, out, err = run("scp03", "--keys", WRONG, "send", "--sim", GET_STATUS)
    assert code == 1
    assert "probably wrong" in err
    assert WRONG not in out + err and WRONG.lower() not in out + err


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--keys", "4041"],
        ["--keys", "zz" * 16],
        ["--keys", KEY, "--level", "02"],
        ["--keys", KEY, "--kvn", "3030"],
        ["--keys", f"{KEY},{KEY}"],
    ],
)
def test_usage_errors_exit_2(options: list[str]) -> None:
    code, _out, err = run("scp03", *options, "send", "--sim", GET_STATUS)
    assert code == 2
    assert "zz" * 16 not in err


def test_help_has_an_example() -> None:
    code, out, _ = run("scp03", "--help")
    assert code == 0 and "cardwire scp03 --keys" in out


def test_open_statement_installs_the_session() -> None:
    with open_card() as card:
        session = open_statement(card, f"scp03 --keys {KEY} --level 33")
        assert isinstance(session, Scp03HostSession) and session.active
        assert card.session is session


def test_parse_keys_forms() -> None:
    one = parse_keys(KEY, 0x30)
    assert one.enc == one.mac == one.dek == bytes.fromhex(KEY)
    three = parse_keys(f"{KEY}, {WRONG} ,{KEY}", 0x31)
    assert three.mac == bytes.fromhex(WRONG) and three.kvn == 0x31
    with pytest.raises(UsageError, match="MAC key"):
        parse_keys(f"{KEY},{KEY[:-2]},{KEY}", 0x30)


# --- --diversify: master keys, diversified with the card's key diversification data -----------


def test_diversify_option(tmp_path: Path) -> None:
    profile = str(diversified_profile(tmp_path))
    runner = CliRunner()
    args = ["scp03", "--keys", MASTER, "--diversify", "KDF3"]
    result = runner.invoke(cli, [*args, "send", "--sim", "--profile", profile, "80CA00E000"])
    assert result.exit_code == 0, result.stderr
    assert "9000" in result.stdout and MASTER not in result.stdout
    # Without --diversify the master key is the wrong key: exit 1 (card cryptogram).
    plain = ["scp03", "--keys", MASTER, "send", "--sim", "--profile", profile, "80CA00E000"]
    result = runner.invoke(cli, plain)
    assert result.exit_code == 1 and "card cryptogram" in result.stderr
    assert MASTER not in result.stderr
    result = runner.invoke(cli, [*args[:3], "--diversify", "emv", "send", "--sim", "80CA00E000"])
    assert result.exit_code == 2
    with Card(MemoryTransport(SimCard.from_files(Path(profile)))) as card:
        session = open_statement(card, f"scp03 --keys {MASTER} --diversify kdf3")
        assert session.active
