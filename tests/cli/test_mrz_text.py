"""``--mrz`` as DOC,BIRTH,EXPIRY or as the MRZ lines: TD3, TD2, TD1 and long document numbers."""

from __future__ import annotations

import re

import pytest

from cardwire.cli.mrz_text import parse_mrz
from cardwire.errors import UsageError

# ICAO Doc 9303-4 Appendix A specimen passport (TD3), 9303-5 specimen ID card (TD1)
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)
# 9303-5 4.2.4 note j: a 12-character number, D23145890734, its check digit 9 after it
TD1_LONG = "I<UTOD23145890<7349<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6"
# 9303-6 specimen (TD2)
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"


def fields(text: str) -> tuple[str, str, str]:
    info = parse_mrz(text)
    return info.document_number, info.date_of_birth, info.date_of_expiry


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (TD3, ("L898902C3", "740812", "120415")),
        (TD3.splitlines()[1], ("L898902C3", "740812", "120415")),
        (TD3.replace("\n", " "), ("L898902C3", "740812", "120415")),
        (TD3.replace("\n", ""), ("L898902C3", "740812", "120415")),
        (TD3.lower(), ("L898902C3", "740812", "120415")),
        (TD1, ("D23145890", "740812", "120415")),
        ("\n".join(TD1.splitlines()[:2]), ("D23145890", "740812", "120415")),
        (TD1_LONG, ("D23145890734", "740812", "120415")),
        (TD2, ("D23145890", "740812", "120415")),
        (TD2.splitlines()[1], ("D23145890", "740812", "120415")),
        ("L898902C<,690806,940623", ("L898902C<", "690806", "940623")),
    ],
)
def test_mrz_forms(text: str, expected: tuple[str, str, str]) -> None:
    assert fields(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (TD1.splitlines()[0], "a TD1 card (ID card, 3 lines of 30) needs lines 1 and 2"),
        (TD1.splitlines()[1], "a TD1 card (ID card, 3 lines of 30) needs lines 1 and 2"),
        (TD3.replace("C36UTO", "C37UTO"), "check digit of the document number does not match"),
        (TD3.replace("7408122", "7408132"), "check digit of the date of birth does not match"),
        (TD3.replace("1204159", "1204169"), "check digit of the date of expiry does not match"),
        (TD1_LONG.replace("<7349<", "<7348<"), "check digit of the document number"),
        ("I<UTOD23145890<<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6", "optional data"),
        ("L898902C36UTO", "got 1 line(s) of 13 characters"),
    ],
)
def test_bad_mrz_lines_are_refused_without_repeating_them(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=re.escape(problem)) as caught:
        parse_mrz(text)
    assert "L898902" not in str(caught.value)
    assert "D2314" not in str(caught.value)
