"""The Keycard applet's SIGN and SET PINLESS PATH (Keycard docs, keycard.tech/docs/apdu)."""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.crypto.bip32 import decode_path
from cardwire.crypto.secp256k1 import Secp256k1PrivateKey
from cardwire.errors import DecodeError
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.keycard.settings import (
    DERIVE,
    DERIVE_AND_MAKE_CURRENT,
    DERIVE_CURRENT,
    DERIVE_OPTION_MASK,
    DERIVE_PINLESS,
    DERIVE_SOURCE_MASK,
    DIGEST_LENGTH,
    SIGN_ECDSA_SECP256K1,
    TAG_SIGNATURE_TEMPLATE,
)
from cardwire.sim.applets.keycard.state import KeycardState
from cardwire.sm.keycard import TAG_PUBLIC_KEY
from cardwire.sw import SW
from cardwire.tlv import tlv

# Keycard docs, SIGN: "6A88 if P1 is 03 and no PIN-less path is set".
SW_NO_PINLESS_PATH = SW.REFERENCED_DATA_NOT_FOUND


def pinless_or_pin(
    applet: KeycardState, ctx: ChannelContext, option: int
) -> tuple[int, ...] | None:
    """SIGN's access rule (both applet versions): the PIN-less path for P1 03, else None once
    the PIN is verified.

    Keycard docs, SIGN P1 03: no PIN and no secure channel needed (a channel that is open must
    carry it: the card's fail-closed rule refuses a plain piece then); 6A88 without a path."""
    if option != DERIVE_PINLESS:
        applet.require_pin(ctx)
        return None
    applet.require_initialized()
    if applet.pinless_path is None:
        raise CardStatus(SW_NO_PINLESS_PATH)
    return applet.pinless_path


def signature_answer(key: Secp256k1PrivateKey, signature: bytes) -> Response:
    """Keycard docs, SIGN: the answer A0 { 80 public key, signature }."""
    return Response(tlv(TAG_SIGNATURE_TEMPLATE, tlv(TAG_PUBLIC_KEY, key.public_key) + signature))


def sign(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """Keycard docs, SIGN: P1 = which key (current, derived, derived and made current, the
    PIN-less path) | path source, P2 = algorithm (00 ECDSA secp256k1), data = the 32-byte hash
    followed by the path when P1 derives. Answer A0 { 80 public key, 30 DER signature }, low S."""
    option = command.p1 & DERIVE_OPTION_MASK
    pinless = pinless_or_pin(applet, ctx, option)
    if command.p2 != SIGN_ECDSA_SECP256K1:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if len(command.data) < DIGEST_LENGTH:
        raise CardStatus(SW.INCORRECT_DATA)
    digest, path_data = command.data[:DIGEST_LENGTH], command.data[DIGEST_LENGTH:]
    if pinless is not None:
        if path_data:
            raise CardStatus(SW.INCORRECT_DATA)
        path = pinless
    elif option == DERIVE_CURRENT:
        if path_data:
            raise CardStatus(SW.INCORRECT_DATA)
        path = applet.key_path
    elif option in (DERIVE, DERIVE_AND_MAKE_CURRENT):
        path = applet.resolve_path(command.p1 & DERIVE_SOURCE_MASK, path_data)
    else:
        raise CardStatus(SW.INCORRECT_P1_P2)
    key = Secp256k1PrivateKey(applet.derive(path).private_key)
    if option == DERIVE_AND_MAKE_CURRENT:
        applet.key_path = path
        ctx.card.commit()
    return signature_answer(key, key.sign_digest(digest))  # DER: 30 len r s, RFC 6979, low S


def set_pinless_path(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """Keycard docs, SET PINLESS PATH: an absolute path from the master; empty data disables it."""
    applet.require_pin(ctx)
    try:
        path = decode_path(command.data)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None
    applet.pinless_path = path if command.data else None
    ctx.card.commit()
    return Response()
