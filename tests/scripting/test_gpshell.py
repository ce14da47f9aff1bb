"""The GPShell script grammar (cardwire.scripting.gpshell): statements, options, numbers,
comments, and the one-line errors for what cardwire cannot do."""

from __future__ import annotations

import pytest

from cardwire.errors import UsageError
from cardwire.scripting.gpshell import parse_gpshell

KEY = "404142434445464748494a4b4c4d4e4f"


def test_comments_blank_lines_and_option_case_are_gpshell_s() -> None:
    text = (
        "// a comment line\n"
        "# another\n"
        "\n"
        "mode_211\n"
        "select -aid A000000151000000 // trailing comment\n"
        "send_apdu -sc 0, -APDU 80CA006600\n"
    )
    statements = parse_gpshell(text)
    assert [(s.line, s.command) for s in statements] == [
        (4, "mode_211"),
        (5, "select"),
        (6, "send_apdu"),
    ]
    assert statements[1].hex("AID") == bytes.fromhex("A000000151000000")
    assert statements[2].number("sc") == 0


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (f"-scp 2 -scpimpl 0x15 -security 3 -keyver 32 -key {KEY}", {"i": "15", "level": "03"}),
        (f"-scp 2 -key {KEY}", {"i": "55", "level": "01", "kvn": "00"}),
        (
            f"-scp 3 -scpimpl 0x71 -security 51 -keyver 0x30 -key {KEY}",
            {"s16": True, "level": "33"},
        ),
        (f"-scp 3 -security 19 -key {KEY}", {"s16": False, "level": "13", "protocol": "scp03"}),
        (f"-security 1 -key {KEY}", {"protocol": None}),
    ],
)
def test_open_sc_maps_to_cardwire_session_values(options: str, expected: dict[str, object]) -> None:
    (_, statement) = parse_gpshell(f"mode_211\nopen_sc {options}\n")
    assert statement.secure is not None
    assert expected.items() <= statement.secure.items()


def test_separate_keys_become_enc_mac_dek() -> None:
    text = "mode_211\nopen_sc -scp 3 -mac_key 02 -enc_key 01 -kek_key 03\n"
    (_, statement) = parse_gpshell(text)
    assert statement.secure is not None and statement.secure["keys"] == "01,02,03"


def test_environment_variables_are_replaced() -> None:
    (statement,) = parse_gpshell("select -AID ${ISD}\n", {"ISD": "A000000151000000"})
    assert statement.options["AID"] == "A000000151000000"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (f"open_sc -scp 2 -scpimpl 0x05 -key {KEY}", "line 2: open_sc: -scpimpl 0x05"),
        (f"open_sc -scp 1 -key {KEY}", "line 2: open_sc: -scp 1"),
        (f"open_sc -scp 2 -security 51 -key {KEY}", "line 2: open_sc: -security 51"),
        (f"open_sc -scp 3 -keyDerivation visa2 -key {KEY}", "-keyDerivation visa2"),
        (f"open_sc -scp 3 -keyind 1 -key {KEY}", "-keyind"),
        (f"open_sc -scp 3 -mac_key {KEY}", "give -key, or all of"),
        ("get_status -element 30", "line 2: get_status: -element 30"),
        ("select", "line 2: select: option -AID is required"),
        ("select -AID nothex", "line 2: select: -AID nothex"),
        ("delete -AID A0 -force 1", "option -force is not supported"),
        ("install_for_install -pkgAID A0 -AID A0 -priv x", "-priv x"),
        ("get_card_fingerprint", "get_card_fingerprint: not a GPShell command"),
        ("send_apdu -sc 2 -APDU 00A40400", "-sc takes 0 or 1"),
        ("select -AID ${NOPE}", "${NOPE} is not set"),
    ],
)
def test_what_cardwire_cannot_do_is_one_line_naming_it(line: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_gpshell(f"mode_211\n{line}\n")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_mode_201_without_scp_is_scp01_which_cardwire_refuses() -> None:
    with pytest.raises(UsageError, match="mode_201 opens SCP01"):
        parse_gpshell(f"open_sc -security 1 -keyind 0 -keyver 0 -key {KEY}\n")
    (statement,) = parse_gpshell(f"open_sc -scp 2 -key {KEY}\n")
    assert statement.secure is not None and statement.secure["protocol"] == "scp02"
