"""GlobalPlatform SCP11 over a card or logical channel (GP Card Spec v2.3 Amendment F v1.4).

:func:`open_scp11` reads the Security Domain's certificate store (GET DATA BF21) when no SD key
is given, sends the OCE certificate chain (SCP11a/c, PERFORM SECURITY OPERATION), then MUTUAL or
INTERNAL AUTHENTICATE through :class:`cardwire.sm.scp11.Scp11Handshake`, installs the host
session there and returns it (the one handshake shape, docs/design.md). Selecting the Security
Domain is the caller's job.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric import ec

from cardwire.card import CardCommands
from cardwire.errors import DecodeError
from cardwire.sm.scp03 import Mode
from cardwire.sm.scp11 import (
    OCE_KID,
    Scp11Handshake,
    Scp11HostSession,
    Variant,
    get_certificates_command,
    parse_certificates,
)


def read_sd_key(card: CardCommands, variant: Variant, kvn: int) -> ec.EllipticCurvePublicKey:
    """PK.SD.ECKA: the public key of the last certificate in GET DATA BF21 (Amendment F 7.4.2).
    Certificate path validation up to a trusted CA is the caller's policy, not done here."""
    response = card.send(get_certificates_command(variant.kid, kvn))
    chain = parse_certificates(response.data)
    if not chain:
        raise DecodeError("the certificate store is empty")
    key = chain[-1].public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise DecodeError("the SD certificate does not hold an EC key")
    return key


def open_scp11(
    card: CardCommands,
    variant: Variant | str = Variant.B,
    *,
    kvn: int = 0x01,
    sd_key: ec.EllipticCurvePublicKey | None = None,
    oce_key: ec.EllipticCurvePrivateKey | None = None,
    certificates: Sequence[bytes] = (),
    oce_kid: int = OCE_KID,
    oce_kvn: int | None = None,
    key_length: int = 16,
    s16: bool = False,
) -> Scp11HostSession:
    """Run the SCP11 handshake on ``card`` (a Card or a Channel), install the session there and
    return it. SCP11a/c need ``oce_key`` and its ``certificates`` (DER, leaf last), checked by
    the card against its OCE CA key ``oce_kid``/``oce_kvn`` (``kvn`` unless given). Raises
    CryptogramError when the receipt does not verify, StatusError when the card refuses."""
    variant = Variant(variant)
    card.secure(None)
    if sd_key is None:
        sd_key = read_sd_key(card, variant, kvn)
    handshake = Scp11Handshake(
        variant,
        sd_key,
        kvn=kvn,
        oce_key=oce_key,
        certificates=certificates,
        oce_kid=oce_kid,
        oce_kvn=oce_kvn,
        key_length=key_length,
        mode=Mode.S16 if s16 else Mode.S8,
        channel=card.number,
    )
    for command in handshake.certificate_commands():
        card.send(command)  # a refused certificate raises StatusError
    session = handshake.complete(card.send(handshake.authenticate()))
    card.secure(session)  # bound to card.number, the channel in its CLA (GPC 11.1.4)
    return session


__all__ = ["open_scp11", "read_sd_key"]
