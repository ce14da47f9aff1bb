"""npm clients against the simulated card behind pcscd + vpcd, with the machine's own Node.js
and npm: the `smartcard` package (N-API PC/SC bindings) and `keycard-manager` (a port of Status'
Java SDK; it SELECTs the Keycard instance AID, issue 17 defect 1). Versions are pinned in
tests/interop/node/package-lock.json; the packages are installed there with `npm ci` when
missing, node-gyp building against the local Node headers (nothing downloaded but the packages).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from clients import NODE_DIR, run_client, said
from mnemonic import Mnemonic
from pcsc_stack import give_up

from cardwire.crypto.bip32 import HARDENED as H
from cardwire.crypto.bip32 import derive_path, master_key
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey, verify_digest
from cardwire.sim.card import SimCard
from cardwire.sm.keycard.v2 import IdentityCertificate
from cardwire.tlv import parse_one

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

NPM_CI_TIMEOUT = 300  # seconds: npm ci with the node-gyp build of smartcard
# bip-0032.mediawiki, Test vector 1: the seed (keycard_manager_client.js loads it).
SEED_1 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")


def node_headers() -> Path | None:
    """The Node headers node-gyp builds against: Debian's under /usr/include/node, or a
    tarball install's under /usr/local/include/node."""
    for prefix in (Path("/usr"), Path("/usr/local")):
        if (prefix / "include" / "node" / "node_api.h").exists():
            return prefix
    return None


@pytest.fixture(scope="module")
def node_clients() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        give_up("no node/npm on PATH (the machine's Node.js 20 and npm)")
    if not (NODE_DIR / "node_modules" / "smartcard" / "build" / "Release").exists():
        nodedir = node_headers()
        if nodedir is None:
            give_up("no Node headers (node_api.h) under /usr or /usr/local for node-gyp")
        done = subprocess.run(
            ["npm", "ci", f"--nodedir={nodedir}", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            give_up(f"npm ci in {NODE_DIR} failed: {done.stderr.strip()[-600:]}")
    return NODE_DIR


def package_version(node_dir: Path, name: str) -> str:
    manifest = json.loads((node_dir / "node_modules" / name / "package.json").read_text())
    return f"npm {name} {manifest['version']}"


def test_npm_smartcard_transmits(pcsc_stack: PcscStack, node_clients: Path) -> None:
    client = package_version(node_clients, "smartcard")
    done = run_client(client, "node", "smartcard_client.js", pcsc_stack.reader, cwd=node_clients)
    assert done.returncode == 0, said(client, done)
    out = json.loads(done.stdout)
    assert bytes.fromhex(out["atr"]) == SimCard().atr, client
    assert out["answers"][:2] == ["9000", "9000"], client
    assert out["answers"][2] == b"Hello from the cardwire card.".hex() + "9000", client


def test_npm_keycard_manager_full_session(pcsc_stack: PcscStack, node_clients: Path) -> None:
    """Every applet 3.1 command keycard-manager 0.9.6 has (docs/keycard.md lists what it
    lacks), checked against BIP-32 test vector 1, cryptography's ECDSA and the BIP-39 rules."""
    client = package_version(node_clients, "keycard-manager")
    done = run_client(
        client, "node", "keycard_manager_client.js", pcsc_stack.reader, cwd=node_clients
    )
    assert done.returncode == 0, said(client, done)
    out = json.loads(done.stdout)
    # Status Java SDK Identifiers.getKeycardInstanceAID(1): A000000804000101 + 01 (no Le)
    assert out["select"] == "00a4040009a00000080400010101", client
    assert out["initialized"] is True, client
    assert out["status"].startswith("a309"), client  # Keycard docs, GET STATUS template
    _check_identity(out, client)
    assert out["wrong_pins"] == [0x63C2, 0x63C1, 0x63C0], client  # then UNBLOCK PIN with the PUK
    master = master_key(SEED_1)
    assert out["seed_key_uid"] == hashlib.sha256(_public(master.private_key)).hexdigest()
    assert _exported(out["current"]) == _public(derive_path(master, (H, 1)).private_key)
    assert _exported(out["derived"]) == _public(derive_path(master, (H, 1, H | 2)).private_key)
    eip1581 = derive_path(master, (H | 43, H | 60, H | 1581, H, 0))
    exported_private = parse_one(bytes.fromhex(out["private"])).find(0x81)
    assert exported_private is not None and exported_private.value == eip1581.private_key
    digest = bytes.fromhex(out["digest"])
    for name in ("path_signature", "pinless_signature"):
        public_key = _verified(out[name], digest)
        assert public_key == _public(derive_path(master, (H, 1, H | 2)).private_key), name
    indexes = bytes.fromhex(out["mnemonic"])
    words = [
        Mnemonic("english").wordlist[int.from_bytes(indexes[i : i + 2], "big")]
        for i in range(0, len(indexes), 2)
    ]
    assert len(words) == 12 and Mnemonic("english").check(" ".join(words)), client
    assert bytes.fromhex(out["public_data"]) == b"keycard-manager", client
    pair_public = _public(bytes.fromhex(out["key_pair_private"]))
    assert out["key_pair_uid"] == hashlib.sha256(pair_public).hexdigest(), client
    assert parse_one(bytes.fromhex(out["status_without_key"])).value.endswith(b"\x01\x01\x00")
    # Keycard docs, SIGN: A0 {80 public key, 30 DER signature}; key UID = SHA-256(public key)
    public_key = _verified(out["signature"], digest)
    assert hashlib.sha256(public_key).hexdigest() == out["key_uid"], client


def test_npm_keycard_manager_factory_reset_and_init(
    pcsc_stack: PcscStack, node_clients: Path
) -> None:
    client = package_version(node_clients, "keycard-manager")
    done = run_client(
        client, "node", "keycard_manager_client.js", pcsc_stack.reader, "reset", cwd=node_clients
    )
    assert done.returncode == 0, said(client, done)
    out = json.loads(done.stdout)
    assert (out["blank"], out["initialized"]) == (True, True), client
    assert out["status"].startswith("a309020103020105"), client  # 3 PIN, 5 PUK tries (INIT)


def _public(private_key: bytes) -> bytes:
    return Secp256k1PrivateKey(private_key).public_key


def _exported(answer: str) -> bytes:
    """EXPORT KEY answer A1 { 80 public key ... }: the public key."""
    found = parse_one(bytes.fromhex(answer)).find(0x80)
    assert found is not None
    return found.value


def _verified(answer: str, digest: bytes) -> bytes:
    """SIGN answer A0 { 80 public key, 30 DER signature }, the signature checked: the key."""
    template = parse_one(bytes.fromhex(answer))
    public_key = template.find(0x80)
    assert public_key is not None
    verify_digest(public_key.value, digest, template.value[len(public_key.encode()) :])
    return public_key.value


def _check_identity(out: dict[str, object], client: str) -> None:
    """IDENTIFY CARD (sent plain by keycard-manager before the channel): A0 { 8A certificate,
    30 signature of the challenge by the Identity Key }."""
    template = parse_one(bytes.fromhex(str(out["identity"])))
    certificate, signature = template.find(0x8A), template.find(0x30)
    assert certificate is not None and signature is not None, client
    parsed = IdentityCertificate.parse(certificate.value)
    parsed.verify(bytes.fromhex(str(out["challenge"])), signature.encode())
