"""The APDU script grammar: statements, ${NAME} substitution, expectations, syntax errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.apdu import Response
from cardwire.errors import UsageError
from cardwire.scripting.grammar import (
    MAX_ADDED_CHARS,
    MAX_LINE_CHARS,
    CloseChannel,
    CloseSecure,
    Expectation,
    OpenChannel,
    OpenSecure,
    Reset,
    SendApdu,
    Source,
    UseChannel,
    parse_script,
)

# The example of pcsc-tools' scriptor man page (LudovicRousseau/pcsc-tools, scriptor.1,
# DESCRIPTION): a scriptor file must parse unchanged.
SCRIPTOR_MAN_PAGE_EXAMPLE = (
    Path(__file__).parents[1] / "data" / "scriptor_man_page_example.apdu"
).read_text(encoding="utf-8")


def test_the_scriptor_man_page_example_parses_unchanged() -> None:
    script = parse_script(SCRIPTOR_MAN_PAGE_EXAMPLE)
    assert isinstance(script.statements[0], Reset)
    sent = [s.apdu.hex().upper() for s in script.statements if isinstance(s, SendApdu)]
    assert sent == [
        "A0A40000023F00",
        "A0C0000017",
        "A0A40000027F10",
        "A0C0000017",
        "A0A40000026F3A",
        "A0C000000F",
    ]
    assert script.apdu_count == 6


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("00B0000004", SendApdu(Source(1, "00B0000004"), bytes.fromhex("00B0000004"))),
        ("00 b0:00 00 04", SendApdu(Source(1, "00 b0:00 00 04"), bytes.fromhex("00B0000004"))),
        ("RESET", Reset(Source(1, "RESET"))),
        ("open-channel", OpenChannel(Source(1, "open-channel"))),
        ("channel 0", UseChannel(Source(1, "channel 0"), 0)),
        ("Channel 19", UseChannel(Source(1, "Channel 19"), 19)),
        ("close-channel 3", CloseChannel(Source(1, "close-channel 3"), 3)),
        ("close", CloseSecure(Source(1, "close"))),
        (
            "open bac --mrz 'L898902C<,690806,940623'  # the ICAO specimen",
            OpenSecure(
                Source(1, "open bac --mrz 'L898902C<,690806,940623'"),
                ("bac", "--mrz", "L898902C<,690806,940623"),
            ),
        ),
    ],
)
def test_one_statement_per_line(line: str, expected: object) -> None:
    assert parse_script(line).statements == (expected,)


@pytest.mark.parametrize(
    ("text", "sw", "pattern"),
    [
        ("00B0000004 expect 9000", "9000", None),
        ("00B0000004 EXPECT 61xx", "61XX", None),
        ("00B0000004 expect 9000 48.*", "9000", "48.*"),
        ("00B0000004 expect 9000 48 65 6C  # spaces in REGEX are ignored", "9000", "48656C"),
    ],
)
def test_expect_clause(text: str, sw: str, pattern: str | None) -> None:
    (statement,) = parse_script(text).statements
    assert isinstance(statement, SendApdu)
    assert statement.expect is not None
    assert statement.expect.sw == sw
    assert (statement.expect.data.pattern if statement.expect.data else None) == pattern


def test_comments_blank_lines_continuation_and_exit() -> None:
    script = parse_script(
        "# header\n"
        "\n"
        "00 A4 04 0C \\\n"
        "   0A F0636172647769726501 \\\n"
        "   expect 9000\n"
        "00B0000001   # trailing comment\n"
        "exit\n"
        "this is not even a statement\n"
    )
    first, second = script.statements
    assert isinstance(first, SendApdu)
    assert first.source.line == 3
    assert first.apdu == bytes.fromhex("00A4040C0AF0636172647769726501")
    assert first.expect == Expectation("9000")
    assert isinstance(second, SendApdu)
    assert second.source == Source(6, "00B0000001")


def test_set_and_substitution() -> None:
    script = parse_script(
        "set APP f0 63 61 72 64 77 69 72 65 01\n"
        "set SELECT 00A4040C0A${APP}\n"
        "${SELECT} expect 9000\n"
        "# ${UNDEFINED} in a comment is not looked at\n"
        "set APP F0636172647769726502\n"
        "00A4040C0A${APP}\n"
    )
    apdus = [s.apdu.hex().upper() for s in script.statements if isinstance(s, SendApdu)]
    assert apdus == ["00A4040C0AF0636172647769726501", "00A4040C0AF0636172647769726502"]
    assert script.statements[0].source.text == "${SELECT} expect 9000"  # as written


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("frobnicate 12", "line 1: unknown statement 'frobnicate'"),
        ("selct 3F00", "line 1: unknown statement 'selct'"),
        ("\n\n00A4", "line 3: not a command APDU: a command APDU needs a 4-byte header"),
        ("00A4040005AABB", "line 1: not a command APDU"),
        ("00B0 00 0G", "line 1: not a hex digit"),
        ("00B0000004 expect", "line 1: usage: HEX expect SW"),
        ("00B0000004 expect 900", "line 1: usage: HEX expect SW"),
        ("00B0000004 expect 90G0", "line 1: usage: HEX expect SW"),
        ("00B0000004 expect 9000 (", "line 1: expect: bad REGEX"),
        ("expect 9000", "line 1: expect needs an APDU"),
        ("${NOPE}", "line 1: ${NOPE} is not defined"),
        ("${1X}", "line 1: ${1X} is not a variable name"),
        ("set 1X 00", "line 1: usage: set NAME HEX"),
        ("set X", "line 1: usage: set NAME HEX"),
        ("set X 0", "line 1: odd number of hex digits"),
        ("reset now", "line 1: reset takes no arguments"),
        ("open-channel 1", "line 1: open-channel takes no arguments"),
        ("close now", "line 1: close takes no arguments"),
        ("channel", "line 1: usage: channel N"),
        ("channel 20", "line 1: usage: channel N"),
        ("channel x", "line 1: usage: channel N"),
        ("close-channel 0", "line 1: usage: close-channel N (N: 1..19)"),
        ("open", "line 1: usage: open PROTOCOL"),
        ("open bac --mrz 'unclosed", "line 1: open: No closing quotation"),
        ("00B0000004\n\\\nnope", "line 2: unknown statement 'nope'"),
    ],
)
def test_syntax_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_script(text)
    assert str(caught.value).startswith(message), str(caught.value)


def test_raw_takes_any_hex_but_no_open() -> None:
    (statement,) = parse_script("00A4040005AABB", raw=True).statements
    assert isinstance(statement, SendApdu)
    assert statement.apdu == bytes.fromhex("00A4040005AABB")
    with pytest.raises(UsageError, match="line 2: open needs the host layers"):
        parse_script("00B0000000\nopen bac --mrz X", raw=True)


@pytest.mark.parametrize(
    ("pattern", "sw", "matches"),
    [
        ("9000", 0x9000, True),
        ("9000", 0x9001, False),
        ("61XX", 0x6110, True),
        ("61XX", 0x6210, False),
        ("63CX", 0x63C2, True),
        ("XXXX", 0x6A82, True),
        ("6X82", 0x6A82, True),
        ("6X82", 0x6A83, False),
    ],
)
def test_sw_patterns(pattern: str, sw: int, matches: bool) -> None:
    assert Expectation(pattern).sw_matches(sw) is matches


def test_mismatch_texts() -> None:
    expect = Expectation("9000", re.compile("48.*", re.IGNORECASE))
    assert expect.mismatch(Response(b"Hello", 0x9000)) is None
    assert expect.mismatch(Response(b"", 0x6A82)) == (
        "expected SW 9000, received 6A82 (file or application not found)"
    )
    assert expect.mismatch(Response(b"\x01\x02", 0x9000)) == (
        "expected data matching 48.*, received 0102"
    )
    assert expect.mismatch(Response(b"", 0x9000)) == "expected data matching 48.*, received no data"
    assert expect.describe() == "SW 9000 and data matching 48.*"
    # the whole data must match, not a prefix
    assert Expectation("9000", re.compile("48")).mismatch(Response(b"He", 0x9000)) is not None


@given(st.integers(0, 0xFFFF), st.lists(st.booleans(), min_size=4, max_size=4))
def test_any_sw_matches_itself_with_any_digits_wildcarded(sw: int, wild: list[bool]) -> None:
    pattern = "".join("X" if w else d for w, d in zip(wild, f"{sw:04X}", strict=True))
    assert Expectation(pattern).sw_matches(sw)
    assert not Expectation(f"{sw ^ 0x0001:04X}").sw_matches(sw)


@given(st.text(alphabet=st.sampled_from("0123456789ABCDEFX ${}#\\\n:eoptnsxc-rl19"), max_size=80))
def test_any_text_gives_a_script_or_a_usage_error(text: str) -> None:
    try:
        parse_script(text)
    except UsageError as exc:
        assert str(exc).startswith("line ")


# --- bounded substitution (issue 15) -----------------------------------------------------------


def test_exponential_variables_are_refused_before_they_grow() -> None:
    # thirty doublings would need about 11 GB; the parse stops at the line limit
    text = "set A 00\n" + "set A ${A}${A}\n" * 30 + "00A4040000\n"
    with pytest.raises(UsageError, match=rf"line 18: .* \(at most {MAX_LINE_CHARS}\)"):
        parse_script(text)


def test_a_line_at_the_limit_is_accepted() -> None:
    data = "AB" * 65535  # the largest extended APDU: 65,545 bytes, 131,090 hex characters
    script = parse_script(f"set D {data}\n00D60000 00FFFF ${{D}}\n")
    (statement,) = script.statements
    assert isinstance(statement, SendApdu)
    assert len(statement.apdu) == 7 + 65535


def test_the_additions_of_a_whole_script_are_bounded() -> None:
    big = "AB" * 60_000
    line = "00D60000 00EA60 ${B}\n"
    count = MAX_ADDED_CHARS // len(big) + 1
    with pytest.raises(UsageError, match=rf"line {count + 1}: .*more than {MAX_ADDED_CHARS}"):
        parse_script(f"set B {big}\n" + line * count)
    assert len(parse_script(f"set B {big}\n" + line * (count - 1)).statements) == count - 1


@given(st.integers(1, 40), st.integers(1, 4))
def test_any_doubling_script_parses_or_is_refused(doublings: int, copies: int) -> None:
    text = "set A 00\n" + ("set A " + "${A}" * copies + "\n") * doublings + "${A}\n"
    try:
        script = parse_script(text, raw=True)
    except UsageError as exc:
        assert "at most" in str(exc) or "more than" in str(exc)
        assert len("set A ") + copies**doublings * 2 > MAX_LINE_CHARS  # the last set line
        return
    (statement,) = script.statements
    assert isinstance(statement, SendApdu)
    assert len(statement.apdu) == copies**doublings
