"""DG14's SecurityInfos built and parsed back: CA info and key, AA algorithm, PACE info."""

from __future__ import annotations

from cardwire.passport.lds import dg14_content
from cardwire.passport.security_infos import (
    ECDSA_SHA256,
    ID_CA_ECDH_AES_128,
    ID_PK_ECDH,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKey,
    build_dg14,
    parse_dg14_infos,
)
from cardwire.sm.card_access import PaceInfo

KEY = bytes.fromhex("3009300706052B8104000A")  # any DER SEQUENCE stands for the key here


def test_round_trip() -> None:
    pace = (PaceInfo("0.4.0.127.0.7.2.2.4.2.2", parameter_id=13),)
    dg14 = build_dg14(
        chip_key=ChipAuthenticationPublicKey(ID_PK_ECDH, KEY, key_id=1),
        chip_info=ChipAuthenticationInfo(ID_CA_ECDH_AES_128, 1, key_id=1),
        aa_algorithm=ECDSA_SHA256,
        pace=pace,
    )
    assert dg14[:1] == b"\x6e"
    parsed = parse_dg14_infos(dg14_content(dg14))
    assert parsed.chip_keys == (ChipAuthenticationPublicKey(ID_PK_ECDH, KEY, 1),)
    assert parsed.chip_authentication == (ChipAuthenticationInfo(ID_CA_ECDH_AES_128, 1, 1),)
    assert parsed.aa_algorithm == ECDSA_SHA256
    assert parsed.pace == pace


def test_an_empty_dg14_offers_nothing() -> None:
    parsed = parse_dg14_infos(
        dg14_content(build_dg14(pace=(PaceInfo("0.4.0.127.0.7.2.2.4.2.2", parameter_id=13),)))
    )
    assert (parsed.chip_keys, parsed.chip_authentication, parsed.aa_algorithm) == ((), (), None)
