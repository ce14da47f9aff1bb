"""The named commands shared by scripts and the shell: the APDU each builds, and bad words."""

from __future__ import annotations

import pytest

from cardwire.errors import UsageError
from cardwire.hexutil import to_hex
from cardwire.scripting.grammar import parse_expectation
from cardwire.scripting.named import NAMED_COMMANDS, build_command


@pytest.mark.parametrize(
    ("name", "args", "apdu"),
    [
        ("select", ["3F00"], "00A40000023F0000"),
        ("SELECT", ["A000000151000000"], "00A4040008A00000015100000000"),
        ("read-binary", [], "00B0000000"),
        ("read-binary", ["16", "4"], "00B0001004"),
        ("read-record", ["2"], "00B2020400"),
        ("verify", ["1", "1234"], "002000010431323334"),
        ("get-challenge", [], "0084000008"),
    ],
)
def test_each_named_command_builds_its_apdu(name: str, args: list[str], apdu: str) -> None:
    assert to_hex(build_command(name, args).encode()) == apdu


def test_unknown_names_and_bad_words_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="named: get-challenge, read-binary"):
        build_command("list", [])
    with pytest.raises(UsageError, match="usage: read-record N"):
        build_command("read-record", [])
    with pytest.raises(UsageError, match="select: not a hex digit"):
        build_command("select", ["3G00"])


def test_only_verify_is_secret() -> None:
    assert [name for name, entry in NAMED_COMMANDS.items() if entry.secret] == ["verify"]


def test_parse_expectation_is_the_scripts_expect() -> None:
    expectation = parse_expectation(["61XX"])
    assert expectation.sw_matches(0x6110)
    assert not expectation.sw_matches(0x9000)
    with pytest.raises(UsageError, match="usage: HEX expect SW"):
        parse_expectation([])
