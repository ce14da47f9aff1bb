"""The Keycard applet's key commands: LOAD KEY, DERIVE KEY, GENERATE KEY, REMOVE KEY, GENERATE
MNEMONIC, EXPORT KEY (Keycard docs, keycard.tech/docs/apdu; BIP-32 and BIP-39 in
cardwire.crypto.bip32)."""

from __future__ import annotations

import hashlib
import hmac

from cardwire.apdu import Command, Response
from cardwire.crypto.bip32 import CHAIN_CODE_LENGTH, ExtendedKey, master_key
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import CardwireError, DecodeError
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.keycard import lee
from cardwire.sim.applets.keycard.settings import (
    DERIVE,
    DERIVE_AND_MAKE_CURRENT,
    DERIVE_CURRENT,
    DERIVE_OPTION_MASK,
    DERIVE_SOURCE_MASK,
    EIP1581_PREFIX,
    EXPORT_EXTENDED_PUBLIC,
    EXPORT_PRIVATE_AND_PUBLIC,
    EXPORT_PUBLIC_ONLY,
    LOAD_KEY_ECC,
    LOAD_KEY_EXTENDED,
    LOAD_KEY_LEE_SEED,
    LOAD_KEY_SEED,
    MNEMONIC_CHECKSUM_BITS,
    TAG_CHAIN_CODE,
    TAG_KEY_PAIR_TEMPLATE,
    TAG_PRIVATE_KEY,
)
from cardwire.sim.applets.keycard.state import KeycardState
from cardwire.sm.keycard import TAG_PUBLIC_KEY
from cardwire.sw import SW
from cardwire.tlv import parse_one, tlv

SEED_LENGTHS = range(16, 65)  # BIP-32: 128 to 512 bits (the PyPI SDK sends 16..64 bytes)
WORD_BITS = 11  # BIP-39: one word per 11 bits


def load_key(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_pin(ctx)
    if command.p1 == LOAD_KEY_SEED:  # Keycard docs, LOAD KEY P1 03: a BIP-39 seed
        if len(command.data) not in SEED_LENGTHS:
            raise CardStatus(SW.INCORRECT_DATA)
        try:
            master = master_key(command.data)
        except CardwireError:
            raise CardStatus(SW.INCORRECT_DATA) from None
    elif command.p1 == LOAD_KEY_LEE_SEED and applet.v2:  # applet 4.x only (LEE mode)
        return lee.load_lee_seed(applet, ctx, command.data)
    elif command.p1 in (LOAD_KEY_ECC, LOAD_KEY_EXTENDED):
        master = _key_pair(command.data, extended=command.p1 == LOAD_KEY_EXTENDED)
    else:
        raise CardStatus(SW.INCORRECT_P1_P2)
    applet.set_master(master)
    ctx.card.commit()
    return Response(applet.key_uid)  # Keycard docs, LOAD KEY: answers the key UID


def _key_pair(data: bytes, *, extended: bool) -> ExtendedKey:
    """Keycard docs, LOAD KEY P1 01/02: A1 { [80 public key], 81 private key, [82 chain code] };
    a public key that does not match the private key is refused (6A80)."""
    try:
        template = parse_one(data)
        if template.tag != TAG_KEY_PAIR_TEMPLATE:
            raise DecodeError("not a key pair template")
        fields = {child.tag: child.value for child in template.children}
        private = Secp256k1PrivateKey(fields[TAG_PRIVATE_KEY])
    except (CardwireError, KeyError):
        raise CardStatus(SW.INCORRECT_DATA) from None
    public = fields.get(TAG_PUBLIC_KEY)
    chain_code = fields.get(TAG_CHAIN_CODE, b"") if extended else b""
    if public is not None and not hmac.compare_digest(public, private.public_key):
        raise CardStatus(SW.INCORRECT_DATA)
    if extended and len(chain_code) != CHAIN_CODE_LENGTH:
        raise CardStatus(SW.INCORRECT_DATA)
    return ExtendedKey(private.scalar, chain_code)


def derive_key(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_pin(ctx)
    if command.p1 & DERIVE_OPTION_MASK:
        raise CardStatus(SW.INCORRECT_P1_P2)
    path = applet.resolve_path(command.p1 & DERIVE_SOURCE_MASK, command.data)
    applet.derive(path)  # Keycard docs, DERIVE KEY: the derived key becomes the current one
    applet.key_path = path
    ctx.card.commit()
    return Response()


def generate_key(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_pin(ctx)
    # cardwire's choice: the key and chain code are the BIP-32 master of 64 random bytes, so
    # the generated key derives like a loaded seed (the applet draws both at random).
    for _ in range(8):
        try:
            master = master_key(ctx.card.random(64))
        except CardwireError:
            continue
        break
    else:
        raise CardStatus(SW.NO_PRECISE_DIAGNOSIS)
    applet.set_master(master)
    ctx.card.commit()
    return Response(applet.key_uid)  # Keycard docs, GENERATE KEY: answers the key UID


def remove_key(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    applet.require_pin(ctx)
    applet.set_master(None)  # Keycard docs, REMOVE KEY: back to "no key", path and PIN-less
    ctx.card.commit()
    return Response()


def generate_mnemonic(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """Keycard docs, GENERATE MNEMONIC: P1 = checksum bits (4..8); the answer is the word
    indexes, 2 bytes each (BIP-39: entropy of 32 x CS bits, CS bits of SHA-256 appended)."""
    applet.require_channel(ctx)
    if command.p1 not in MNEMONIC_CHECKSUM_BITS:
        raise CardStatus(SW.INCORRECT_P1_P2)
    entropy = ctx.card.random(command.p1 * 4)
    return Response(mnemonic_indexes(entropy))


def mnemonic_indexes(entropy: bytes) -> bytes:
    """BIP-39 "Generating the mnemonic": the word indexes of ``entropy``, 2 bytes each."""
    checksum_bits = len(entropy) * 8 // 32
    checksum = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    value = (int.from_bytes(entropy, "big") << checksum_bits) | checksum
    words = (len(entropy) * 8 + checksum_bits) // WORD_BITS
    indexes = [(value >> (WORD_BITS * (words - 1 - i))) & 0x7FF for i in range(words)]
    return b"".join(index.to_bytes(2, "big") for index in indexes)


def export_key(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """Keycard docs, EXPORT KEY: P1 = which key (current, derived, derived and made current) |
    path source; P2 = what (private and public, public only, public and chain code). Answer:
    A1 { 80 public key, 81 private key | 82 chain code }."""
    applet.require_pin(ctx)
    option = command.p1 & DERIVE_OPTION_MASK
    if option == DERIVE_CURRENT:
        if command.data:
            raise CardStatus(SW.INCORRECT_DATA)
        path = applet.key_path
    elif option in (DERIVE, DERIVE_AND_MAKE_CURRENT):
        path = applet.resolve_path(command.p1 & DERIVE_SOURCE_MASK, command.data)
    else:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if command.p2 not in (EXPORT_PRIVATE_AND_PUBLIC, EXPORT_PUBLIC_ONLY, EXPORT_EXTENDED_PUBLIC):
        raise CardStatus(SW.INCORRECT_P1_P2)
    if command.p2 == EXPORT_PRIVATE_AND_PUBLIC and not (
        len(path) > len(EIP1581_PREFIX) and path[: len(EIP1581_PREFIX)] == EIP1581_PREFIX
    ):
        raise CardStatus(SW.INCORRECT_P1_P2)  # Keycard docs: private export only under EIP-1581
    key = applet.derive(path)
    if option == DERIVE_AND_MAKE_CURRENT:
        applet.key_path = path
        ctx.card.commit()
    body = tlv(TAG_PUBLIC_KEY, Secp256k1PrivateKey(key.private_key).public_key)
    if command.p2 == EXPORT_PRIVATE_AND_PUBLIC:
        body += tlv(TAG_PRIVATE_KEY, key.private_key)
    elif command.p2 == EXPORT_EXTENDED_PUBLIC:
        if not key.chain_code:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        body += tlv(TAG_CHAIN_CODE, key.chain_code)
    return Response(tlv(TAG_KEY_PAIR_TEMPLATE, body))
