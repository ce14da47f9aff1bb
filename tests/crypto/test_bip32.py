"""BIP-32 derivation, BIP-39 seeds and the Keycard path encoding (cardwire.crypto.bip32) against
the published vectors: bip-0032.mediawiki "Test vector 1" and the trezor python-mnemonic
vectors.json (English, passphrase "TREZOR")."""

from __future__ import annotations

import pytest

from cardwire.crypto.bip32 import (
    HARDENED,
    SOURCE_CURRENT,
    SOURCE_MASTER,
    SOURCE_PARENT,
    compressed_public_key,
    decode_path,
    derive_path,
    encode_path,
    format_path,
    master_key,
    mnemonic_to_seed,
    parse_path,
)
from cardwire.errors import DecodeError, UsageError

H = HARDENED
# bip-0032.mediawiki, Test vector 1: seed 000102030405060708090a0b0c0d0e0f; (path, chain code,
# private key) from each extended private key.
VECTOR_1 = [
    (
        (),
        "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508",
        "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35",
    ),
    (
        (H,),
        "47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141",
        "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea",
    ),
    (
        (H, 1),
        "2a7857631386ba23dacac34180dd1983734e444fdbf774041578e9b6adb37c19",
        "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368",
    ),
    (
        (H, 1, H | 2),
        "04466b9cc8e161e966409ca52986c584f07e9dc81f735db683c3ff6ec7b1503f",
        "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca",
    ),
    (
        (H, 1, H | 2, 2),
        "cfb71883f01676f587d023cc53a35bc7f88f724b1f8c2892ac1275ac822a3edd",
        "0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4",
    ),
    (
        (H, 1, H | 2, 2, 1000000000),
        "c783e67b921d2beb8f6b389cc646d7263b4145701dadd2161548a8b078e65e9e",
        "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8",
    ),
]
SEED_1 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")


@pytest.mark.parametrize(("path", "chain_code", "private_key"), VECTOR_1)
def test_bip32_test_vector_1(path: tuple[int, ...], chain_code: str, private_key: str) -> None:
    key = derive_path(master_key(SEED_1), path)
    assert (key.chain_code.hex(), key.private_key.hex()) == (chain_code, private_key)


def test_compressed_public_keys_of_vector_1() -> None:
    master = master_key(SEED_1)
    # bip-0032.mediawiki, Test vector 1, Chain m: the public key inside xpub661MyMwAqRbcF...
    assert compressed_public_key(master.private_key).hex() == (
        "0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2"
    )
    leaf = derive_path(master, VECTOR_1[-1][0])
    assert compressed_public_key(leaf.private_key).hex() == (
        "022a471424da5e657499d1ff51cb43c47481a03b1e77f951fe64cec9f5a48f7011"
    )


# trezor python-mnemonic vectors.json, "english": (mnemonic, seed with passphrase "TREZOR").
BIP39 = [
    (
        " ".join(["abandon"] * 11 + ["about"]),
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
    ),
    (
        "legal winner thank year wave sausage worth useful legal winner thank yellow",
        "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607",
    ),
    (
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
        "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069",
    ),
]


@pytest.mark.parametrize(("mnemonic", "seed"), BIP39)
def test_bip39_reference_seeds(mnemonic: str, seed: str) -> None:
    assert mnemonic_to_seed(mnemonic, "TREZOR").hex() == seed


def test_paths_in_text_and_keycard_bytes() -> None:
    assert parse_path("m/44'/60'/0'/0/0") == (SOURCE_MASTER, (H | 44, H | 60, H, 0, 0))
    assert parse_path("../1") == (SOURCE_PARENT, (1,))
    assert parse_path("./2h") == (SOURCE_CURRENT, (H | 2,))
    assert parse_path("3/4") == (SOURCE_CURRENT, (3, 4))
    assert parse_path("m") == (SOURCE_MASTER, ())
    assert encode_path((H | 44, 1)).hex() == "8000002c00000001"  # Keycard docs, DERIVE KEY
    assert decode_path(bytes.fromhex("8000002c00000001")) == (H | 44, 1)
    assert format_path((H | 44, 1)) == "m/44'/1"


@pytest.mark.parametrize("text", ["m/x", "m/2147483648", "m/" + "/".join(["1"] * 11), "m/-1"])
def test_bad_text_paths(text: str) -> None:
    with pytest.raises(UsageError):
        parse_path(text)


@pytest.mark.parametrize("data", [b"\x00" * 3, b"\x00" * 44])
def test_bad_path_bytes(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_path(data)


def test_seed_length_is_checked() -> None:
    with pytest.raises(UsageError):
        master_key(bytes(15))
    with pytest.raises(UsageError):
        master_key(bytes(65))
