"""``cardwire sm protect|unprotect``: reproduces ICAO Doc 9303-11 Appendix D.4 and the gmrtd
AES-256 session (tests/vectors), plus error handling and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cardwire.cli import cli

_VECTORS = Path(__file__).parent.parent / "vectors"
ICAO = json.loads((_VECTORS / "icao_9303_11_appendix_d.json").read_text())
AES = json.loads((_VECTORS / "aes_sm_gmrtd.json").read_text())["sessions"][0]
D3 = ICAO["d3_authentication"]
D4: list[dict[str, Any]] = ICAO["d4_secure_messaging"]
KEYS_3DES = ["--suite", "3des", "--kenc", D3["ks_enc"], "--kmac", D3["ks_mac"]]
KEYS_AES = ["--suite", "aes", "--kenc", AES["ks_enc"], "--kmac", AES["ks_mac"]]


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["sm", *args])


def before(ssc_hex: str) -> str:
    """The counter value before ``ssc_hex`` (what --ssc takes)."""
    value = bytes.fromhex(ssc_hex)
    return (int.from_bytes(value, "big") - 1).to_bytes(len(value), "big").hex().upper()


@pytest.mark.parametrize("step", D4, ids=[s["name"] for s in D4])
def test_protect_reproduces_icao_d4(step: dict[str, Any]) -> None:
    result = run("protect", *KEYS_3DES, "--ssc", before(step["command_ssc"]), step["command"])
    assert result.exit_code == 0, result.output
    assert result.output == step["protected_command"] + "\n"


@pytest.mark.parametrize("step", D4, ids=[s["name"] for s in D4])
def test_unprotect_reproduces_icao_d4_json(step: dict[str, Any]) -> None:
    ssc = before(step["response_ssc"])
    result = run("unprotect", *KEYS_3DES, "--ssc", ssc, "--json", step["protected_response"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "response": step["plain_response"],
        "ssc": step["response_ssc"],
    }


def test_aes_protect_with_short_ssc_and_spaced_hex() -> None:
    first = AES["exchanges"][0]
    result = run("protect", *KEYS_AES, "--ssc", "20", "--json", "00 a4 02 0c", "02 01:1e")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "apdu": first["protected_command"],
        "ssc": "00000000000000000000000000000021",
    }


@pytest.mark.parametrize(
    ("response", "why"),
    [
        ("6988", "plain status word"),
        (D4[0]["protected_response"][:-6] + "EE9000", "bad MAC"),
    ],
)
def test_unprotect_failures_exit_1_with_one_line(response: str, why: str) -> None:
    ssc = before(D4[0]["response_ssc"])
    result = CliRunner().invoke(cli, ["sm", "unprotect", *KEYS_3DES, "--ssc", ssc, response])
    assert result.exit_code == 1, why
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["protect", *KEYS_3DES, "--ssc", "00" * 9, "00B0000004"],
        ["protect", *KEYS_3DES, "--ssc", "00", "00B00000040000"],
        ["protect", "--suite", "3des", "--kenc", "00", "--kmac", "00", "--ssc", "00", "00B0000004"],
        ["protect", *KEYS_3DES, "--ssc", "0G", "00B0000004"],
        ["protect", *KEYS_3DES, "--ssc", "00", "40B0000004"],
    ],
    ids=["ssc too long", "bad APDU", "bad key", "bad hex", "channel 4"],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""


def test_help_has_an_example() -> None:
    for command in ("protect", "unprotect"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Example" in result.output
