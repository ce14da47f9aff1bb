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
from pcsc_stack import give_up

from cardwire.crypto.secp256k1 import verify_digest
from cardwire.sim.card import SimCard
from cardwire.tlv import parse_one

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

NPM_CI_TIMEOUT = 300  # seconds: npm ci with the node-gyp build of smartcard


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
    # Keycard docs, SIGN: A0 {80 public key, 30 DER signature}; key UID = SHA-256(public key)
    template = parse_one(bytes.fromhex(out["signature"]))
    public_key = template.find(0x80)
    assert public_key is not None, client
    assert hashlib.sha256(public_key.value).hexdigest() == out["key_uid"], client
    der = template.value[len(public_key.encode()) :]
    verify_digest(public_key.value, bytes.fromhex(out["digest"]), der)
