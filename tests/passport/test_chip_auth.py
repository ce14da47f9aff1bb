"""Chip Authentication's choices: the protocol and key from DG14, JMRTD's 3DES assumption when
DG14 has no ChipAuthenticationInfo, and the APDUs for 3DES and AES."""

from __future__ import annotations

from cardwire.passport.chip_auth import choose, commands_for
from cardwire.passport.security_infos import (
    ID_CA_DH_3DES,
    ID_CA_DH_AES_128,
    ID_CA_ECDH_3DES,
    ID_CA_ECDH_AES_128,
    ID_PK_DH,
    ID_PK_ECDH,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKey,
    Dg14,
)

KEY = ChipAuthenticationPublicKey(ID_PK_ECDH, b"\x30\x00", key_id=7)
POINT = b"\x04" + bytes(64)


def test_no_chip_authentication_info_assumes_3des() -> None:
    assert choose(Dg14(chip_keys=(KEY,))) == (
        ChipAuthenticationInfo(ID_CA_ECDH_3DES),
        KEY,
    )


def test_key_ids_must_match() -> None:
    info = ChipAuthenticationInfo(ID_CA_ECDH_AES_128, 1, key_id=8)
    assert isinstance(choose(Dg14((info,), (KEY,))), str)
    info = ChipAuthenticationInfo(ID_CA_ECDH_AES_128, 1, key_id=7)
    assert choose(Dg14((info,), (KEY,))) == (info, KEY)


def test_dh_keys_go_with_dh_protocols() -> None:
    dh_key = ChipAuthenticationPublicKey(ID_PK_DH, b"\x30\x00")
    # No ChipAuthenticationInfo: id-CA-DH-3DES-CBC-CBC, as JMRTD infers it for a DH key.
    assert choose(Dg14(chip_keys=(dh_key,))) == (ChipAuthenticationInfo(ID_CA_DH_3DES), dh_key)
    # 9303-11 9.2.5: an ECDH protocol does not go with a DH key, nor the other way round.
    ecdh_info = ChipAuthenticationInfo(ID_CA_ECDH_AES_128, 1)
    assert isinstance(choose(Dg14((ecdh_info,), (dh_key,))), str)
    dh_info = ChipAuthenticationInfo(ID_CA_DH_AES_128, 1)
    assert choose(Dg14((ecdh_info, dh_info), (KEY, dh_key))) in (
        (ecdh_info, KEY),
        (dh_info, dh_key),
    )
    assert choose(Dg14((dh_info,), (KEY, dh_key))) == (dh_info, dh_key)


def test_apdus_3des_set_kat_and_aes_set_at_general_authenticate() -> None:
    (kat,) = commands_for(ChipAuthenticationInfo(ID_CA_ECDH_3DES), POINT)
    assert (kat.ins, kat.p1, kat.p2) == (0x22, 0x41, 0xA6)
    assert kat.data == b"\x91\x41" + POINT  # 9303-11 6.2.4.1
    set_at, general = commands_for(ChipAuthenticationInfo(ID_CA_ECDH_AES_128, 1, key_id=7), POINT)
    assert (set_at.p1, set_at.p2) == (0x41, 0xA4)
    # 80 the OID's content octets (0.4.0.127.0.7.2.2.3.2.2), 84 the key id.
    assert set_at.data == bytes.fromhex("800A04007F000702020302028401 07".replace(" ", ""))
    assert (general.ins, general.data) == (0x86, b"\x7c\x43\x80\x41" + POINT)


def test_dh_apdus_carry_the_public_value_and_the_dh_oid() -> None:
    value = bytes(range(256))  # a 2048-bit public value, the length of p (9303-11 9.4.2)
    (kat,) = commands_for(ChipAuthenticationInfo(ID_CA_DH_3DES), value)
    assert kat.data == b"\x91\x82\x01\x00" + value
    set_at, general = commands_for(ChipAuthenticationInfo(ID_CA_DH_AES_128), value)
    assert set_at.data == bytes.fromhex("800A04007F00070202030102")  # id-CA-DH-AES-CBC-CMAC-128
    assert general.data == b"\x7c\x82\x01\x04\x80\x82\x01\x00" + value
