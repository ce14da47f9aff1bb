"""``cardwire bac --mrz ... send`` on the simulated card, and ``open bac`` in the shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cardwire.cli import cli
from cardwire.cli.secrets import resolve_secret
from cardwire.errors import UsageError
from cardwire.hexutil import hex_dump
from cardwire.sim.applets.epassport.issuance import ISSUED_EF_COM
from cardwire.sim.applets.epassport.lds import Td3Mrz, dg1_content
from cardwire.sw import meaning

MRZ = "L898902C<,690806,940623"
SELECT_COM, SELECT_DG1 = "00A4020C02011E", "00 a4 02 0c 02 01 01"
READ_COM = "00B000001A"  # EF.COM is 26 bytes


def invoke(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, input=stdin)


DUMP = hex_dump(ISSUED_EF_COM, "    ")


def test_text_output_shows_the_plain_exchanges() -> None:
    result = invoke("bac", "--mrz", MRZ, "send", "--sim", SELECT_COM, READ_COM)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"> {SELECT_COM}",
        "< 9000",
        f"  9000 {meaning(0x9000)}",
        f"> {READ_COM}",
        f"< {ISSUED_EF_COM.hex().upper()} 9000",
        *DUMP,
        f"  9000 {meaning(0x9000)}",
    ]


def test_verbose_adds_the_wire_and_never_the_mrz() -> None:
    result = invoke("bac", "--mrz", MRZ, "send", "--sim", "--verbose", SELECT_COM)
    assert result.exit_code == 0, result.output
    wire = [line for line in result.stderr.splitlines() if line.startswith("  wire > ")]
    assert [line[9:13] for line in wire] == ["00A4", "0084", "0082", "0CA4"]
    assert "L898902C" not in result.output


def test_json_has_send_fields_plus_the_protected_pair() -> None:
    result = invoke("bac", "--mrz", MRZ, "send", "--sim", "--json", SELECT_DG1, "00B0000000")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [item["sw"] for item in document] == ["9000", "6282"]
    read = document[1]
    assert read["command"] == "00B0000000"
    assert read["data"] == dg1_content(Td3Mrz()).hex().upper()
    assert read["response"] == read["data"] + "6282"
    assert read["protected_command"].startswith("0CB00000")
    assert read["protected_response"].endswith("6282")
    assert read["wire"][0]["command"] == read["protected_command"]


def test_check_exits_1_on_an_error_status_word() -> None:
    result = invoke("bac", "--mrz", MRZ, "send", "--sim", "--check", "00B0000004")
    assert result.exit_code == 1
    assert "6986" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["bac", "--mrz", "L898902C<,690806,940624", "send", "--sim", READ_COM],
            1,
            "6300 to EXTERNAL AUTHENTICATE: BAC refused: the MRZ is probably wrong",
        ),
        (["bac", "send", "--sim", READ_COM], 2, "--mrz"),
        (["bac", "--mrz", "L898902C<", "send", "--sim", READ_COM], 2, "DOC,BIRTH,EXPIRY"),
        (["bac", "--mrz", MRZ, "send", "--sim", "00B0"], 2, "APDU 1"),
        (["bac", "--mrz", MRZ, "--aid", "A0000002471002", "send", "--sim", READ_COM], 1, "6A82"),
        (["bac", "--mrz", MRZ, "--aid", "XYZ", "send", "--sim", READ_COM], 2, "--aid"),
    ],
)
def test_errors_are_one_line_with_the_exit_code(args: list[str], code: int, message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert "L898902C" not in result.stderr


@pytest.mark.parametrize(
    "mrz",
    [
        "L898902C<3UTO6908061F9406236ZE184226B<<<<<14",  # TD3 line 2
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C<3UTO6908061F9406236ZE184226B<<<<<14",
    ],
)
def test_the_mrz_lines_themselves_are_accepted(mrz: str) -> None:
    result = invoke("bac", "--mrz", mrz, "send", "--sim", READ_COM)
    assert result.exit_code == 0, result.output
    assert "L898902C" not in result.output


def test_mrz_from_a_file_and_from_the_environment(tmp_path: Path) -> None:
    secret = tmp_path / "mrz.txt"
    secret.write_text(MRZ + "\n")
    from_file = invoke("bac", "--mrz", f"@{secret}", "send", "--sim", SELECT_COM)
    from_env = invoke(
        "bac", "--mrz", "env:PASSPORT_MRZ", "send", "--sim", SELECT_COM, env={"PASSPORT_MRZ": MRZ}
    )
    assert (from_file.exit_code, from_env.exit_code) == (0, 0)
    assert from_file.stdout == from_env.stdout


@pytest.mark.parametrize("text", ["@/nonexistent/mrz", "env:CARDWIRE_NO_SUCH_VARIABLE"])
def test_unreadable_secrets_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        resolve_secret(text, "--mrz")


def test_help_texts_have_an_example() -> None:
    for args in (["bac", "--help"], ["bac", "send", "--help"]):
        result = invoke(*args)
        assert result.exit_code == 0
        assert "Example:" in result.output
        assert "cardwire bac --mrz" in result.output


def test_open_bac_in_the_shell() -> None:
    script = "\n".join(
        [
            "select A0000002471001",
            "read-binary 0 4",  # no current EF yet
            f"open bac --mrz {MRZ}",
            "select 011E",
            "read-binary 0 4",
            "close",
            "read-binary 0 4",  # plain: ends the card's session, refused
        ]
    )
    result = invoke("shell", "--sim", stdin=script + "\n")
    assert result.exit_code == 1  # the refused reads
    lines = result.stdout.splitlines()
    assert "bac session open on channel 0" in lines
    assert f"data: {ISSUED_EF_COM[:4].hex().upper()}" in lines
    assert lines[-1].startswith("sw: 6982")
    assert "L898902C" not in result.output


def test_open_bac_on_a_second_channel_in_the_shell() -> None:
    script = "\n".join(
        [
            "open-channel",
            "channel 1",
            "select A0000002471001",
            f"open bac --mrz {MRZ}",
            "select 0101",
            "read-binary 0 5",
            "open bac",
        ]
    )
    result = invoke("shell", "--sim", stdin=script + "\n")
    assert "bac session open on channel 1" in result.stdout
    assert "data: 615B5F1F58" in result.stdout
    assert "line 7: bac needs --mrz" in result.stderr


@pytest.mark.parametrize(
    ("mrz", "problem"),
    [
        ("L898902C<,691306,940623", "MRZ: the date of birth has no such month (01-12)"),
        (
            "L898902C<,690806,940631",
            "MRZ: the date of expiry has no such day (01-30 in that month)",
        ),
    ],
)
def test_an_impossible_mrz_date_is_refused_before_the_card(mrz: str, problem: str) -> None:
    result = invoke("bac", "--mrz", mrz, "send", "--sim", "--verbose", SELECT_COM)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # nothing was sent (--verbose shows every APDU on the wire)
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {problem}")
