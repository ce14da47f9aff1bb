"""``cardwire decode apdu|response|sw`` and ``cardwire encode apdu`` through click's CliRunner."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from cardwire.cli import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
APDU_KEYS = {
    "case", "cla", "ins", "p1", "p2", "nc", "data", "ne", "extended", "channel", "sm",
    "chaining", "name",
}  # fmt: skip


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result: Result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr


def test_decode_apdu_json_shape() -> None:
    result = run("decode", "apdu", "--json", "00B0000400")
    assert result.exit_code == 0
    fields = json.loads(result.stdout)
    assert set(fields) == APDU_KEYS
    assert fields == {
        "case": "2S", "cla": "00", "ins": "B0", "p1": "00", "p2": "04", "nc": 0, "data": "",
        "ne": 256, "extended": False, "channel": 0, "sm": "none", "chaining": False,
        "name": "READ BINARY",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # several arguments, any case, colons: joined into one value
        (("00", "a4 04:0c", "07", "A0000002471001"), {"case": "3S", "nc": 7, "p2": "0C"}),
        (("00B00000000101",), {"case": "2E", "ne": 257, "extended": True}),
        (("00B00000000010",), {"case": "2E", "ne": 16, "extended": True}),
        (("00A40000",), {"case": "1", "ne": 0, "data": "", "name": "SELECT"}),
        (("6384000008",), {"channel": 7, "sm": "header-not-authenticated", "chaining": False}),
        (("1C84000008",), {"channel": 0, "sm": "header-authenticated", "chaining": True}),
        (("80CA9F7F00",), {"channel": 0, "sm": "none", "name": "GET DATA"}),
        # class A0 is the GSM SIM's (3GPP TS 51.011 9.2): its names, not GlobalPlatform's
        (("A0CA000000",), {"channel": None, "name": None}),
        (("A0F2000016",), {"channel": None, "name": "STATUS"}),
        (("00990000",), {"name": None}),
    ],
)
def test_decode_apdu_json_values(args: tuple[str, ...], expected: dict[str, object]) -> None:
    result = run("decode", "apdu", "--json", *args)
    assert result.exit_code == 0, result.output
    fields = json.loads(result.stdout)
    assert set(fields) == APDU_KEYS
    for key, value in expected.items():
        assert fields[key] == value


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("00A4000002AA",), "announces more data"),
        (("00A4000001AABBCC",), "trailing"),
        (("00A40000000000AA",), "Lc=0"),
        (("00A4",), "header"),
        (("0xZZ",), "not a hex digit"),
        (("00A400000",), "odd number"),
    ],
)
def test_decode_apdu_malformed(args: tuple[str, ...], problem: str) -> None:
    for extra in ((), ("--json",)):
        result = run("decode", "apdu", *extra, *args)
        assert_one_line_error(result, 2)
        assert problem in result.stderr


def test_decode_response_and_sw() -> None:
    result = run("decode", "response", "--json", "6A82")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "data": "",
        "sw": "6A82",
        "meaning": "file or application not found",
    }
    result = run("decode", "sw", "--json", "61", "10")
    assert json.loads(result.stdout) == {
        "sw": "6110",
        "meaning": "normal processing: 16 response bytes still available",
    }
    text = run("decode", "sw", "6982").stdout
    assert text.splitlines() == ["SW       6982", "meaning  security status not satisfied"]


@settings(max_examples=60)
@given(st.sampled_from(["apdu", "response", "sw"]), st.binary(max_size=40), st.booleans())
def test_any_bytes_decode_or_exit_2(command: str, raw: bytes, as_json: bool) -> None:
    result = run("decode", command, *(["--json"] if as_json else []), raw.hex() or "00")
    if result.exit_code == 0:
        assert result.stderr == ""
        if as_json:
            json.loads(result.stdout)
    else:
        assert_one_line_error(result, 2)


@pytest.mark.parametrize(
    ("command", "hex_input"),
    [("response", "90"), ("sw", "90"), ("sw", "900000"), ("sw", "9G00")],
)
def test_decode_response_and_sw_malformed(command: str, hex_input: str) -> None:
    assert_one_line_error(run("decode", command, hex_input), 2)


@pytest.mark.parametrize(
    ("args", "wire"),
    [
        (("--ins", "B0", "--ne", "256"), "00B0000000"),
        (("--ins", "b0", "--p2", "04", "--ne", "65536"), "00B00004000000"),
        (("--ins", "D6", "--data", "01:02"), "00D600000201" "02"),
        (("--ins", "D6", "--data", "00" * 256), "00D60000000100" + "00" * 256),
        (("--ins", "B0", "--ne", "0"), "00B00000"),
        (("--ins", "A4", "--data", "3F00", "--ne", "256", "--extended"), "00A400000000023F000100"),
        (("--cla", "0x0C", "--ins", "84", "--ne", "8"), "0C84000008"),
    ],
)  # fmt: skip
def test_encode_apdu(args: tuple[str, ...], wire: str) -> None:
    result = run("encode", "apdu", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout == wire + "\n"


def test_encode_apdu_json_matches_decode() -> None:
    result = run("encode", "apdu", "--json", "--ins", "B0", "--p2", "04", "--ne", "256")
    encoded = json.loads(result.stdout)
    decoded = json.loads(run("decode", "apdu", "--json", encoded.pop("apdu")).stdout)
    assert encoded == decoded


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--ins", "B0", "--extended"), "case 1"),  # issue 2: --extended on case 1 is exit 2
        (("--cla", "00"), "--ins is required"),
        (("--ins", "B0B0"), "one byte"),
        (("--ins", "B0", "--ne", "65537"), "--ne"),
        (("--ins", "B0", "--ne", "-1"), "decimal"),
        (("--ins", "B0", "--ne", "0x10"), "decimal"),
        (("--ins", "D6", "--data", "0"), "odd number"),
        (("--ins", "D6", "--data", "00" * 65536), "Nc=65536"),
    ],
)
def test_encode_apdu_errors(args: tuple[str, ...], problem: str) -> None:
    result = run("encode", "apdu", *args)
    assert_one_line_error(result, 2)
    assert problem in result.stderr


@pytest.mark.parametrize(
    "command", [("decode", "apdu"), ("decode", "response"), ("decode", "sw"), ("encode", "apdu")]
)
def test_help_has_an_example(command: tuple[str, str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"cardwire {command[0]} {command[1]}" in result.stdout


_BLOCK = re.compile(r"```sh\n(?P<cmd>[^\n]*)\n```\s*```text\n(?P<out>.*?)```", re.DOTALL)


def _doc_examples() -> list[tuple[str, str]]:
    examples = [
        (match["cmd"], match["out"])
        for match in _BLOCK.finditer(DOC.read_text(encoding="utf-8"))
        if match["cmd"].startswith(("cardwire decode", "cardwire encode"))
    ]
    assert len(examples) >= 6
    return examples


_FILE_BLOCK = re.compile(r"```text file=(?P<name>\S+)\n(?P<body>.*?)```", re.DOTALL)


@pytest.mark.parametrize(("command", "output"), _doc_examples())
def test_docs_examples(
    command: str, output: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for block in _FILE_BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        (tmp_path / block["name"]).write_text(block["body"], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = shlex.split(command)[1:]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout == output


# --- SIM and UICC status words, by class (issue 18, Decoders) -------------------------------


@pytest.mark.parametrize(
    ("args", "meaning"),
    [
        (["--class", "gsm", "9F17"], "GSM: normal ending, 23 response bytes available"),
        (["--class", "GSM", "9840"], "GSM: unsuccessful CHV / UNBLOCK CHV verification"),
        (["--class", "uicc", "9862"], "UICC: authentication error, application specific"),
        (["9862"], "proprietary status word (application-specific)"),
    ],
)
def test_decode_sw_by_class(args: list[str], meaning: str) -> None:
    result = run("decode", "sw", "--json", *args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["meaning"].startswith(meaning)


def test_decode_response_by_class_and_a0_apdu_names() -> None:
    result = run("decode", "response", "--class", "gsm", "9E10")
    assert "GSM: SIM data download error" in result.stdout
    result = run("decode", "apdu", "A0 F2 00 00 16")
    assert "A0  GSM SIM (3GPP TS 51.011)" in result.stdout
    assert "F2  STATUS" in result.stdout
