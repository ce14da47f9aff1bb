"""AES and 3DES helpers. Known answers: FIPS 197 Appendix C.1 (AES-128) and ICAO Doc 9303-11
Appendix D.3 (3DES-CBC of S with K_enc gives E_IFD). The prepared objects keep live CBC
contexts across messages; each message must still come out as CBC with its own IV, which is
checked against a fresh ``cryptography`` context per message."""

from __future__ import annotations

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from cardwire.crypto.block import Aes, TripleDes, expand_des_key
from cardwire.errors import UsageError


def test_fips197_c1_aes128_block() -> None:
    aes = Aes(bytes.fromhex("000102030405060708090a0b0c0d0e0f"))
    plain = bytes.fromhex("00112233445566778899aabbccddeeff")
    assert aes.encrypt_block(plain) == bytes.fromhex("69c4e0d86a7b0430d8cdb78070b4c55a")


def test_icao_d3_3des_cbc() -> None:
    tdes = TripleDes(bytes.fromhex("AB94FDECF2674FDFB9B391F85D7F76F2"))
    s = bytes.fromhex("781723860C06C2264608F919887022120B795240CB7049B01C19B33E32804F0B")
    e_ifd = bytes.fromhex("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    assert tdes.encrypt_cbc(bytes(8), s) == e_ifd
    assert tdes.decrypt_cbc(bytes(8), e_ifd) == s


def test_ecb_decrypt_block_undoes_encrypt_block() -> None:
    # The 3DES key check value of the GP test key 40..4F is 8BAF47 (GlobalPlatformPro
    # TestPlaintextKeys.testSessionKeys_SCP01, the static DEK's KCV): ECB of 8 bytes 00.
    tdes = TripleDes(bytes(range(0x40, 0x50)))
    assert tdes.encrypt_block(bytes(8))[:3].hex().upper() == "8BAF47"
    data = bytes(range(16))
    assert tdes.decrypt_block(tdes.encrypt_block(data)) == data
    assert tdes.decrypt_block(tdes.encrypt_block(data)[8:]) == data[8:]  # ECB: blocks alone
    with pytest.raises(UsageError):
        tdes.decrypt_block(bytes(7))


def test_expand_des_key() -> None:
    k1, k2 = bytes(range(8)), bytes(range(8, 16))
    assert expand_des_key(k1) == k1 * 3
    assert expand_des_key(k1 + k2) == k1 + k2 + k1
    with pytest.raises(UsageError):
        expand_des_key(bytes(10))


def test_rejects_partial_blocks_and_bad_keys() -> None:
    with pytest.raises(UsageError):
        Aes(bytes(16)).encrypt_cbc(bytes(16), bytes(15))
    with pytest.raises(UsageError):
        Aes(bytes(20))


def test_repr_hides_key() -> None:
    key = bytes.fromhex("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert key.hex() not in repr(TripleDes(key)).lower()


@given(
    st.binary(min_size=16, max_size=16),
    st.binary(min_size=16, max_size=16),
    st.integers(1, 4).map(lambda n: n * 16),
    st.data(),
)
def test_cbc_round_trip(key: bytes, iv: bytes, size: int, data: st.DataObject) -> None:
    plain = data.draw(st.binary(min_size=size, max_size=size))
    aes, tdes = Aes(key), TripleDes(key)
    assert aes.decrypt_cbc(iv, aes.encrypt_cbc(iv, plain)) == plain
    assert tdes.decrypt_cbc(iv[:8], tdes.encrypt_cbc(iv[:8], plain)) == plain


# --- several messages through one prepared object, each with its own IV ---------------------

# (cardwire class, reference algorithm, key sizes, block size). 3DES keys are drawn at 24 bytes:
# cryptography warns about shorter TripleDES keys, and their expansion is tested above.
CIPHERS = [
    (Aes, algorithms.AES, (16, 24, 32), 16),
    (TripleDes, TripleDES, (24,), 8),
]


def fresh_cbc(algorithm: CipherAlgorithm, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
    """CBC over ``data`` with a context made for this one message (NIST SP 800-38A 6.2)."""
    cipher = Cipher(algorithm, modes.CBC(iv))
    context = cipher.encryptor() if encrypt else cipher.decryptor()
    return context.update(data) + context.finalize()


@pytest.mark.parametrize(
    ("prepared", "reference", "key_sizes", "block"), CIPHERS, ids=["aes", "3des"]
)
@given(data=st.data())
def test_messages_with_different_ivs_match_fresh_cbc_contexts(
    prepared: type[Aes | TripleDes],
    reference: type[algorithms.AES | TripleDES],
    key_sizes: tuple[int, ...],
    block: int,
    data: st.DataObject,
) -> None:
    size = data.draw(st.sampled_from(key_sizes), label="key size")
    key = data.draw(st.binary(min_size=size, max_size=size), label="key")
    cipher = prepared(key)
    # Encryptions and decryptions interleaved, with empty messages too: each context's carried
    # block must not leak from one message (or direction) into the next.
    steps = data.draw(
        st.lists(
            st.tuples(
                st.booleans(),
                st.binary(min_size=block, max_size=block),
                st.integers(0, 4).flatmap(
                    lambda n: st.binary(min_size=n * block, max_size=n * block)
                ),
            ),
            min_size=2,
            max_size=8,
        ),
        label="messages (encrypt?, iv, data)",
    )
    for encrypt, iv, message in steps:
        expected = fresh_cbc(reference(key), iv, message, encrypt=encrypt)
        if encrypt:
            assert cipher.encrypt_cbc(iv, message) == expected
            assert cipher.decrypt_cbc(iv, expected) == message
        else:
            assert cipher.decrypt_cbc(iv, message) == expected
