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
        ("verify", ["--pad-ff", "1", "1234"], "002000010831323334FFFFFFFF"),
        ("change-pin", ["1", "1234", "5678"], "002400010831323334" + "35363738"),
        ("unblock-pin", ["1", "12345678", "1234"], "002C00010C3132333435363738" + "31323334"),
        ("update-binary", ["2", "AB"], "00D6000201AB"),
        ("update-record", ["1", "AB"], "00DC010401AB"),
        ("get-data", ["5F52"], "00CA5F5200"),
        ("read-binary", ["40000", "4"], "00B100000454029C4006"),  # Ne: 4 + DO 53 header
        ("get-challenge", [], "0084000008"),
    ],
)
def test_each_named_command_builds_its_apdu(name: str, args: list[str], apdu: str) -> None:
    assert to_hex(build_command(name, args).encode()) == apdu


def test_unknown_names_and_bad_words_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="named: change-pin, get-challenge, get-data"):
        build_command("list", [])
    with pytest.raises(UsageError, match="usage: read-record N"):
        build_command("read-record", [])
    with pytest.raises(UsageError, match="select: not a hex digit"):
        build_command("select", ["3G00"])


def test_only_the_pin_commands_are_secret() -> None:
    secret = [name for name, entry in NAMED_COMMANDS.items() if entry.secret]
    assert secret == ["verify", "change-pin", "unblock-pin"]


def test_parse_expectation_is_the_scripts_expect() -> None:
    expectation = parse_expectation(["61XX"])
    assert expectation.sw_matches(0x6110)
    assert not expectation.sw_matches(0x9000)
    with pytest.raises(UsageError, match="usage: HEX expect SW"):
        parse_expectation([])
