"""Historical bytes: the card capabilities' selection methods named as pcsc-tools' ATR_analysis
lists them (ISO/IEC 7816-4:2020 table 117).

Known answers: ATRs from pcsc-tools' smartcard_list.txt (the card named in each case), and the
lines ``ATR_analysis`` 1.8 (pcsc-tools, Debian package) prints under "Selection methods" for
them."""

from __future__ import annotations

import pytest

from cardwire.atr import Atr
from cardwire.atr._historical import CardCapabilities

ALL_EIGHT = (
    "DF selection by full DF name",
    "DF selection by partial DF name",
    "DF selection by path",
    "DF selection by file identifier",
    "Implicit DF selection",
    "Short EF identifier supported",
    "Record number supported",
    "Record identifier supported",
)


@pytest.mark.parametrize(
    ("atr", "methods"),
    [
        # vsmartcard - iso7816 (Other): selection methods FF
        ("3B 95 13 81 01 80 73 FF 01 00 0B", ALL_EIGHT),
        # Dutch Biometric Passport: 84
        (
            "3B 85 80 01 80 73 84 21 40 12",
            ("DF selection by full DF name", "Short EF identifier supported"),
        ),
        # smartcard_list.txt's 3B 85 80 01 80 73 C8 21 10 0E: C8
        (
            "3B 85 80 01 80 73 C8 21 10 0E",
            (
                "DF selection by full DF name",
                "DF selection by partial DF name",
                "Implicit DF selection",
            ),
        ),
        # UKiS 1.2.1 on YITAL chip: B3
        (
            "3B 9F 13 81 31 FE 45 80 67 55 45 4B 41 45 12 61 31 80 73 B3 A1 80 1C",
            (
                "DF selection by full DF name",
                "DF selection by path",
                "DF selection by file identifier",
                "Record number supported",
                "Record identifier supported",
            ),
        ),
    ],
)
def test_selection_methods_as_atr_analysis_lists_them(atr: str, methods: tuple[str, ...]) -> None:
    caps = Atr.parse(bytes.fromhex(atr)).historical_info.card_capabilities
    assert caps is not None
    assert caps.selection_method_names == methods
    assert caps.to_json()["selection_method_names"] == list(methods)


def test_no_selection_method() -> None:
    # MIFARE Classic 1K as PC/SC part 3 builds it: no card capabilities at all
    atr = Atr.parse(bytes.fromhex("3B8F8001804F0CA000000306030001000000006A"))
    assert atr.historical_info.card_capabilities is None
    assert CardCapabilities(b"\x00").selection_method_names == ()
    assert CardCapabilities(b"").selection_method_names == ()
