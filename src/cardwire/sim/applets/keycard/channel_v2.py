"""The Keycard applet 4.x profile: Secure Channel V2's OPEN SECURE CHANNEL and INIT inside the
channel (PyPI keycard SDK 0.4.0 ``commands/open_secure_channel.py``, ``commands/init.py``;
keycard-go picks V2 from applet 4.0; cardwire.sm.keycard.v2 for the wire format)."""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.crypto.secp256k1 import PUBLIC_KEY_LENGTH, Secp256k1PrivateKey
from cardwire.errors import DecodeError
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.keycard.settings import (
    INIT_PIN_TRIES,
    INIT_PUK_TRIES,
    PIN_LENGTH,
    PUK_LENGTH,
    is_digits,
)
from cardwire.sim.applets.keycard.state import KeycardState
from cardwire.sm.keycard.v2 import (
    SALT_LENGTH,
    KeycardV2CardSession,
    derive_keys,
    transcript_digest,
)
from cardwire.sw import SW


def open_secure_channel(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """SDK ``_open_v2``: salt (32) ‖ host ephemeral key (65) in; card ephemeral key ‖ DER
    signature by the Identity Key over SHA-256("sc_v2_ccm" ‖ salt ‖ host key ‖ card key) out.
    Works on a blank card too: INIT travels inside the channel on 4.x."""
    ctx.end_secure_session()  # a new channel replaces any open one
    applet.channel_state(ctx).pin_verified = False
    if len(command.data) != SALT_LENGTH + PUBLIC_KEY_LENGTH:
        raise CardStatus(SW.INCORRECT_DATA)
    salt, host_key = command.data[:SALT_LENGTH], command.data[SALT_LENGTH:]
    ephemeral = Secp256k1PrivateKey.generate(ctx.card.random)
    try:
        shared = ephemeral.shared_secret(host_key)
    except DecodeError:
        raise CardStatus(SW.INCORRECT_DATA) from None
    signature = applet.identity_key(ctx).sign_digest(
        transcript_digest(salt, host_key, ephemeral.public_key)
    )
    ctx.secure_session = KeycardV2CardSession(*derive_keys(salt, shared))
    return Response(ephemeral.public_key + signature)


def secured_apdu_without_channel(
    applet: KeycardState, ctx: ChannelContext, command: Command
) -> Response:
    """A SECURED APDU that reaches the applet found no open channel: 6982 (the SDK: the outer
    SW of the channel is 9000 or 6982)."""
    raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)


def init(applet: KeycardState, ctx: ChannelContext, command: Command) -> Response:
    """SDK ``_init_v2``: inside the V2 channel, PIN ‖ PUK [‖ PIN tries ‖ PUK tries [‖ alternate
    PIN]], no pairing secret; 6D00 once initialised (Keycard docs, INIT)."""
    if applet.initialized:
        raise CardStatus(SW.INS_NOT_SUPPORTED)
    applet.require_channel(ctx, initialized=False)
    data = command.data
    base = PIN_LENGTH + PUK_LENGTH
    if len(data) not in (base, base + 2, base + 2 + PIN_LENGTH):
        raise CardStatus(SW.INCORRECT_DATA)
    pin, puk = data[:PIN_LENGTH], data[PIN_LENGTH:base]
    tries = data[base : base + 2] or bytes((3, 5))
    if not is_digits(pin, PIN_LENGTH) or not is_digits(puk, PUK_LENGTH):
        raise CardStatus(SW.INCORRECT_DATA)
    if tries[0] not in INIT_PIN_TRIES or tries[1] not in INIT_PUK_TRIES:
        raise CardStatus(SW.INCORRECT_DATA)
    # The alternate PIN (SDK alt_pin) is accepted and not kept: cardwire has no use for it yet.
    applet.initialize(
        ctx, pin=pin, puk=puk, secret=applet.secret, pin_tries=tries[0], puk_tries=tries[1]
    )
    ctx.card.commit()
    return Response()
