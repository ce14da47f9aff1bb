"""``cardwire scp02 ... send`` and ``open scp02`` (cardwire.cli.scp02_cmd)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.cli import cli
from cardwire.cli.scp02_cmd import parse_keys
from cardwire.errors import UsageError
from diversified_card import MASTER, diversified_profile

KEY = "404142434445464748494A4B4C4D4E4F"  # the simulated card's default SCP02 keys (kvn 20)
GET_STATUS = "80F24002024F0000"
GET_STATUS_NEXT = "80F24003024F0000"
ECHO_AID = "F0636172647769726503"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "options",
    [
        ["--keys", KEY],
        ["--keys", f"{KEY},{KEY},{KEY}", "--level", "03"],
        ["--keys", KEY.lower(), "--level", "00"],
    ],
)
def test_send_through_scp02_on_the_simulated_card(options: list[str]) -> None:
    code, out, err = run("scp02", *options, "send", "--sim", GET_STATUS, GET_STATUS_NEXT)
    assert code == 0, err
    assert ECHO_AID in out and "9000" in out
    assert KEY not in out + err


def test_wrong_keys_fail_without_showing_the_keys() -> None:
    wrong = "000102030405060708090A0B0C0D0E0F"
    code, out, err = run("scp02", "--keys", wrong, "send", "--sim", GET_STATUS)
    assert code != 0 and wrong not in out + err and "cryptogram" in err


def test_parse_keys_rejects_3des_lengths_it_cannot_use() -> None:
    with pytest.raises(UsageError):
        parse_keys("0011", 0x20)
    assert parse_keys(KEY, 0x21).kvn == 0x21


@pytest.mark.parametrize("scheme", ["emv", "VISA2"])
def test_diversified_master_keys_open_a_personalised_card(scheme: str, tmp_path: Path) -> None:
    profile = str(diversified_profile(tmp_path, scp02=scheme.lower()))
    send = ["send", "--sim", "--profile", profile, "80CA006600"]
    code, out, err = run("scp02", "--keys", MASTER, "--diversify", scheme, *send)
    assert code == 0, err
    assert "9000" in out and MASTER not in out
    # Without --diversify, or with the other template, the master key is the wrong key.
    for extra in ([], ["--diversify", "visa2" if scheme == "emv" else "emv"]):
        code, out, err = run("scp02", "--keys", MASTER, *extra, *send)
        assert code == 1 and "card cryptogram does not verify" in err and MASTER not in err


def test_diversify_names_are_checked() -> None:
    code, _out, err = run("scp02", "--keys", KEY, "--diversify", "kdf3", "send", "--sim", "00")
    assert code == 2 and "kdf3" in err
