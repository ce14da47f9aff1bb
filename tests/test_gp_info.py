"""Decoding GP card information (cardwire.gp_info): CPLC, card data, privileges, legacy status."""

from __future__ import annotations

import pytest

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError
from cardwire.gp import StatusScope, parse_status
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
        "scps": "02/55",
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


# --- known answers published by other projects ------------------------------------------------
# martinpaljak/GlobalPlatformPro, library/src/test/java/pro/javacard/gp/TestParseTags.java
# (testOther, testParseISD, testParsePartialISD, testPrivileges): real cards' answers.
GPPRO_CARD_DATA_GP211 = bytes.fromhex(
    "664C734A06072A864886FC6B01600C060A2A864886FC6B02020101630906072A864886FC6B03640B06092A"
    "864886FC6B040215650B06092B8510864864020103660C060A2B060104012A026E0102"
)
GPPRO_CARD_DATA_GP22_TWO_SCPS = bytes.fromhex(
    "6657735506072A864886FC6B01600B06092A864886FC6B020202630906072A864886FC6B03640B06092A"
    "864886FC6B040370640B06092A864886FC6B048000650A06082A864886FC6B0504660C060A2B060104012A"
    "026E0103"
)
GPPRO_ISD_INITIALIZED = bytes.fromhex("E3144F07A00000015100009F700107C50180EA028000")
GPPRO_ISD_PARTIAL = bytes.fromhex(
    "E3464F08A0000000030000009F700101C5039EFE80CF0140CF0141CF0142CF0143CF0180CF0181CF0182CF01"
    "83C40BD276000005AAFFCAFE0001CE020001CC08A000000003000000"
)
# GPShell's manual (kaoh/globalplatform, gpshell/src/gpshell.1.md, "Format of CPLC data"):
# a GET DATA 9F7F answer and the fields GPShell decodes from it.
GPSHELL_CPLC = bytes.fromhex(
    "9F7F2A4790504047918102310083580011689145814812836500000000012F3130313136380000000000000000"
)


def test_globalplatformpro_card_data_gp211_scp02_i15() -> None:
    assert parse_card_data(GPPRO_CARD_DATA_GP211) == {
        "gp_version": "2.1.1",
        "card_identification_scheme": "2A864886FC6B03",
        "scp": "02",
        "scp_i": "15",
        "scps": "02/15",
    }


def test_globalplatformpro_card_data_with_scp03_and_scp80_keeps_the_first() -> None:
    # Before: the second 64 object (SCP80, OTA) overwrote SCP03 i=70.
    data = parse_card_data(GPPRO_CARD_DATA_GP22_TWO_SCPS)
    assert (data["gp_version"], data["scp"], data["scp_i"]) == ("2.2", "03", "70")
    assert data["scps"] == "03/70 80/00"


def test_globalplatformpro_isd_entries() -> None:
    (isd,) = parse_status(GPPRO_ISD_INITIALIZED)
    assert isd.aid == bytes.fromhex("A0000001510000")
    assert life_cycle_name(StatusScope.ISSUER_SECURITY_DOMAIN, isd.life_cycle) == "INITIALIZED"
    assert privilege_names(isd.privileges) == ["SecurityDomain"]
    (partial,) = parse_status(GPPRO_ISD_PARTIAL)
    assert partial.life_cycle == 0x01
    assert life_cycle_name(StatusScope.ISSUER_SECURITY_DOMAIN, partial.life_cycle) == "OP_READY"
    assert partial.load_file == bytes.fromhex("D276000005AAFFCAFE0001")
    assert partial.associated_sd == bytes.fromhex("A000000003000000")
    assert len(privilege_names(partial.privileges)) == 13  # testPrivileges: 9EFE80 is 13


def test_globalplatformpro_privileges_80c000() -> None:
    assert privilege_names(bytes.fromhex("80C000")) == [
        "SecurityDomain",
        "TrustedPath",
        "AuthorizedManagement",
    ]


def test_gpshell_manual_cplc() -> None:
    cplc = parse_cplc(GPSHELL_CPLC)
    assert (cplc["ic_fabricator"], cplc["ic_type"], cplc["os_id"]) == ("4790", "5040", "4791")
    assert (cplc["os_release_date"], cplc["os_release_level"]) == ("8102", "3100")
    assert (cplc["ic_fabrication_date"], cplc["ic_serial_number"]) == ("8358", "00116891")
    assert (cplc["ic_batch_identifier"], cplc["ic_module_fabricator"]) == ("4581", "4812")
    assert cplc["ic_module_packaging_date"] == "8365"
    assert (cplc["ic_pre_personalizer"], cplc["ic_pre_perso_equipment_date"]) == ("012F", "3130")
    assert cplc["ic_pre_perso_equipment_id"] == "31313638"
    assert cplc["ic_perso_equipment_id"] == "00000000"
