"""LOAD KEY, DERIVE KEY, GENERATE KEY, REMOVE KEY, GENERATE MNEMONIC, EXPORT KEY of the simulated
Keycard applet (cardwire.sim.applets.keycard.keys), host against card. Known answers:
bip-0032.mediawiki "Test vector 1" and the BIP-39 word list (python-mnemonic)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from mnemonic import Mnemonic

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.crypto.bip32 import derive_path, master_key
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import StatusError
from cardwire.sim.applets.keycard.keys import mnemonic_indexes
from cardwire.sim.card import SimCard
from cardwire.sm.keycard import commands
from cardwire.transport.memory import MemoryTransport
from sim.applets.keycard.rig import SEED_1, open_channel, rng

H = 0x80000000
# bip-0032.mediawiki, Test vector 1, chain m/0H/1/2H: private key and chain code.
M_0H_1_2H = "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca"
M_0H_1_2H_CHAIN = "04466b9cc8e161e966409ca52986c584f07e9dc81f735db683c3ff6ec7b1503f"
# ... and chain m (master).
M_PRIVATE = "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"


def _public(private_hex: str) -> bytes:
    return Secp256k1PrivateKey(bytes.fromhex(private_hex)).public_key


def _export(card: Card, path: str | None = None, **options: bool) -> commands.ExportedKey:
    return commands.parse_exported_key(card.send(commands.export_key(path, **options)).data)


def _status_key_path(card: Card) -> str:
    return commands.parse_key_path(card.send(commands.get_status(key_path=True)).data)


def test_load_seed_answers_the_key_uid_and_exports_vector_1(seeded: Card) -> None:
    exported = _export(seeded, "m/0'/1/2'", chain_code=True)
    assert exported.public_key == _public(M_0H_1_2H)
    assert exported.chain_code is not None and exported.chain_code.hex() == M_0H_1_2H_CHAIN
    assert exported.private_key is None
    assert _status_key_path(seeded) == "m"  # DERIVE (not make current): the path stays


def test_load_seed_key_uid(card: Card) -> None:
    uid = card.send(commands.load_seed(SEED_1)).data
    assert uid == hashlib.sha256(_public(M_PRIVATE)).digest()  # Keycard docs: SHA-256(pub)


def test_derive_key_absolute_parent_and_current(seeded: Card) -> None:
    seeded.send(commands.derive_key("m/0'/1"))
    assert _status_key_path(seeded) == "m/0'/1"
    seeded.send(commands.derive_key("./2'"))  # from the current key
    assert _status_key_path(seeded) == "m/0'/1/2'"
    assert _export(seeded).public_key == _public(M_0H_1_2H)  # the current key
    seeded.send(commands.derive_key("../5"))  # from the parent
    assert _status_key_path(seeded) == "m/0'/1/5"
    expected = derive_path(master_key(SEED_1), (H, 1, 5))
    assert _export(seeded).public_key == Secp256k1PrivateKey(expected.private_key).public_key


def test_derive_from_the_parent_of_the_master_is_refused(seeded: Card) -> None:
    with pytest.raises(StatusError) as caught:
        seeded.send(commands.derive_key("../1"))
    assert caught.value.sw == 0x6B00


@pytest.mark.parametrize(
    ("command", "sw"),
    [
        (Command(0x80, 0xD1, 0x00, 0x00, bytes(3)), 0x6A80),  # not whole 4-byte components
        (Command(0x80, 0xD1, 0x00, 0x00, bytes(44)), 0x6A80),  # 11 components
        (Command(0x80, 0xD1, 0xC0, 0x00, bytes(4)), 0x6A86),  # no such source
    ],
)
def test_derive_key_refusals(seeded: Card, command: Command, sw: int) -> None:
    assert seeded.send(command, check=False).sw == sw


def test_export_private_only_under_eip1581(seeded: Card) -> None:
    with pytest.raises(StatusError) as caught:
        seeded.send(commands.export_key("m/44'/60'/0'/0/0", private=True))
    assert caught.value.sw == 0x6A86
    exported = _export(seeded, "m/43'/60'/1581'/0'/0", private=True)
    expected = derive_path(master_key(SEED_1), (H | 43, H | 60, H | 1581, H, 0))
    assert exported.private_key == expected.private_key
    assert exported.public_key == Secp256k1PrivateKey(expected.private_key).public_key


def test_export_and_make_current(seeded: Card) -> None:
    _export(seeded, "m/0'/1", make_current=True)
    assert _status_key_path(seeded) == "m/0'/1"


def test_load_a_key_pair_without_chain_code_cannot_derive(card: Card) -> None:
    private = bytes.fromhex(M_PRIVATE)
    card.send(commands.load_key_pair(private))
    assert _export(card).public_key == _public(M_PRIVATE)
    assert card.send(commands.derive_key("m/1"), check=False).sw == 0x6985


def test_load_an_extended_key_pair_derives(card: Card) -> None:
    master = master_key(SEED_1)
    card.send(commands.load_key_pair(master.private_key, master.chain_code))
    assert _export(card, "m/0'/1/2'").public_key == _public(M_0H_1_2H)


def test_load_key_refuses_a_mismatched_public_key(card: Card) -> None:
    other = Secp256k1PrivateKey(bytes.fromhex(M_0H_1_2H)).public_key
    template = bytes.fromhex("A1") + bytes((67 + 34,)) + b"\x80\x41" + other
    template += b"\x81\x20" + bytes.fromhex(M_PRIVATE)
    assert card.send(Command(0x80, 0xD0, 0x01, 0x00, template), check=False).sw == 0x6A80


def test_generate_key_then_remove_key(card: Card) -> None:
    uid = card.send(commands.generate_key()).data
    assert len(uid) == 32
    public = _export(card, "m/44'/60'/0'/0/0").public_key
    assert len(public) == 65
    card.send(commands.remove_key())
    status = commands.parse_status(card.send(commands.get_status()).data)
    assert not status.key_initialized
    assert card.send(commands.export_key(), check=False).sw == 0x6985


def test_key_commands_need_the_pin(card: Card) -> None:
    open_channel(card, pin=None)
    for command in (commands.load_seed(SEED_1), commands.derive_key("m/1"), commands.export_key()):
        assert card.send(command, check=False).sw == 0x6985


@pytest.mark.parametrize("words", [12, 15, 18, 21, 24])
def test_generate_mnemonic_gives_a_valid_bip39_phrase(card: Card, words: int) -> None:
    indexes = commands.parse_mnemonic(card.send(commands.generate_mnemonic(words)).data)
    assert len(indexes) == words
    wordlist = Mnemonic("english")
    assert wordlist.check(" ".join(wordlist.wordlist[i] for i in indexes))  # the checksum


def test_mnemonic_indexes_of_the_reference_vectors() -> None:
    # trezor python-mnemonic vectors.json: entropy 00*16 -> "abandon" x 11 + "about" (index 3);
    # ff*16 -> "zoo" x 11 + "wrong".
    assert commands.parse_mnemonic(mnemonic_indexes(bytes(16))) == [0] * 11 + [3]
    wordlist = Mnemonic("english").wordlist
    assert commands.parse_mnemonic(mnemonic_indexes(b"\xff" * 16)) == [2047] * 11 + [
        wordlist.index("wrong")
    ]


@pytest.mark.parametrize("p1", [3, 9])
def test_generate_mnemonic_checksum_size_is_4_to_8(card: Card, p1: int) -> None:
    assert card.send(Command(0x80, 0xD2, p1, 0x00), check=False).sw == 0x6A86


def test_the_keys_survive_in_the_state_file(seeded: Card, state_path: Path) -> None:
    seeded.send(commands.derive_key("m/0'/1/2'"))
    again = Card(MemoryTransport(SimCard(state_path=state_path, rng=rng(9))))
    open_channel(again)
    assert _status_key_path(again) == "m/0'/1/2'"
    assert _export(again).public_key == _public(M_0H_1_2H)


def test_remove_key_survives_in_the_state_file(seeded: Card, state_path: Path) -> None:
    seeded.send(commands.derive_key("m/0'/1"))
    seeded.send(commands.set_pinless_path("m/1"))
    seeded.send(commands.remove_key())
    again = Card(MemoryTransport(SimCard(state_path=state_path, rng=rng(9))))
    open_channel(again)
    assert _status_key_path(again) == "m"
    assert not commands.parse_status(again.send(commands.get_status()).data).key_initialized
    assert again.send(commands.sign(bytes(32), pinless=True), check=False).sw == 0x6A88
