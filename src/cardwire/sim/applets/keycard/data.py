"""The Keycard applet's data and life-cycle commands: STORE DATA, GET DATA, INIT, FACTORY RESET
(Keycard docs, keycard.tech/docs/apdu; the PyPI keycard SDK 0.4.0 for INIT's optional tries)."""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.crypto.block import AES_BLOCK, Aes
from cardwire.crypto.padding import unpad
from cardwire.errors import CardwireError
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.keycard.settings import (
    DATA_CASH,
    DATA_NDEF,
    DATA_PUBLIC,
    FACTORY_RESET_P1,
    FACTORY_RESET_P2,
    INIT_PIN_TRIES,
    INIT_PUK_TRIES,
    MAX_DATA_LENGTH,
    PIN_LENGTH,
    PUK_LENGTH,
    TAG_SIGNATURE_TEMPLATE,
    is_digits,
)
from cardwire.sim.applets.keycard.state import KeycardState
from cardwire.sm.keycard import SECRET_LENGTH
from cardwire.sm.keycard.v2 import TAG_CERTIFICATE
from cardwire.sw import SW
from cardwire.tlv import tlv

SLOTS = (DATA_PUBLIC, DATA_NDEF, DATA_CASH)
# PyPI SDK store_data.py / get_data.py: chunked NDEF writes from 3.2 (512 bytes), segmented
# reads from 4.0; a segment is a multiple of 4 bytes (cardwire: 240).
CHUNKED_NDEF_VERSION, SEGMENTED_NDEF_VERSION = 0x0302, 0x0400
MAX_NDEF_LENGTH, NDEF_SEGMENT = 512, 240
_CREDENTIALS = PIN_LENGTH + PUK_LENGTH + SECRET_LENGTH
IDENTIFY_CHALLENGE_LENGTH = 32  # PyPI SDK ident.py: a 32-byte challenge


def store_data(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """Keycard docs, STORE DATA: P1 = slot (public, NDEF, cash), at most 127 bytes; PIN needed.
    From applet 3.2 (PyPI SDK ``store_data.py``) the NDEF file takes up to 512 bytes in pieces:
    P2 = offset / 4, each piece continuing the previous one."""
    applet.require_pin(ctx)
    if command.p1 not in SLOTS:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if command.p1 == DATA_NDEF and applet.version >= CHUNKED_NDEF_VERSION:
        offset = command.p2 * 4
        current = applet.data.get(DATA_NDEF, b"")
        if offset > len(current) or offset + len(command.data) > MAX_NDEF_LENGTH:
            raise CardStatus(SW.INCORRECT_DATA)
        applet.data[DATA_NDEF] = current[:offset] + command.data
        ctx.card.commit()
        return Response()
    if command.p2 != 0:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if len(command.data) > MAX_DATA_LENGTH:
        raise CardStatus(SW.INCORRECT_DATA)
    applet.data[command.p1] = command.data
    ctx.card.commit()
    return Response()


def get_data(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """Keycard docs, GET DATA: readable without PIN, in plain or through the channel. From
    applet 4.0 (PyPI SDK ``get_data.py``) the NDEF file is read in segments: P2 = offset / 4,
    at most 240 bytes each."""
    applet.require_initialized()
    if command.p1 not in SLOTS:
        raise CardStatus(SW.INCORRECT_P1_P2)
    content = applet.data.get(command.p1, b"")
    if command.p1 == DATA_NDEF and applet.version >= SEGMENTED_NDEF_VERSION:
        offset = command.p2 * 4
        if offset > len(content):
            raise CardStatus(SW.INCORRECT_P1_P2)
        return Response(content[offset : offset + NDEF_SEGMENT])
    if command.p2 != 0:
        raise CardStatus(SW.INCORRECT_P1_P2)
    return Response(content)


def identify(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """IDENTIFY CARD (14; applet 3.1 release notes, PyPI SDK ``commands/ident.py`` and
    ``parsing/identity.py``): a 32-byte challenge in, A0 { 8A Identity Certificate, 30 DER
    signature of the challenge (as a SHA-256 digest) by the Identity Key } out; plain, no PIN,
    on both profiles (the simulator test CA issues the certificate)."""
    if len(command.data) != IDENTIFY_CHALLENGE_LENGTH:
        raise CardStatus(SW.INCORRECT_DATA)
    signature = applet.identity_key(ctx).sign_digest(command.data)
    body = tlv(TAG_CERTIFICATE, applet.certificate(ctx)) + signature
    return Response(tlv(TAG_SIGNATURE_TEMPLATE, body))


def factory_reset(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """Keycard docs, FACTORY RESET: P1 AA P2 55, no channel, no PIN; everything is erased and
    the card waits for INIT (a new instance UID comes with it). Sent through an open channel it
    is answered through it; the channel then gets 6D00 to everything (the card is blank) until
    SELECT ends it."""
    if (command.p1, command.p2) != (FACTORY_RESET_P1, FACTORY_RESET_P2):
        raise CardStatus(SW.INCORRECT_P1_P2)
    applet.channel_state(ctx).pin_verified = False
    applet.factory_reset()
    ctx.card.commit()
    return Response()


def init(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """Keycard docs, INIT (pre-initialised card only, else 6D00): data = length ‖ host ephemeral
    public key ‖ IV ‖ AES-CBC(ECDH x, IV, PIN ‖ PUK ‖ pairing secret [‖ PIN tries ‖ PUK
    tries]), ISO 9797-1 method 2 padding."""
    if applet.initialized:
        raise CardStatus(SW.INS_NOT_SUPPORTED)
    data = command.data
    try:
        key_length = data[0]
        public_key = data[1 : 1 + key_length]
        iv = data[1 + key_length : 1 + key_length + AES_BLOCK]
        ciphertext = data[1 + key_length + AES_BLOCK :]
        shared = applet.identity(ctx).shared_secret(public_key)
        plain = unpad(Aes(shared).decrypt_cbc(iv, ciphertext), AES_BLOCK)
    except (CardwireError, IndexError):
        raise CardStatus(SW.INCORRECT_DATA) from None
    if len(plain) not in (_CREDENTIALS, _CREDENTIALS + 2):
        raise CardStatus(SW.INCORRECT_DATA)
    pin, puk = plain[:PIN_LENGTH], plain[PIN_LENGTH : PIN_LENGTH + PUK_LENGTH]
    secret = plain[PIN_LENGTH + PUK_LENGTH : _CREDENTIALS]
    tries = plain[_CREDENTIALS:] or bytes((3, 5))
    if not is_digits(pin, PIN_LENGTH) or not is_digits(puk, PUK_LENGTH):
        raise CardStatus(SW.INCORRECT_DATA)
    if tries[0] not in INIT_PIN_TRIES or tries[1] not in INIT_PUK_TRIES:
        raise CardStatus(SW.INCORRECT_DATA)
    applet.initialize(ctx, pin=pin, puk=puk, secret=secret, pin_tries=tries[0], puk_tries=tries[1])
    ctx.card.commit()
    return Response()
