"""Decoding GP card information (cardwire.gp_info): CPLC, card data, privileges, legacy status."""

from __future__ import annotations

import pytest

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError
from cardwire.gp import StatusScope
from cardwire.gp_info import (
    life_cycle_name,
    parse_card_data,
    parse_cplc,
    parse_legacy_status,
    privilege_names,
    read_any_status,
)

# Card recognition data of a GP 2.1.1 card with SCP02 i=55 (GPC H.2 table H-1 layout).
CARD_DATA = bytes.fromhex(
    "664C734A06072A864886FC6B01600C060A2A864886FC6B02020101630906072A864886FC6B03640B06092A"
    "864886FC6B040255650B06092B8510864864020103660C060A2B060104012A026E0102"
)


def test_card_data() -> None:
    assert parse_card_data(CARD_DATA) == {
        "gp_version": "2.1.1",
        "card_identification_scheme": "2A864886FC6B03",
        "scp": "02",
        "scp_i": "55",
    }


def test_cplc_fields() -> None:
    cplc = parse_cplc(bytes.fromhex("9F7F2A") + bytes(range(42)))
    assert cplc["ic_fabricator"] == "0001" and cplc["ic_serial_number"] == "0C0D0E0F"
    with pytest.raises(DecodeError):
        parse_cplc(bytes(41))


def test_privileges_and_states() -> None:
    assert privilege_names(bytes.fromhex("9E")) == [
        "SecurityDomain",
        "CardLock",
        "CardTerminate",
        "CardReset",
        "CVMManagement",
    ]
    assert life_cycle_name(StatusScope.ISSUER_SECURITY_DOMAIN, 0x7F) == "CARD_LOCKED"
    assert life_cycle_name(StatusScope.APPLICATIONS, 0x87) == "LOCKED"
    assert life_cycle_name(StatusScope.LOAD_FILES, 0x01) == "LOADED"


LEGACY_MODULES = bytes.fromhex("07A000000804000101000108A000000804000101")


def test_legacy_status_with_modules() -> None:
    (entry,) = parse_legacy_status(LEGACY_MODULES, StatusScope.LOAD_FILES_AND_MODULES)
    assert entry.aid.hex().upper() == "A0000008040001"
    assert entry.modules == (bytes.fromhex("A000000804000101"),)
    with pytest.raises(DecodeError):
        parse_legacy_status(LEGACY_MODULES[:-1], StatusScope.LOAD_FILES_AND_MODULES)


def test_a_card_refusing_the_tagged_format_is_read_in_the_legacy_one() -> None:
    sent: list[Command] = []

    def card(command: Command) -> Response:  # a GP 2.1.1 card: P2 02 unknown (6A86)
        sent.append(command)
        if command.p2 & 0x02:
            return Response(b"", 0x6A86)
        if command.p2 == 0x00:
            return Response(LEGACY_MODULES, 0x6310)
        return Response(LEGACY_MODULES, 0x9000)

    entries = read_any_status(card, StatusScope.LOAD_FILES_AND_MODULES)
    assert len(entries) == 2
    assert [c.p2 for c in sent] == [0x02, 0x00, 0x01]
