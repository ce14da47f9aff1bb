"""The host-side Keycard exchanges over a card session: SELECT, PAIR, OPEN SECURE CHANNEL with
MUTUALLY AUTHENTICATE (V1) or with the Identity Certificate (V2, applet 4.x), UNPAIR."""

from __future__ import annotations

import os
from collections.abc import Iterable

from cardwire.apdu import MAX_SHORT_NE, Command
from cardwire.card import CardCommands
from cardwire.crypto.ecdsa_recovery import compressed
from cardwire.crypto.secp256k1 import PUBLIC_KEY_LENGTH, Secp256k1PrivateKey
from cardwire.errors import CryptogramError, DecodeError
from cardwire.sm.base import Rng
from cardwire.sm.keycard.application_info import ApplicationInfo
from cardwire.sm.keycard.constants import CLA_KEYCARD, INS_OPEN_SECURE_CHANNEL, KEYCARD_AID
from cardwire.sm.keycard.host import KeycardSession, OpenSecureChannel
from cardwire.sm.keycard.pairing import Pairing, PairingHandshake, unpair_command
from cardwire.sm.keycard.v2 import SALT_LENGTH as V2_SALT_LENGTH
from cardwire.sm.keycard.v2 import (
    TAG_CERTIFICATE,
    IdentityCertificate,
    KeycardV2Session,
    derive_keys,
    transcript_digest,
)
from cardwire.tlv import parse_one

INS_IDENTIFY, TAG_SIGNATURE_TEMPLATE = 0x14, 0xA0  # IDENTIFY CARD (applet 3.1 and 4.x)


def select_keycard(card: CardCommands, aid: bytes = KEYCARD_AID) -> ApplicationInfo:
    """SELECT the Keycard applet (ends any channel open with it) and decode its answer."""
    from cardwire.commands import select_by_aid

    card.secure(None)
    response = card.send(select_by_aid(aid, ne=MAX_SHORT_NE))
    return ApplicationInfo.decode(response.data)


def pair(card: CardCommands, secret: bytes, *, rng: Rng = os.urandom, mode: int = 0) -> Pairing:
    """PAIR in two steps with a 32-byte secret (see :func:`pairing_secret` for a password)."""
    handshake = PairingHandshake(secret, rng=rng, mode=mode)
    first = card.send(handshake.first_command(), check=False)
    final = card.send(handshake.final_command(first), check=False)
    return handshake.finish(final)


def open_keycard(
    card: CardCommands, pairing: Pairing, card_public_key: bytes, *, rng: Rng = os.urandom
) -> KeycardSession:
    """OPEN SECURE CHANNEL and MUTUALLY AUTHENTICATE; the session is left installed on ``card``."""
    card.secure(None)
    opener = OpenSecureChannel(pairing, card_public_key, rng=rng)
    session = opener.session(card.send(opener.command(), check=False))
    card.secure(session)
    try:
        answer = card.send(opener.mutual_authentication_command(), check=False)
        opener.check_mutual_authentication(answer)
    except BaseException:
        card.secure(None)
        raise
    return session


def open_keycard_v2(
    card: CardCommands,
    info: ApplicationInfo,
    trusted_cas: Iterable[bytes],
    trusted_identities: Iterable[bytes] = (),
    *,
    rng: Rng = os.urandom,
) -> KeycardV2Session:
    """Secure Channel V2 (applet 4.x; cardwire.sm.keycard.v2): check the Identity Certificate
    against the trusted CA keys (or a trusted Identity Key), OPEN SECURE CHANNEL with a salt
    and an ephemeral key, verify the card's signature over the transcript; the session is left
    installed on ``card``. An untrusted card or a bad signature raises CryptogramError."""
    certificate = IdentityCertificate.parse(info.certificate)
    identities = {compressed(key) for key in trusted_identities}
    if certificate.identity_key not in identities:
        cas = {compressed(key) for key in trusted_cas}
        if compressed(certificate.ca_public_key()) not in cas:
            raise CryptogramError("the card's Identity Certificate is not from a trusted CA")
    card.secure(None)
    salt = rng(V2_SALT_LENGTH)
    ephemeral = Secp256k1PrivateKey.generate(rng)
    command = Command(
        CLA_KEYCARD, INS_OPEN_SECURE_CHANNEL, 0, 0, salt + ephemeral.public_key, MAX_SHORT_NE
    )
    response = card.send(command)
    card_key = response.data[:PUBLIC_KEY_LENGTH]
    if len(response.data) <= PUBLIC_KEY_LENGTH:
        raise DecodeError("OPEN SECURE CHANNEL (V2) answer too short", 0)
    certificate.verify(
        transcript_digest(salt, ephemeral.public_key, card_key), response.data[PUBLIC_KEY_LENGTH:]
    )
    session = KeycardV2Session(*derive_keys(salt, ephemeral.shared_secret(card_key)))
    card.secure(session)
    return session


def unpair(card: CardCommands, index: int) -> None:
    """UNPAIR ``index`` through the open channel (the PIN must have been verified)."""
    card.send(unpair_command(index))


def identify_card(card: CardCommands, *, rng: Rng = os.urandom) -> IdentityCertificate:
    """IDENTIFY CARD (INS 14, plain; PyPI SDK ``commands/ident.py``, ``parsing/identity.py``):
    the card signs a random 32-byte challenge and answers A0 { 8A Identity Certificate,
    30 DER signature }; the signature is checked (:class:`CryptogramError` if wrong)."""
    challenge = rng(32)
    answer = card.send(Command(CLA_KEYCARD, INS_IDENTIFY, 0, 0, challenge, MAX_SHORT_NE)).data
    template = parse_one(answer)
    fields = {child.tag: child for child in template.children}
    if (
        template.tag != TAG_SIGNATURE_TEMPLATE
        or TAG_CERTIFICATE not in fields
        or 0x30 not in fields
    ):
        raise DecodeError("IDENTIFY CARD: expected A0 { 8A certificate, 30 signature }", 0)
    certificate = IdentityCertificate.parse(fields[TAG_CERTIFICATE].value)
    certificate.verify(challenge, fields[0x30].encode())
    return certificate
