"""Key diversification templates (cardwire.sm.scp03.diversify_key, StaticKeys.diversified)
and the host handshake with ``diversify``: published known answers, then host against card."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.crypto.block import Aes
from cardwire.errors import CryptogramError, UsageError
from cardwire.sm.scp03 import KeyPurpose, Mode, Scp03Card, Scp03Handshake, StaticKeys, diversify_key

MASTER_16 = bytes.fromhex("404142434445464748494A4B4C4D4E4F")
MASTER_24 = bytes.fromhex("404142434445464748494A4B4C4D4E4F5051525354555657")
MASTER_32 = bytes.fromhex("404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F")
KDD = bytes.fromhex("00010203040506070809")
AID = bytes.fromhex("A000000151000000")


def aes_kcv(key: bytes) -> str:
    # The AES key check value those tests compare (GPCrypto.kcv_aes: AES(key, 16 x 01)[0:3]).
    return Aes(key).encrypt_block(b"\x01" * 16)[:3].hex().upper()


# GlobalPlatformPro, library/src/test/java/pro/javacard/gp/test/TestPlaintextKeys.java,
# testDiversification_KDF3_SCP03_AES128 / _AES192 / _AES256: master key 4041.., KDD 0001..09,
# the diversified ENC, MAC and DEK checked by their AES KCVs.
@pytest.mark.parametrize(
    ("master", "kcvs"),
    [
        (MASTER_16, ("E79C05", "D1BD77", "3FDE8C")),
        (MASTER_24, ("1DE8EA", "47C00C", "C04D76")),
        (MASTER_32, ("2972D2", "036F94", "5D57B8")),
    ],
    ids=["AES-128", "AES-192", "AES-256"],
)
def test_kdf3_known_answers_globalplatformpro(master: bytes, kcvs: tuple[str, str, str]) -> None:
    keys = StaticKeys(master, master, master, 0x30).diversified(KDD, "kdf3")
    assert (aes_kcv(keys.enc), aes_kcv(keys.mac), aes_kcv(keys.dek)) == kcvs
    assert keys.kvn == 0x30 and len(keys.enc) == len(master)


def test_kdf3_external_vector_globalplatformpro() -> None:
    # GlobalPlatformPro, library/src/test/java/pro/javacard/gp/TestSCP03.java (testKDF3) and
    # TestPlaintextKeys.java (testDiversification_KDF3_ExternalVector): the ENC key.
    master = bytes.fromhex("8C72C72CF908411653018807950D82FBAD947562F0828A0B10B8B9606ABF3BCD")
    kdd = bytes.fromhex("D9B1DE5D0362DEDCE4FB")
    expected = "9AAC5D0B3601F89438A0D9D0B6B256CFB47E6462DFA5228D3420C4AC7C224781"
    assert diversify_key(master, KeyPurpose.ENC, kdd, "KDF3").hex().upper() == expected


def test_none_keeps_the_keys_and_names_are_checked() -> None:
    keys = StaticKeys(MASTER_16, MASTER_24, MASTER_32, 0x31)
    assert keys.diversified(KDD, "none") == keys
    with pytest.raises(UsageError, match="unknown key diversification 'emv'"):
        keys.diversified(KDD, "emv")  # EMV CPS is a 3DES (SCP02) template
    with pytest.raises(UsageError, match="10 bytes"):
        keys.diversified(KDD[:9])


@given(st.binary(min_size=10, max_size=10), st.sampled_from([MASTER_16, MASTER_24, MASTER_32]))
def test_kdf3_gives_one_key_per_purpose_of_the_master_length(kdd: bytes, master: bytes) -> None:
    keys = StaticKeys(master, master, master).diversified(kdd)
    assert {len(keys.enc), len(keys.mac), len(keys.dek)} == {len(master)}
    assert len({keys.enc, keys.mac, keys.dek, master}) == 4


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("pseudo_random", [False, True])
def test_host_diversifies_with_the_cards_data(mode: Mode, pseudo_random: bool) -> None:
    master = StaticKeys(MASTER_32, MASTER_32, MASTER_32, 0x30)
    kdd = bytes.fromhex("11223344556677889900")
    card = Scp03Card(
        [master.diversified(kdd)],
        AID,
        mode=mode,
        pseudo_random=pseudo_random,
        diversification_data=kdd,
        rng=lambda n: b"\x5a" * n,
    )
    host = Scp03Handshake(master, mode=mode, aid=AID, diversify="kdf3", rng=bytes)
    answer = card.initialize_update(host.initialize_update(), sequence_counter=7)
    done, card_session = card.external_authenticate(host.external_authenticate(answer))
    session = host.complete(done)
    assert host.card_keys == master.diversified(kdd)
    assert session.active and card_session.active
    # Without the template the master keys do not open the card.
    plain = Scp03Handshake(master, mode=mode, aid=AID, rng=bytes)
    answer = card.initialize_update(plain.initialize_update(), sequence_counter=8)
    with pytest.raises(CryptogramError, match="card cryptogram"):
        plain.external_authenticate(answer)
