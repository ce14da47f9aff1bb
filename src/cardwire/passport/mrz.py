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


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where the fields stand in the MRZ characters (the lines joined without breaks)."""

    number: int  # the document number (9 characters), then its check digit
    nationality: int  # 3 characters
    dates: int  # date of birth (6), its check digit, sex, date of expiry (6), its check digit
    names: slice
    optional: slice
    composite: tuple[slice, ...]  # what the composite check digit covers
    composite_digit: int
    optional_digit: int | None = None  # TD3 only: the optional data's check digit
    optional_2: slice | None = None  # TD1 only: line 2's optional data
    long_numbers: bool = True  # a '<' check digit: the number goes on into the optional data


def _two_lines(width: int, *, optional_digit: bool) -> _Layout:
    # 9303-4 4.2.2 (TD3, 2 x 44) and 9303-6 4.2.2 (TD2, 2 x 36): line 1 code, state, name; line
    # 2 number, nationality, dates, optional data (TD3: and its check digit), composite digit.
    line2, end = width, 2 * width - 1
    return _Layout(
        number=line2,
        nationality=line2 + 10,
        dates=line2 + 13,
        names=slice(5, width),
        optional=slice(line2 + 28, end - 1 if optional_digit else end),
        composite=(slice(line2, line2 + 10), slice(line2 + 13, line2 + 20), slice(line2 + 21, end)),
        composite_digit=end,
        optional_digit=end - 1 if optional_digit else None,
        long_numbers=not optional_digit,
    )


# Line 1 starts with the document code (2) and the issuing state (3) in all three formats.
_LAYOUTS = {
    TD3_LENGTH: ("TD3", _two_lines(44, optional_digit=True)),
    TD2_LENGTH: ("TD2", _two_lines(36, optional_digit=False)),
    # 9303-5 4.2.2 (TD1, 3 x 30): line 1 code, state, number, optional data; line 2 dates,
    # nationality, optional data, composite digit; line 3 the name.
    TD1_LENGTH: (
        "TD1",
        _Layout(
            number=5,
            nationality=45,
            dates=30,
            names=slice(60, 90),
            optional=slice(15, 30),
            composite=(slice(5, 30), slice(30, 37), slice(38, 45), slice(48, 59)),
            composite_digit=59,
            optional_2=slice(48, 59),
        ),
    ),
}


def parse_mrz(text: str) -> Mrz:
    """Decode an MRZ given as its characters without line breaks (or with them)."""
    chars = "".join(text.split())
    if any(not (c.isdigit() or "A" <= c <= "Z" or c == "<") for c in chars):
        raise DecodeError("the MRZ holds characters other than A-Z, 0-9 and '<'", 0)
    if len(chars) not in _LAYOUTS:
        raise DecodeError(f"an MRZ has 90, 72 or 88 characters, got {len(chars)}", 0)
    kind, at = _LAYOUTS[len(chars)]
    number, number_digit = chars[at.number : at.number + 9], chars[at.number + 9]
    optional = chars[at.optional]
    if at.long_numbers and number_digit == "<":
        # 9303-5 4.2.4 note j, 9303-6 4.2.4 note: a number longer than 9 characters goes on
        # into the optional data, ended by its check digit.
        rest = optional.rstrip("<")
        number, optional, number_digit = number + rest[:-1], "", rest[-1:] or "?"
    dates = chars[at.dates : at.dates + 15]
    checks = {
        "document_number": _digit_ok(number, number_digit),
        "date_of_birth": _digit_ok(dates[0:6], dates[6]),
        "date_of_expiry": _digit_ok(dates[8:14], dates[14]),
    }
    if at.optional_digit is not None:
        checks["optional_data"] = _digit_ok(chars[at.optional], chars[at.optional_digit])
    composite = "".join(chars[part] for part in at.composite)
    checks["composite"] = _digit_ok(composite, chars[at.composite_digit])
    surname, given = _names(chars[at.names])
    return Mrz(
        format=kind,
        document_code=chars[0:2],
        issuing_state=chars[2:5],
        primary_identifier=surname,
        secondary_identifier=given,
        document_number=number,
        nationality=chars[at.nationality : at.nationality + 3],
        date_of_birth=dates[0:6],
        sex=dates[7],
        date_of_expiry=dates[8:14],
        optional_data=optional,
        optional_data_2=chars[at.optional_2] if at.optional_2 else "",
        checks=checks,
    )


__all__ = ["TD1_LENGTH", "TD2_LENGTH", "TD3_LENGTH", "Mrz", "parse_mrz"]
