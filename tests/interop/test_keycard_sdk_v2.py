"""The PyPI ``keycard`` SDK 0.4.0 speaks Secure Channel V2 to the simulated 4.x Keycard through
pcscd + vpcd: a second ``cardwire sim serve`` with the 4.x profile (keycard_4x_profile()) in
vpcd's second slot. The SDK trusts the simulator test CA (``ca_public_keys``), checks the
Identity Certificate and the handshake signature, and runs its commands inside the channel."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from benchmarks.pcsc_machine import SLOT1_READER, reader_names, start, stop
from faults_stack import card_present, wait_until
from pcsc_stack import CARD_SERVER, tail

from cardwire.crypto.secp256k1 import Secp256k1PrivateKey, verify_digest
from cardwire.sim import profile as profiles
from cardwire.sim.applets.keycard import keycard_4x_profile
from cardwire.sim.applets.keycard.settings import SIM_TEST_CA_KEY

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

PIN = "123456"
SLOT1_VPCD = "127.0.0.1:35964"  # Debian's vpcd: the second slot listens on 35963 + 1
# bip-0032.mediawiki, Test vector 1: the seed, and the compressed public key of m/0H/1/2H.
SEED_1 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
VECTOR_1_M_0H_1_2H = "0357bfe1e341d01c69fe5654309956cbea516822fba8a601743a012a7896ee8dc2"


@pytest.fixture(scope="module")
def slot1_reader(pcsc_stack: PcscStack) -> Iterator[int]:
    """The 4.x card in vpcd's second slot, for this module; its reader index."""
    names = reader_names() or []
    if SLOT1_READER not in names:
        pytest.skip(f"vpcd lists no second reader {SLOT1_READER!r}")
    profile_path = pcsc_stack.logs / "keycard-4x.yaml"
    profiles.save(profile_path, keycard_4x_profile())
    log = pcsc_stack.logs / "keycard-4x.log"
    state = pcsc_stack.logs / "keycard-4x-state.yaml"
    with log.open("ab") as out:
        command = [*CARD_SERVER, "--profile", str(profile_path), "--state", str(state)]
        process = start([*command, "--vpcd", SLOT1_VPCD], out)
    try:
        wait_until(
            f"4.x card in {SLOT1_READER!r} ({tail(log)})", lambda: card_present(SLOT1_READER)
        )
        yield names.index(SLOT1_READER)
    finally:
        status = stop(process)
        assert status in (None, 0), f"sim serve exited {status}: {tail(log)}"


@pytest.fixture
def sdk_card(slot1_reader: int) -> Iterator[Any]:
    sdk = pytest.importorskip("keycard.keycard")
    sdk_transport = pytest.importorskip("keycard.transport")
    transport = sdk_transport.Transport()
    transport.connect(slot1_reader)
    ca = Secp256k1PrivateKey(SIM_TEST_CA_KEY).public_key
    yield sdk.KeyCard(transport, ca_public_keys=[ca])
    transport.disconnect()


def _compressed(public_key: bytes) -> str:
    from cardwire.crypto.ecdsa_recovery import compressed

    return compressed(public_key).hex()


def test_sdk_opens_v2_and_runs_its_commands(sdk_card: Any) -> None:
    constants = pytest.importorskip("keycard.constants")
    info = sdk_card.select()
    assert (info.version_major, info.version_minor) == (4, 0) and info.is_initialized
    assert sdk_card.secure_channel_version.name == "V2"
    sdk_card.open_secure_channel()  # certificate trusted, transcript signature verified
    assert sdk_card.verify_pin(PIN) is True
    assert sdk_card.status["pin_retry_count"] == 3
    sdk_card.load_key(constants.LoadKeyType.BIP39_SEED, bip39_seed=SEED_1)
    exported = sdk_card.export_key(
        constants.DerivationOption.DERIVE, public_only=True, keypath="m/0'/1/2'"
    )
    assert _compressed(exported.public_key) == VECTOR_1_M_0H_1_2H
    digest = hashlib.sha256(b"signed over Secure Channel V2").digest()
    result = sdk_card.sign_with_path(digest, "m/0'/1/2'")
    verify_digest(result.public_key, digest, result.signature_der)
    assert _compressed(result.public_key) == VECTOR_1_M_0H_1_2H
    master = sdk_card.sign(digest)  # 4.x: the master key (the SDK sends DERIVE, path m)
    verify_digest(master.public_key, digest, master.signature_der)
    for slot in constants.StorageSlot:
        sdk_card.store_data(b"v2 %d" % slot, slot)
        if slot != constants.StorageSlot.NDEF:
            assert sdk_card.get_data(slot) == b"v2 %d" % slot
    # NDEF (an NDEF file: 2-byte length first), stored in pieces and read in segments on 4.x.
    ndef = len(bytes(300)).to_bytes(2, "big") + bytes(range(256)) + bytes(44)
    sdk_card.store_data(ndef, constants.StorageSlot.NDEF)
    assert sdk_card.get_data(constants.StorageSlot.NDEF) == ndef
    assert len(sdk_card.generate_mnemonic(checksum_size=4)) == 12
    # The 4.x-only commands.
    assert len(sdk_card.get_challenge(32)) == 32
    peer = Secp256k1PrivateKey.generate(os.urandom)
    shared = sdk_card.ecdh(peer.public_key, "m/43'/60'/1581'/0'/0")
    exported_ecdh = sdk_card.export_key(
        constants.DerivationOption.DERIVE, public_only=True, keypath="m/43'/60'/1581'/0'/0"
    )
    assert shared == peer.shared_secret(exported_ecdh.public_key)
    assert len(sdk_card.export_bip85("m/83696968'/0'/0'", 64)) == 64
    tweak = hashlib.sha256(b"tweak").digest()
    schnorr = sdk_card.sign_with_path(
        digest, "m/86'/0'/0'/0/0", algorithm=constants.SigningAlgorithm.SCHNORR_BIP340, tweak=tweak
    )
    _verify_schnorr(schnorr, digest, tweak)
    sdk_card.change_pin("654321")
    sdk_card.change_pin(PIN)
    sdk_card.remove_key()
    assert sdk_card.status["initialized"] is False


def _verify_schnorr(result: Any, digest: bytes, tweak: bytes) -> None:
    """BIP-340 verification (cardwire.crypto.bip340) under the tweaked key P + t·G."""
    from cardwire.crypto import bip340
    from cardwire.crypto.ec_arith import add, decode_point, multiply
    from cardwire.crypto.ecdsa_recovery import SECP256K1

    point = decode_point(SECP256K1, bytes(result.public_key))
    tweaked = add(
        SECP256K1, point, multiply(SECP256K1, int.from_bytes(tweak, "big"), SECP256K1.generator)
    )
    assert tweaked is not None
    signature = bytes(result.r) + bytes(result.s)  # the SDK keeps r and s as 32 bytes each
    bip340.verify(tweaked.x.to_bytes(32, "big"), digest, signature)


def test_sdk_refuses_an_untrusted_v2_card(slot1_reader: int) -> None:
    sdk = pytest.importorskip("keycard.keycard")
    exceptions = pytest.importorskip("keycard.exceptions")
    transport = pytest.importorskip("keycard.transport").Transport()
    transport.connect(slot1_reader)
    try:
        card = sdk.KeyCard(transport)  # trusts only the real Keycard CAs
        card.select()
        with pytest.raises(exceptions.UntrustedCardError):
            card.open_secure_channel()
    finally:
        transport.disconnect()


def test_sdk_factory_resets_and_inits_inside_v2(sdk_card: Any) -> None:
    sdk_card.select()
    sdk_card.factory_reset()
    assert not sdk_card.select().is_initialized
    sdk_card.init(PIN, "123456789012")  # V2: no pairing secret, inside the channel
    assert sdk_card.select().is_initialized
    sdk_card.open_secure_channel()
    assert sdk_card.verify_pin(PIN) is True


def test_sdk_lee_seed_and_export_lee(sdk_card: Any) -> None:
    """LOAD KEY P1 04 and EXPORT LEE through the SDK's V2 channel, against the applet's own
    vectors (KeycardTest.leeKeysTest, tests/vectors/keycard_lee.json). The SDK 0.4.0's
    ``export_lee`` parses another answer (A1 { 84 ask, 83 nsk, 85 vsk_d, 86 vsk_z }, 32 bytes
    each) than the applet's Java sources send (A1 { 83 NSK 32, 84 VSK 64 }), so it refuses the
    card's answer (docs/keycard.md, "LEE"); the same command sent with its
    ``send_secure_apdu`` gives the applet's keys."""
    from cardwire.crypto.bip32 import mnemonic_to_seed
    from cardwire.sm.keycard import commands

    constants = pytest.importorskip("keycard.constants")
    exceptions = pytest.importorskip("keycard.exceptions")
    keypath = pytest.importorskip("keycard.parsing.keypath")
    vectors = Path(__file__).parents[1] / "vectors" / "keycard_lee.json"
    lee = json.loads(vectors.read_text())  # the applet's own leeKeysTest (source in the file)
    sdk_card.select()
    sdk_card.open_secure_channel()
    assert sdk_card.verify_pin(PIN) is True
    seed = mnemonic_to_seed(lee["mnemonic"])
    key_uid = sdk_card.load_key(constants.LoadKeyType.LEE_SEED, bip39_seed=seed)
    assert len(key_uid) == 32
    assert sdk_card.select().is_lee_mode
    sdk_card.open_secure_channel()
    assert sdk_card.verify_pin(PIN) is True
    exported = sdk_card.export_key(
        constants.DerivationOption.DERIVE, public_only=True, keypath=lee["path"]
    )
    assert bytes(exported.public_key).hex() == lee["public_key"]
    with pytest.raises(exceptions.InvalidResponseError, match="0x84"):
        sdk_card.export_lee(lee["path"])
    raw = sdk_card.send_secure_apdu(ins=0xC3, data=keypath.KeyPath(lee["path"]).data)
    keys = commands.parse_lee_keys(bytes(raw))
    assert (keys.nsk.hex(), keys.vsk.hex()) == (lee["nsk"], lee["vsk"])
    sdk_card.remove_key()
    assert not sdk_card.select().is_lee_mode
