"""The Keycard applet 4.x-only commands and 4.x's SIGN (PyPI keycard SDK 0.4.0
``commands/get_challenge.py``, ``ecdh.py``, ``export_bip85.py``, ``sign.py``; the public APDU
documentation covers applet 3.1 only, docs/keycard.md says which detail comes from where).

- GET CHALLENGE (84): P1 = length (1..245), random bytes, only inside the channel (also before
  INIT).
- ECDH (C5): P1 01, data = peer uncompressed key (65) ‖ path from the master under
  m/44'/1237' (NIP-44) or m/43'/60'/1581' (EIP-1581), at least 5 levels: the 32-byte x of the
  shared point.
- EXPORT BIP85 (C4): P1 = length (1..64), data = a path from the master under m/83696968',
  every level hardened: the first bytes of HMAC-SHA512("bip-entropy-from-k", k) (bip-0085).
- SIGN (C0) on 4.x: from the master key only (P1 01 derive, or 03 the PIN-less path; the
  current-key options answer 6A86); P2 00 ECDSA or 03 BIP-340 Schnorr with data = hash ‖
  32-byte tweak ‖ path: the card signs with (k + tweak) mod n and answers A0 { 80 untweaked
  public key, 88 R.x ‖ s }.
"""

from __future__ import annotations

import hashlib
import hmac

from cardwire.apdu import Command, Response
from cardwire.crypto import bip340
from cardwire.crypto.bip32 import HARDENED, SOURCE_MASTER
from cardwire.crypto.secp256k1 import CURVE_ORDER, PUBLIC_KEY_LENGTH, Secp256k1PrivateKey
from cardwire.errors import DecodeError
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.keycard.settings import (
    DERIVE,
    DERIVE_OPTION_MASK,
    DERIVE_SOURCE_MASK,
    DIGEST_LENGTH,
    SIGN_ECDSA_SECP256K1,
)
from cardwire.sim.applets.keycard.sign import pinless_or_pin, signature_answer
from cardwire.sim.applets.keycard.state import KeycardState
from cardwire.sw import SW
from cardwire.tlv import tlv

INS_GET_CHALLENGE, INS_EXPORT_BIP85, INS_ECDH = 0x84, 0xC4, 0xC5
MAX_CHALLENGE = 245  # SDK get_challenge.py: what fits a V2 answer
SIGN_SCHNORR_BIP340 = 0x03
TAG_SCHNORR_SIGNATURE = 0x88
ECDH_PREFIXES = ((HARDENED | 44, HARDENED | 1237), (HARDENED | 43, HARDENED | 60, HARDENED | 1581))
ECDH_MIN_DEPTH = 5
BIP85_PREFIX = HARDENED | 83696968


def get_challenge(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_channel(ctx, initialized=False)
    if not 1 <= command.p1 <= MAX_CHALLENGE:
        raise CardStatus(SW.INCORRECT_P1_P2)
    return Response(ctx.card.random(command.p1))


def ecdh(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_pin(ctx)
    if command.p1 != DERIVE:
        raise CardStatus(SW.INCORRECT_P1_P2)
    peer, path_data = command.data[:PUBLIC_KEY_LENGTH], command.data[PUBLIC_KEY_LENGTH:]
    path = applet.resolve_path(SOURCE_MASTER, path_data)
    allowed = any(path[: len(prefix)] == prefix for prefix in ECDH_PREFIXES)
    if not allowed or len(path) < ECDH_MIN_DEPTH:
        raise CardStatus(SW.INCORRECT_DATA)
    key = Secp256k1PrivateKey(applet.derive(path).private_key)
    try:
        return Response(key.shared_secret(peer))
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None


def export_bip85(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_pin(ctx)
    if not 1 <= command.p1 <= 64:
        raise CardStatus(SW.INCORRECT_P1_P2)
    path = applet.resolve_path(SOURCE_MASTER, command.data)
    if not path or path[0] != BIP85_PREFIX or not all(i & HARDENED for i in path):
        raise CardStatus(SW.INCORRECT_DATA)
    key = applet.derive(path).private_key
    entropy = hmac.new(b"bip-entropy-from-k", key, hashlib.sha512).digest()
    return Response(entropy[: command.p1])


def sign(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    option = command.p1 & DERIVE_OPTION_MASK
    pinless = pinless_or_pin(applet, ctx, option)
    if pinless is None and (option != DERIVE or command.p1 & DERIVE_SOURCE_MASK != SOURCE_MASTER):
        raise CardStatus(SW.INCORRECT_P1_P2)  # 4.x: no current key
    schnorr = command.p2 == SIGN_SCHNORR_BIP340
    if command.p2 not in (SIGN_ECDSA_SECP256K1, SIGN_SCHNORR_BIP340):
        raise CardStatus(SW.INCORRECT_P1_P2)
    head = DIGEST_LENGTH * (2 if schnorr else 1)
    if len(command.data) < head:
        raise CardStatus(SW.INCORRECT_DATA)
    digest, tweak = command.data[:DIGEST_LENGTH], command.data[DIGEST_LENGTH:head]
    if pinless is not None:
        if command.data[head:]:
            raise CardStatus(SW.INCORRECT_DATA)
        path = pinless
    else:
        path = applet.resolve_path(SOURCE_MASTER, command.data[head:])
    key = Secp256k1PrivateKey(applet.derive(path).private_key)
    if not schnorr:
        return signature_answer(key, key.sign_digest(digest))
    tweaked = (int.from_bytes(key.scalar, "big") + int.from_bytes(tweak, "big")) % CURVE_ORDER
    if tweaked == 0:
        raise CardStatus(SW.INCORRECT_DATA)
    signature = bip340.sign(tweaked, digest, ctx.card.random(32))
    return signature_answer(key, tlv(TAG_SCHNORR_SIGNATURE, signature))
