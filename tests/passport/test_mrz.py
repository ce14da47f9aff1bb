"""MRZ decoding: the ICAO 9303 specimen MRZs of TD1 (9303-5), TD2 (9303-6) and TD3 (9303-4)
with every check digit, and a wrong digit caught."""

from __future__ import annotations

import pytest

from cardwire.errors import DecodeError
from cardwire.passport.mrz import parse_mrz

# ICAO Doc 9303-4 Appendix A (TD3), 9303-5 Appendix A (TD1), 9303-6 Appendix A (TD2): the
# specimen of "ANNA MARIA ERIKSSON", Utopia.
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6"


@pytest.mark.parametrize(
    ("text", "kind", "number"),
    [(TD3, "TD3", "L898902C3"), (TD1, "TD1", "D23145890"), (TD2, "TD2", "D23145890")],
)
def test_specimens_decode_with_every_check_digit_right(text: str, kind: str, number: str) -> None:
    mrz = parse_mrz(text)
    assert (mrz.format, mrz.valid, mrz.document_number) == (kind, True, number)
    fields = mrz.fields()
    assert (fields["surname"], fields["given_names"]) == ("ERIKSSON", "ANNA MARIA")
    assert (mrz.date_of_birth, mrz.date_of_expiry, mrz.sex) == ("740812", "120415", "F")
    assert mrz.issuing_state == mrz.nationality == "UTO"


def test_td3_checks_are_all_there() -> None:
    assert set(parse_mrz(TD3).checks) == {
        "document_number", "date_of_birth", "date_of_expiry", "optional_data", "composite"
    }  # fmt: skip


@pytest.mark.parametrize("position", [9, 19, 27, 42, 43])
def test_a_changed_digit_fails_its_check(position: int) -> None:
    line2 = TD3[44:]
    digit = str((int(line2[position]) + 1) % 10)
    mrz = parse_mrz(TD3[:44] + line2[:position] + digit + line2[position + 1 :])
    assert not mrz.valid


def test_line_breaks_are_ignored_and_lengths_checked() -> None:
    assert parse_mrz(TD3[:44] + "\n" + TD3[44:]).valid
    with pytest.raises(DecodeError):
        parse_mrz(TD3[:-1])
    with pytest.raises(DecodeError):
        parse_mrz(TD3.lower())


def test_td1_long_document_number_continues_in_the_optional_data() -> None:
    # 9303-5 4.2.4 note j: number D23145890123 (check digit 3 over all 12 characters).
    from cardwire.sm.bac import check_digit

    number = "D23145890123"
    line1 = "I<UTO" + number[:9] + "<" + (number[9:] + check_digit(number)).ljust(15, "<")
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    mrz = parse_mrz(line1 + line2 + check_digit(composite) + TD1[60:])
    assert (mrz.document_number, mrz.valid) == (number, True)


def test_td2_long_document_number_continues_in_the_optional_data() -> None:
    # 9303-6 4.2.4 note: the same number on a TD2; line 2 positions 29-35 hold the rest.
    from cardwire.sm.bac import check_digit

    number = "D23145890123"
    optional = (number[9:] + check_digit(number)).ljust(7, "<")
    line2 = number[:9] + "<" + "UTO7408122F1204159" + optional
    composite = line2[0:10] + line2[13:20] + line2[21:35]
    mrz = parse_mrz(TD2[:36] + line2 + check_digit(composite))
    assert (mrz.document_number, mrz.optional_data, mrz.valid) == (number, "", True)
