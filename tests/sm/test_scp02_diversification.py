"""SCP02 key diversification templates (cardwire.sm.scp02.diversification, StaticKeys.diversified)
and the host handshake with ``diversify``: GlobalPlatformPro's known answers, then host against
card."""

from __future__ import annotations

import pytest

from cardwire.crypto.block import TripleDes
from cardwire.errors import CryptogramError, UsageError
from cardwire.sm.scp02 import I_15, I_55, Scp02Card, Scp02Handshake, StaticKeys
from cardwire.sm.scp02.diversification import diversification_block, diversify_key
from cardwire.sm.scp03 import KeyPurpose

MASTER = bytes.fromhex("404142434445464748494A4B4C4D4E4F")
KDD = bytes.fromhex("00010203040506070809")
AID = bytes.fromhex("A000000151000000")


def des_kcv(key: bytes) -> str:
    # GPCrypto.kcv_3des: 3DES-ECB of 8 bytes 00, first 3 bytes (GP Card Spec B.6).
    return TripleDes(key).encrypt_block(bytes(8))[:3].hex().upper()


# GlobalPlatformPro, library/src/test/java/pro/javacard/gp/test/TestPlaintextKeys.java,
# testDiversification_EMV_SCP02 / testDiversification_VISA2_SCP02: master key 4041..4F,
# KDD 0001..09, the diversified ENC, MAC and DEK checked by their 3DES KCVs.
@pytest.mark.parametrize(
    ("scheme", "kcvs"),
    [("emv", ("C33013", "6F4CA6", "BB8179")), ("visa2", ("2BE598", "58DA38", "3C328E"))],
)
def test_known_answers_globalplatformpro(scheme: str, kcvs: tuple[str, str, str]) -> None:
    keys = StaticKeys(MASTER, MASTER, MASTER, 0x21).diversified(KDD, scheme)
    assert (des_kcv(keys.enc), des_kcv(keys.mac), des_kcv(keys.dek)) == kcvs
    assert keys.kvn == 0x21


def test_template_blocks_take_the_bytes_globalplatformpro_names() -> None:
    # PlaintextKeys.kdf_templates: emv "$4 $5 $6 $7 $8 $9 0xF0 $k ... 0x0F $k",
    # visa2 "$0 $1 $4 $5 $6 $7 0xF0 $k ... 0x0F $k".
    kdd = bytes.fromhex("A0A1A2A3A4A5A6A7A8A9")
    emv = diversification_block("emv", KeyPurpose.MAC, kdd)
    assert emv.hex().upper() == "A4A5A6A7A8A9F002A4A5A6A7A8A90F02"
    visa2 = diversification_block("visa2", KeyPurpose.DEK, kdd)
    assert visa2.hex().upper() == "A0A1A4A5A6A7F003A0A1A4A5A6A70F03"


def test_none_and_bad_names_and_lengths() -> None:
    keys = StaticKeys(MASTER, bytes(16), MASTER, 0x20)
    assert keys.diversified(KDD, "NONE") == keys
    with pytest.raises(UsageError, match="unknown SCP02 key diversification 'kdf3'"):
        keys.diversified(KDD, "kdf3")  # the SCP03 (AES) template
    with pytest.raises(UsageError, match="10 bytes"):
        diversify_key(MASTER, KeyPurpose.ENC, KDD[:9], "emv")
    with pytest.raises(UsageError):
        Scp02Handshake(keys, diversify="visa")  # GlobalPlatformPro's visa: no vector, not offered


@pytest.mark.parametrize("option", [I_15, I_55])
@pytest.mark.parametrize("scheme", ["emv", "visa2"])
def test_host_diversifies_with_the_cards_data(option: int, scheme: str) -> None:
    master = StaticKeys(MASTER, MASTER, MASTER, 0x20)
    kdd = bytes.fromhex("11223344556677889900")
    card = Scp02Card(
        [master.diversified(kdd, scheme)],
        AID,
        option=option,
        diversification_data=kdd,
        rng=lambda n: b"\x5a" * n,
    )
    host = Scp02Handshake(master, option=option, aid=AID, diversify=scheme.upper())
    answer = card.initialize_update(host.initialize_update(), 3)
    done, card_session = card.external_authenticate(host.external_authenticate(answer))
    session = host.complete(done)
    assert session.session_dek == card_session.session_dek
    # Without the template the master keys do not open the card.
    plain = Scp02Handshake(master, option=option, aid=AID)
    with pytest.raises(CryptogramError):
        plain.external_authenticate(card.initialize_update(plain.initialize_update(), 4))
