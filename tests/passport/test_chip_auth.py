"""Chip Authentication's choices: the protocol and key from DG14, JMRTD's 3DES assumption when
DG14 has no ChipAuthenticationInfo, and the APDUs for 3DES and AES."""

from __future__ import annotations

from cardwire.passport.chip_auth import choose, commands_for
from cardwire.passport.security_infos import (
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
        KEY.public_key,
    )


def test_key_ids_must_match() -> None:
    info = ChipAuthenticationInfo(ID_CA_ECDH_AES_128, 1, key_id=8)
    assert isinstance(choose(Dg14((info,), (KEY,))), str)
    info = ChipAuthenticationInfo(ID_CA_ECDH_AES_128, 1, key_id=7)
    assert choose(Dg14((info,), (KEY,))) == (info, KEY.public_key)


def test_dh_keys_are_not_supported() -> None:
    reason = choose(Dg14(chip_keys=(ChipAuthenticationPublicKey(ID_PK_DH, b"\x30\x00"),)))
    assert isinstance(reason, str)
    assert "DH" in reason


def test_apdus_3des_set_kat_and_aes_set_at_general_authenticate() -> None:
    (kat,) = commands_for(ChipAuthenticationInfo(ID_CA_ECDH_3DES), POINT)
    assert (kat.ins, kat.p1, kat.p2) == (0x22, 0x41, 0xA6)
    assert kat.data == b"\x91\x41" + POINT  # 9303-11 6.2.4.1
    set_at, general = commands_for(ChipAuthenticationInfo(ID_CA_ECDH_AES_128, 1, key_id=7), POINT)
    assert (set_at.p1, set_at.p2) == (0x41, 0xA4)
    # 80 the OID's content octets (0.4.0.127.0.7.2.2.3.2.2), 84 the key id.
    assert set_at.data == bytes.fromhex("800A04007F000702020302028401 07".replace(" ", ""))
    assert (general.ins, general.data) == (0x86, b"\x7c\x43\x80\x41" + POINT)
