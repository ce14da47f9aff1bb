"""Machine Readable Zones of TD1, TD2 and TD3 documents: fields and check digits.

Sources: ICAO Doc 9303-3 4.9 (check digits), 9303-4 4.2 (TD3, two lines of 44), 9303-5 4.2
(TD1, three lines of 30), 9303-6 4.2 (TD2, two lines of 36). DG1 holds the MRZ without line
breaks (9303-10, data group 1), so :func:`parse_mrz` takes the characters in one string.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cardwire.errors import DecodeError
from cardwire.sm.bac import check_digit

TD1_LENGTH, TD2_LENGTH, TD3_LENGTH = 90, 72, 88  # 9303-5/-6/-4: 3 x 30, 2 x 36, 2 x 44


@dataclass(frozen=True, slots=True)
class Mrz:
    """The decoded fields of an MRZ; ``checks`` maps each check digit to whether it is right."""

    format: str  # "TD1", "TD2" or "TD3"
    document_code: str
    issuing_state: str
    primary_identifier: str
    secondary_identifier: str
    document_number: str
    nationality: str
    date_of_birth: str
    sex: str
    date_of_expiry: str
    optional_data: str
    optional_data_2: str = ""
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """Every check digit is right."""
        return all(self.checks.values())

    def fields(self) -> dict[str, str]:
        """The fields as text with fillers removed (the report's ``mrz`` object)."""
        return {
            "format": self.format,
            "document_code": _clean(self.document_code),
            "issuing_state": _clean(self.issuing_state),
            "surname": self.primary_identifier,
            "given_names": self.secondary_identifier,
            "document_number": _clean(self.document_number),
            "nationality": _clean(self.nationality),
            "date_of_birth": self.date_of_birth,
            "sex": _clean(self.sex),
            "date_of_expiry": self.date_of_expiry,
            "optional_data": _clean(self.optional_data + self.optional_data_2),
        }


def _clean(text: str) -> str:
    return text.replace("<", " ").strip()


def _names(text: str) -> tuple[str, str]:
    # 9303-3 4.6: primary and secondary identifiers separated by '<<', name parts by '<'.
    primary, _, secondary = text.partition("<<")
    return _clean(primary), _clean(secondary)


def _digit_ok(data: str, digit: str) -> bool:
    # 9303-3 4.9; an all-filler optional field may carry '<' as its check digit (9303-4 4.2.2).
    if digit == "<" and set(data) <= {"<"}:
        return True
    return check_digit(data) == digit


def parse_mrz(text: str) -> Mrz:
    """Decode an MRZ given as its characters without line breaks (or with them)."""
    chars = "".join(text.split())
    if any(not (c.isdigit() or "A" <= c <= "Z" or c == "<") for c in chars):
        raise DecodeError("the MRZ holds characters other than A-Z, 0-9 and '<'", 0)
    if len(chars) == TD3_LENGTH:
        return _two_lines(chars, 44, "TD3")
    if len(chars) == TD2_LENGTH:
        return _two_lines(chars, 36, "TD2")
    if len(chars) == TD1_LENGTH:
        return _td1(chars)
    raise DecodeError(f"an MRZ has 90, 72 or 88 characters, got {len(chars)}", 0)


def _two_lines(chars: str, width: int, kind: str) -> Mrz:
    # 9303-4 4.2.2 (TD3) and 9303-6 4.2.2 (TD2) share the second line's layout up to the
    # optional data; TD3 has a check digit on its optional data, TD2 none.
    line1, line2 = chars[:width], chars[width:]
    surname, given = _names(line1[5:])
    end = width - 1
    number, optional = line2[0:9], line2[28 : end - 1 if kind == "TD3" else end]
    checks = {
        "document_number": _digit_ok(number, line2[9]),
        "date_of_birth": _digit_ok(line2[13:19], line2[19]),
        "date_of_expiry": _digit_ok(line2[21:27], line2[27]),
    }
    if kind == "TD2" and line2[9] == "<":
        # 9303-6 4.2.4 note: a number longer than 9 characters goes on into the optional
        # data, ended by its check digit.
        rest = optional.rstrip("<")
        number, optional = number + rest[:-1], ""
        checks["document_number"] = _digit_ok(number, rest[-1:] or "?")
    if kind == "TD3":
        checks["optional_data"] = _digit_ok(line2[28:42], line2[42])
    # Composite check digit (9303-4 4.2.2.2 / 9303-6 4.2.2): positions 1-10, 14-20, 22-end.
    checks["composite"] = _digit_ok(line2[0:10] + line2[13:20] + line2[21:end], line2[end])
    return Mrz(
        format=kind,
        document_code=line1[0:2],
        issuing_state=line1[2:5],
        primary_identifier=surname,
        secondary_identifier=given,
        document_number=number,
        nationality=line2[10:13],
        date_of_birth=line2[13:19],
        sex=line2[20],
        date_of_expiry=line2[21:27],
        optional_data=optional,
        checks=checks,
    )


def _td1(chars: str) -> Mrz:
    # 9303-5 4.2.2: line 1 code, state, number + check digit, optional data; line 2 dates,
    # sex, nationality, optional data, composite; line 3 the name.
    line1, line2, line3 = chars[:30], chars[30:60], chars[60:]
    number, optional = line1[5:14], line1[15:30]
    checks = {
        "date_of_birth": _digit_ok(line2[0:6], line2[6]),
        "date_of_expiry": _digit_ok(line2[8:14], line2[14]),
    }
    if line1[14] == "<":
        # 9303-5 4.2.4 note j: a longer number continues in the optional data and ends with
        # its check digit.
        rest = optional.rstrip("<")
        number, optional = number + rest[:-1], ""
        checks["document_number"] = _digit_ok(number, rest[-1:] or "?")
    else:
        checks["document_number"] = _digit_ok(number, line1[14])
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    checks["composite"] = _digit_ok(composite, line2[29])
    surname, given = _names(line3)
    return Mrz(
        format="TD1",
        document_code=line1[0:2],
        issuing_state=line1[2:5],
        primary_identifier=surname,
        secondary_identifier=given,
        document_number=number,
        nationality=line2[15:18],
        date_of_birth=line2[0:6],
        sex=line2[7],
        date_of_expiry=line2[8:14],
        optional_data=optional,
        optional_data_2=line2[18:29],
        checks=checks,
    )


__all__ = ["TD1_LENGTH", "TD2_LENGTH", "TD3_LENGTH", "Mrz", "parse_mrz"]
