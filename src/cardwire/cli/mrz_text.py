"""``--mrz``: the MRZ as ``DOC,BIRTH,EXPIRY`` or as the machine-readable lines themselves.

The lines may be pasted as they are (one argument, lines separated by newlines or spaces):

- TD3 (passports, ICAO Doc 9303-4): the second line (44 characters) is enough, or both lines;
- TD2 (ICAO 9303-6): the second line (36 characters), or both;
- TD1 (ID cards, ICAO 9303-5): lines 1 and 2 (30 characters each), or all three: the document
  number is in line 1 and the dates in line 2; a line alone is refused with that reason.

A document number longer than 9 characters (TD1 and TD2) continues in the optional data: the
check-digit position holds ``<`` and the rest of the number, then its check digit, open the
optional data (ICAO 9303-5 4.2.4 note j, 9303-6 4.2.4); BAC and PACE use the whole number.
Every check digit (ICAO 9303-3 4.9) is verified, so that a mistyped line is refused before the
card sees it. Error messages never repeat the MRZ: it is the document's access key.
"""

from __future__ import annotations

from cardwire.errors import UsageError
from cardwire.handshakes.bac import MrzInformation
from cardwire.sm.bac import check_digit

TD1_LENGTH, TD2_LENGTH, TD3_LENGTH = 30, 36, 44


def _checked(value: str, digit: str, what: str) -> str:
    # ICAO 9303-3 4.9: weights 7, 3, 1 over the field, modulus 10
    if check_digit(value) != digit:
        raise UsageError(f"MRZ: the check digit of the {what} does not match; is a line mistyped?")
    return value


def _number(field: str, digit: str, optional: str) -> str:
    """The document number, continued in the optional data when its check digit is '<'."""
    if digit != "<":
        return _checked(field, digit, "document number").rstrip("<")
    rest = optional.split("<", 1)[0]
    if len(rest) < 2:
        raise UsageError("MRZ: the document number continues in the optional data, which is empty")
    # ICAO 9303-5 4.2.4 note j: the number's last characters, then its check digit
    full = field + rest[:-1]
    return _checked(full, rest[-1], "document number")


def _dates(line: str, at: int) -> tuple[str, str]:
    """Birth (at ``at``) and expiry (at ``at + 8``), each followed by its check digit."""
    birth = _checked(line[at : at + 6], line[at + 6], "date of birth")
    expiry = _checked(line[at + 8 : at + 14], line[at + 14], "date of expiry")
    return birth, expiry


def _lines(text: str) -> list[str]:
    words = [word for word in text.replace("\r", "\n").split() if word]
    joined = "".join(words).upper()
    if len(words) == 1 and len(joined) in (2 * TD1_LENGTH, 2 * TD2_LENGTH, 2 * TD3_LENGTH):
        half = len(joined) // 2  # two lines pasted without a separator
        return [joined[:half], joined[half:]]
    return [word.upper() for word in words]


def parse_mrz(text: str) -> MrzInformation:
    """``DOC,BIRTH,EXPIRY`` or MRZ lines (module doc) as the three BAC/PACE fields."""
    if "," in text:
        return MrzInformation.parse(text)
    lines = _lines(text)
    lengths = [len(line) for line in lines]
    if lengths in ([TD3_LENGTH], [TD3_LENGTH, TD3_LENGTH], [TD2_LENGTH], [TD2_LENGTH] * 2):
        line = lines[-1]  # TD3 (9303-4 4.2.2) and TD2 (9303-6 4.2.2): number, then dates
        number = _number(line[0:9], line[9], line[28:35] if len(line) == TD2_LENGTH else "")
        birth, expiry = _dates(line, 13)
        return MrzInformation(number, birth, expiry)
    if lengths in ([TD1_LENGTH] * 2, [TD1_LENGTH] * 3):
        first, second = lines[:2]  # TD1 (9303-5 4.2.2): number in line 1, dates in line 2
        number = _number(first[5:14], first[14], first[15:30])
        birth, expiry = _dates(second, 0)
        return MrzInformation(number, birth, expiry)
    if lengths == [TD1_LENGTH]:
        raise UsageError(
            "MRZ: a TD1 card (ID card, 3 lines of 30) needs lines 1 and 2: the document number "
            "is in line 1, the dates in line 2"
        )
    raise UsageError(
        "the MRZ must be DOC,BIRTH,EXPIRY (document number, YYMMDD, YYMMDD) or the MRZ lines: "
        "TD3 line 2 (44 characters), TD2 line 2 (36), or TD1 lines 1 and 2 (30 each); got "
        f"{len(lines)} line(s) of {', '.join(str(n) for n in lengths) or 'no'} characters"
    )


__all__ = ["parse_mrz"]
