"""``cardwire decode tlv`` and ``cardwire decode atr`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cardwire import tlv
from cardwire.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_one_line_error(result: Result, code: int, text: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert text in lines[0]


# ICAO Doc 9303 Part 11, appendix D.4: protected READ BINARY response data objects
SM_RESPONSE = "87 09 01 9F F0 EC 34 F9 92 26 51 99 02 90 00 8E 08 AD 55 CC 17 14 0B 2D ED"


def test_decode_tlv_text_tree() -> None:
    result = run("decode", "tlv", "60145f01:04303130", "36 5F3606 303430303030 5C026175")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # EF.COM: the first tag 60 chooses the ICAO LDS names (docs/cli.md, decode tlv)
    assert lines[0] == "60 EF.COM (application 0, constructed) len 20"
    assert lines[1] == "  5F01 LDS version (application 1, primitive) len 4: 30313036  '0106'"
    assert lines[3] == "  5C tag list (application 28, primitive) len 2: 6175  'au'"


@pytest.mark.parametrize(
    ("dictionary", "data", "first_line"),
    [
        ("auto", "62 03 80 01 1D", "62 FCP template (application 2, constructed) len 3"),
        ("auto", "66 04 73 02 06 00", "66 card data (application 6, constructed) len 4"),
        ("icao", "66 04 73 02 06 00", "66 DG6 (application 6, constructed) len 4"),
        ("auto", "A4 03 8F 01 00", "A4 application info template (context 4, constructed) len 3"),
        ("auto", "E3 03 4F 01 00", "E3 GP registry related data (private 3, constructed) len 3"),
        ("none", "62 03 80 01 1D", "62 (application 2, constructed) len 3"),
    ],
)
def test_decode_tlv_names_tags_from_the_chosen_dictionary(
    dictionary: str, data: str, first_line: str
) -> None:
    result = run("decode", "tlv", "--dict", dictionary, data)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == first_line


def test_decode_tlv_json_carries_the_names() -> None:
    result = run("decode", "tlv", "--json", "--dict", "iso7816", "62 03 80 01 1D")
    tree = json.loads(result.stdout)
    assert tree[0]["name"] == "FCP template"
    assert tree[0]["children"][0]["name"] == "number of data bytes"


def test_decode_tlv_json_is_one_document() -> None:
    result = run("decode", "tlv", "--json", SM_RESPONSE)
    assert result.exit_code == 0, result.output
    tree = json.loads(result.stdout)
    assert [(n["tag"], n["value"]) for n in tree] == [
        ("87", "019FF0EC34F9922651"),
        ("99", "9000"),
        ("8E", "AD55CC17140B2DED"),
    ]


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("8781",), "cut short"),
        (("3080", "0000"), "indefinite"),
        (("04 81 01 AA",), "non-minimal"),
        (("0401AA00",), "where a tag was expected"),
        (("300304 05AA",), "announces 5"),
        (("0G",), "not a hex digit"),
        (("ABC",), "odd number"),
        (("",), "no BER-TLV"),
    ],
)
def test_decode_tlv_bad_input_exit_2(args: tuple[str, ...], text: str) -> None:
    assert_one_line_error(run("decode", "tlv", *args), 2, text)


def test_decode_tlv_lenient() -> None:
    result = run("decode", "tlv", "--lenient", "--json", "00 04 81 01 AA FF 30 03 04 05 AA")
    assert result.exit_code == 0, result.output
    tree = json.loads(result.stdout)
    assert tree[0]["value"] == "AA"
    assert tree[1]["value"] == "0405AA" and "problem" in tree[1]


def test_decode_tlv_needs_an_argument() -> None:
    result = run("decode", "tlv")
    assert result.exit_code == 2


# pcsc-tools smartcard_list.txt: Yubikey 5 NFC (via NFC)
YUBIKEY = "3B 8D 80 01 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 F9"


def test_decode_atr_text() -> None:
    result = run("decode", "atr", YUBIKEY)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "direct convention" in out
    assert "T=0, T=1" in out
    assert "extended Lc/Le yes" in out
    assert "F9  valid" in out


def test_decode_atr_json() -> None:
    result = run("decode", "atr", "--json", YUBIKEY.lower())
    assert result.exit_code == 0, result.output
    fields = json.loads(result.stdout)
    assert fields["atr"] == YUBIKEY.replace(" ", "")
    assert fields["protocols"] == [0, 1]
    assert fields["tck"] == "F9" and fields["tck_valid"] is True
    assert fields["supports_extended_length"] is True
    assert fields["logical_channels"] == 1
    assert fields["historical"]["card_capabilities"]["raw"] == "C021C0"


def test_decode_atr_invalid_tck_is_shown() -> None:
    result = run("decode", "atr", YUBIKEY[:-2] + "F8")
    assert result.exit_code == 0
    assert "F8  INVALID" in result.stdout


@pytest.mark.parametrize(
    ("hex_text", "text"),
    [("3C00", "TS must be"), ("3B8001", "TCK missing"), ("3B10", "announces TA1"), ("3", "odd")],
)
def test_decode_atr_bad_input_exit_2(hex_text: str, text: str) -> None:
    assert_one_line_error(run("decode", "atr", hex_text), 2, text)


@pytest.mark.parametrize("as_json", [False, True])
def test_decode_tlv_deep_nesting_is_one_error_line(as_json: bool) -> None:
    data = b""
    for _ in range(1200):  # 4.6 KB: a RecursionError traceback before issue 15
        data = tlv.tlv(0x30, data)
    args = ["decode", "tlv", *(["--json"] if as_json else []), data.hex()]
    assert_one_line_error(run(*args), 2, "deeper than 64 levels (MAX_DEPTH) (at offset 256)")


# --- ATR details as pcsc-tools' ATR_analysis prints them (issue 18, Decoders) ---------------


def _atr_rows(*args: str) -> dict[str, list[str]]:
    result = run("decode", "atr", *args)
    assert result.exit_code == 0, result.output
    rows: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        label, _, value = line.partition("  ")
        rows.setdefault(label.strip(), []).append(value.strip())
    return rows


def test_ta_after_t15_is_clock_stop_and_class() -> None:
    rows = _atr_rows("3B9F96801FC78031E073FE211B633A204E83009000B1")
    # ATR_analysis: "TA(3) = C7 --> Clock stop: no preference - Class accepted by the card:
    # (3G) A 5V B 3V C 1.8V"
    assert rows["TA3"] == ["C7  clock stop: no preference - classes accepted: A 5V B 3V C 1.8V"]
    rows = _atr_rows("3B9F96801F478031E073FE211B633A204E83009000B1")
    assert rows["TA3"][0].startswith("47  clock stop: state L")


def test_tc1_shows_its_value() -> None:
    assert _atr_rows("3B 40 00")["TC1"] == ["00  extra guard time: 0"]
    assert _atr_rows("3B 40 FF")["TC1"][0].startswith("FF  extra guard time: 255 (special value")


@pytest.mark.parametrize(
    ("atr", "line"),
    [
        # the exact numbers ATR_analysis (pcsc-tools 1.6) prints for these TA1 values
        (
            "3B9F96801FC78031E073FE211B633A204E83009000B1",
            "Fi=512, Di=32, 16 cycles/ETU; 250000 bits/s at 4 MHz, fMax for Fi = 5 MHz => "
            "312500 bits/s",
        ),
        (
            "3B 16 18 80 11 FE 75 00 00",
            "Fi=372, Di=12, 31 cycles/ETU; 129032 bits/s at 4 MHz, fMax for Fi = 5 MHz => "
            "161290 bits/s",
        ),
    ],
)
def test_the_baud_rate_line_is_atr_analysis_s(atr: str, line: str) -> None:
    assert _atr_rows(atr)["baud rate"] == [line]


def test_identified_from_the_card_list(tmp_path: Path) -> None:
    cards = tmp_path / "cards.txt"
    cards.write_text("3B 40 ..\n\tsome card\n\tits maker\n", encoding="utf-8")
    assert _atr_rows("--card-list", str(cards), "3B4000")["identified"] == [
        "some card",
        "its maker",
    ]
    assert _atr_rows("--card-list", str(cards), "3B0100")["identified"] == ["(not listed)"]
    result = run("decode", "atr", "--json", "--card-list", str(cards), "3B4000")
    fields = json.loads(result.stdout)
    assert fields["identified"] == ["some card", "its maker"]
    assert fields["baud_rate"].startswith("Fi=372, Di=1, 372 cycles/ETU")


def test_the_selection_methods_are_listed_as_atr_analysis_lists_them() -> None:
    # pcsc-tools' smartcard_list.txt: Dutch Biometric Passport; ATR_analysis 1.8 prints
    # "Selection methods: 84" then these two lines
    lines = run("decode", "atr", "3B 85 80 01 80 73 84 21 40 12").stdout.splitlines()
    assert [line.split("  ")[-1] for line in lines if line.startswith("  selection ")] == [
        "DF selection by full DF name",
        "Short EF identifier supported",
    ]
    fields = json.loads(run("decode", "atr", "--json", "3B8580018073842140 12").stdout)
    assert fields["historical"]["card_capabilities"]["selection_method_names"] == [
        "DF selection by full DF name",
        "Short EF identifier supported",
    ]
