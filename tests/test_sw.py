"""Status words: the ISO/IEC 7816-4:2020 section 5.6 catalogue, helpers and check()."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.apdu import Command
from cardwire.errors import StatusError
from cardwire.sw import (
    SW,
    check,
    correct_le,
    is_success,
    is_valid,
    is_warning,
    meaning,
    more_data,
    retries_left,
)

# (SW, words its meaning must contain): ISO/IEC 7816-4:2013/2020 section 5.6 table 6, wording as
# reproduced by ecsec/open-ecard (Kotlin enum org.openecard.sc.apdu.StatusWord) and, for
# 6287/6340/6481/6482/6701/6702, by public decoders quoting "7816-4:2013 5.6, Table 6".
CATALOGUE = [
    (0x9000, "normal processing"),
    (0x6281, "part of returned data may be corrupted"),
    (0x6282, "end of file or record reached before reading ne bytes"),
    (0x6283, "selected file deactivated"),
    (0x6285, "selected file in termination state"),
    (0x6286, "no input data available from a sensor"),
    (0x6287, "at least one of the referenced records is deactivated"),
    (0x6381, "file filled up by the last write"),
    (0x6401, "immediate response required by the card"),
    (0x6481, "logical channel shared access denied"),
    (0x6482, "logical channel opening denied"),
    (0x6581, "memory failure"),
    (0x6700, "wrong length"),
    (0x6702, "the value of lc is not the one expected"),
    (0x6881, "logical channel not supported"),
    (0x6882, "secure messaging not supported"),
    (0x6883, "last command of the chain expected"),
    (0x6884, "command chaining not supported"),
    (0x6981, "command incompatible with file structure"),
    (0x6982, "security status not satisfied"),
    (0x6983, "authentication method blocked"),
    (0x6984, "reference data not usable"),
    (0x6985, "conditions of use not satisfied"),
    (0x6986, "command not allowed (no current ef)"),
    (0x6987, "expected secure messaging data objects missing"),
    (0x6988, "incorrect secure messaging data objects"),
    (0x6A80, "incorrect parameters in the command data field"),
    (0x6A81, "function not supported"),
    (0x6A82, "file or application not found"),
    (0x6A83, "record not found"),
    (0x6A84, "not enough memory space in the file"),
    (0x6A85, "nc inconsistent with tlv structure"),
    (0x6A86, "incorrect parameters p1-p2"),
    (0x6A87, "nc inconsistent with parameters p1-p2"),
    (0x6A88, "referenced data or reference data not found"),
    (0x6A89, "file already exists"),
    (0x6A8A, "df name already exists"),
    (0x6B00, "wrong parameters p1-p2"),
    (0x6D00, "instruction code not supported or invalid"),
    (0x6E00, "class not supported"),
    (0x6F00, "no precise diagnosis"),
    # parametrised status words (table 6): SW2 carries a number
    (0x6110, "16 response bytes still available"),
    (0x6100, "256 response bytes still available"),
    (0x6C08, "8 data bytes available"),
    (0x63C2, "counter 2"),
    (0x6210, "triggering by the card"),
    # not in the catalogue: generic text by SW1 group, proprietary, invalid
    (0x6A99, "wrong parameters p1-p2"),
    (0x6999, "command not allowed"),
    (0x9100, "proprietary"),
    (0x9FFF, "proprietary"),
    (0x6000, "not a valid status word"),
    (0x0000, "not a valid status word"),
]


@pytest.mark.parametrize(("sw", "words"), CATALOGUE)
def test_meaning(sw: int, words: str) -> None:
    assert words in meaning(sw).lower()


def test_enum_values_have_their_own_meaning() -> None:
    for member in SW:
        assert "not defined" not in meaning(member)
        assert "proprietary" not in meaning(member)


@given(st.integers(0, 0xFFFF))
def test_meaning_never_fails(sw: int) -> None:
    text = meaning(sw)
    assert text
    assert "\n" not in text


@pytest.mark.parametrize("bad", [-1, 0x10000])
def test_meaning_outside_range(bad: int) -> None:
    assert "not a status word" in meaning(bad)


@pytest.mark.parametrize(
    ("sw", "more", "retries", "le"),
    [
        (0x6110, 16, None, None),
        (0x6100, 256, None, None),  # ISO 7816-4 5.6: SW2 = 00 stands for 256 here
        (0x61FF, 255, None, None),
        (0x63C0, None, 0, None),
        (0x63C3, None, 3, None),
        (0x63CF, None, 15, None),
        (0x6300, None, None, None),
        (0x6C20, None, None, 32),
        (0x6C00, None, None, 256),
        (0x9000, None, None, None),
    ],
)
def test_helpers(sw: int, more: int | None, retries: int | None, le: int | None) -> None:
    assert more_data(sw) == more
    assert retries_left(sw) == retries
    assert correct_le(sw) == le


@given(st.integers(0, 0xFFFF))
def test_classes_are_consistent(sw: int) -> None:
    assert not (is_success(sw) and is_warning(sw))
    if is_success(sw) or is_warning(sw):
        assert is_valid(sw)
    assert (more_data(sw) is not None) == (sw >> 8 == 0x61)


@pytest.mark.parametrize("sw", [0x9000, 0x6100, 0x6145, 0x6282, 0x6200])
def test_check_passes(sw: int) -> None:
    check(sw)


@pytest.mark.parametrize("sw", [0x63C2, 0x6300, 0x6700, 0x6A82, 0x6982, 0x6D00, 0x9100, 0x6C10])
def test_check_raises_with_sw_meaning_and_command(sw: int) -> None:
    # ICAO Doc 9303 Part 11 Appendix D.4: unprotected SELECT EF.COM.
    command = Command.decode(bytes.fromhex("00A4020C02011E"))
    with pytest.raises(StatusError) as info:
        check(sw, command)
    error = info.value
    assert error.sw == sw
    assert error.meaning == meaning(sw)
    assert error.command is command
    assert f"{sw:04X}" in str(error)
    assert "SELECT" in str(error)
