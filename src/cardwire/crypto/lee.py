"""LEE (Logos Execution Zone) keys as the Keycard applet 4.x derives them (LOAD KEY P1 04,
EXPORT LEE, and every derivation of a card in LEE mode).

Source: the applet's public Java sources, keycard-tech/status-keycard at a61616a (2026-08-19),
``Crypto.java`` (leeDeriveNSK, leeDeriveVSK, leeDeriveChild, bip32CKDPriv with forceHardened)
and ``KeycardApplet.java`` (loadSeed with SEED_LEE, doDerive, exportLee); the applet's own test
``KeycardTest.leeKeysTest`` gives the known answers (tests/crypto/test_lee.py).

- LOAD KEY P1 04, seed S (16..64 bytes): the signing master is HMAC-SHA512("LEE_master_pub", S)
  (key ‖ chain code), the LEE master HMAC-SHA512("LEE_master_priv", S) (ssk ‖ chain code).
- Per node with spending secret ssk and index i (4 bytes big-endian; 0 for the master):
  NSK = SHA-256("LEE/keys" ‖ ssk ‖ 01 ‖ i ‖ 19 zero bytes),
  VSK = HMAC-SHA512(key "LEE_viewing_seed", "LEE/keys" ‖ ssk ‖ 02 ‖ i ‖ 19 zero bytes).
- Child i: HMAC-SHA512(chain code, "LEE_seed_priv" ‖ SHA-256("LEE/keys" ‖ NSK ‖ VSK) ‖ i)
  gives the child's ssk ‖ chain code; a zero NSK makes the index invalid.
- Signing keys in LEE mode: BIP-32 private derivation with every level hardened-style
  (00 ‖ k ‖ i, whatever the top bit of i), then, for a non-empty path only, the key is tweaked:
  k' = k + SHA-256(compressed public key of k) mod n.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from cardwire.crypto.bip32 import ExtendedKey, compressed_public_key
from cardwire.crypto.secp256k1 import CURVE_ORDER
from cardwire.errors import UsageError

SIGNING_MASTER_KEY = b"LEE_master_pub"  # Crypto.java KEY_LEE_PUB_SEED
LEE_MASTER_KEY = b"LEE_master_priv"  # Crypto.java KEY_LEE_PRIV_SEED
CHILD_PREFIX = b"LEE_seed_priv"  # Crypto.java LEE_SEED_PRIV
KEYS_DOMAIN = b"LEE/keys"  # Crypto.java LEE_KEY
VIEWING_KEY = b"LEE_viewing_seed"  # Crypto.java LEE_VIEWING_SEED
NSK_TYPE, VSK_TYPE = b"\x01", b"\x02"  # Crypto.java CONST_NSK, CONST_VSK
PADDING = bytes(19)  # Crypto.java: "padding_19", 64 bytes in all
NSK_LENGTH, VSK_LENGTH = 32, 64


@dataclass(frozen=True)
class LeeSecret:
    """A LEE node: its spending secret key (ssk) and chain code (kept out of ``repr``)."""

    ssk: bytes = field(repr=False)
    chain_code: bytes = field(repr=False)


@dataclass(frozen=True)
class LeeKeys:
    """What EXPORT LEE gives: the nullifier secret key (32 bytes) and the viewing secret key
    (64), kept out of ``repr``."""

    nsk: bytes = field(repr=False)
    vsk: bytes = field(repr=False)


def _hmac512(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha512).digest()


def masters(seed: bytes) -> tuple[ExtendedKey, LeeSecret]:
    """KeycardApplet.loadSeed(SEED_LEE): the signing master and the LEE master of ``seed``."""
    if not 16 <= len(seed) <= 64:
        raise UsageError(f"a LEE seed is 16 to 64 bytes, got {len(seed)}")
    signing = _hmac512(SIGNING_MASTER_KEY, seed)
    lee = _hmac512(LEE_MASTER_KEY, seed)
    return ExtendedKey(signing[:32], signing[32:]), LeeSecret(lee[:32], lee[32:])


def node_keys(ssk: bytes, index: int) -> LeeKeys:
    """Crypto.leeDeriveNSK / leeDeriveVSK for the node ``ssk`` reached with ``index``."""
    suffix = index.to_bytes(4, "big") + PADDING
    nsk = hashlib.sha256(KEYS_DOMAIN + ssk + NSK_TYPE + suffix).digest()
    vsk = _hmac512(VIEWING_KEY, KEYS_DOMAIN + ssk + VSK_TYPE + suffix)
    return LeeKeys(nsk, vsk)


def export(master: LeeSecret, path: tuple[int, ...]) -> LeeKeys:
    """KeycardApplet.exportLee: the LEE keys at ``path`` from the master (index 0 at the top);
    :class:`UsageError` for the (2^-256) zero NSK."""
    keys, chain_code = node_keys(master.ssk, 0), master.chain_code
    for index in path:  # Crypto.leeDeriveChild
        parent = hashlib.sha256(KEYS_DOMAIN + keys.nsk + keys.vsk).digest()
        digest = _hmac512(chain_code, CHILD_PREFIX + parent + index.to_bytes(4, "big"))
        keys, chain_code = node_keys(digest[:32], index), digest[32:]
        if not any(keys.nsk):
            raise UsageError(f"LEE index {index} gives a zero nullifier key")
    return keys


def signing_key(master: ExtendedKey, path: tuple[int, ...]) -> ExtendedKey:
    """KeycardApplet.doDerive in LEE mode: hardened-style levels, then the public-key tweak
    (not for the master itself); :class:`UsageError` for the (2^-127) invalid index."""
    if not path:
        return master
    key, chain_code = int.from_bytes(master.private_key, "big"), master.chain_code
    for index in path:  # Crypto.bip32CKDPriv(..., forceHardened=true)
        data = b"\x00" + key.to_bytes(32, "big") + index.to_bytes(4, "big")
        digest = _hmac512(chain_code, data)
        tweak = int.from_bytes(digest[:32], "big")
        key, chain_code = (tweak + key) % CURVE_ORDER, digest[32:]
        if tweak >= CURVE_ORDER or key == 0:
            raise UsageError(f"BIP-32 index {index} gives an invalid key")
    public_tweak = hashlib.sha256(compressed_public_key(key.to_bytes(32, "big"))).digest()
    key = (key + int.from_bytes(public_tweak, "big")) % CURVE_ORDER
    return ExtendedKey(key.to_bytes(32, "big"), chain_code)


__all__ = ["LeeKeys", "LeeSecret", "export", "masters", "node_keys", "signing_key"]
