"""The simulated chip's side of Active Authentication (ICAO Doc 9303-11 6.1) and Chip
Authentication v1 (9303-11 6.2).

INTERNAL AUTHENTICATE 00 88 00 00 Lc=08 challenge Le: the chip signs the challenge with its AA
private key, ECDSA-SHA256 in the plain format r || s (BSI TR-03111 5.2.1), the algorithm its
DG14 announces, or RSA with ISO/IEC 9796-2 scheme 1 (SHA-1, trailer BC). cardwire's choice, as
most chips do: AA runs only under secure messaging (9303-11 6.1 runs it after BAC/PACE); a plain
command answers 6982.

Chip Authentication: MSE:Set KAT (0C 22 41 A6, 3DES) or MSE:Set AT (0C 22 41 A4) and GENERAL
AUTHENTICATE (AES) with the terminal's ephemeral ECDH point or DH public value (the
big-endian integer the length of p, 9303-11 9.4.2); the chip derives new keys from its CA
private key and restarts secure messaging with SSC 0 after answering. The protocol family of
Set AT must be the chip key's (id-CA-ECDH-* for an EC key, id-CA-DH-* for a DH key).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from pyasn1.codec.der import decoder  # type: ignore[import-untyped]

from cardwire.apdu import Command, Response
from cardwire.crypto.kdf_icao import KeyType
from cardwire.errors import DecodeError
from cardwire.passport.dh_keys import DhPrivateKey
from cardwire.passport.security_infos import ID_CA_DH, ID_CA_ECDH
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.epassport.issuance import Issuer, sign_aa
from cardwire.sm.pace import SessionKeys
from cardwire.sw import SW
from cardwire.tlv import parse_one, parse_values

INS_INTERNAL_AUTHENTICATE = 0x88  # ISO/IEC 7816-4:2020 11.5.4
AA_CHALLENGE_LENGTH = 8  # 9303-11 6.1.1


def internal_authenticate(issuer: Issuer, ctx: ChannelContext, command: Command) -> Response:
    """Answer INTERNAL AUTHENTICATE with the AA signature of the challenge."""
    if not ctx.secured:
        raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)
    if command.p1 or command.p2:
        raise CardStatus(SW.INCORRECT_P1_P2)
    if len(command.data) != AA_CHALLENGE_LENGTH:
        raise CardStatus(SW.WRONG_LENGTH)
    return Response(sign_aa(issuer.chip_aa_key, command.data, ctx.card.random))


# --- Chip Authentication v1 (9303-11 6.2) -------------------------------------------------

INS_MSE, INS_GENERAL_AUTHENTICATE = 0x22, 0x86  # ISO/IEC 7816-4:2020 11.5.11, 11.5.7
MSE_SET_KAT, MSE_SET_AT = (0x41, 0xA6), (0x41, 0xA4)  # 9303-11 6.2.4.1 / 6.2.4.2
_ID_CA_OCTETS = bytes.fromhex("04007F0007020203")  # 0.4.0.127.0.7.2.2.3 (id-CA), DER content
_CIPHER_ARCS = {1: KeyType.TDES, 2: KeyType.AES128, 3: KeyType.AES192, 4: KeyType.AES256}


@dataclass(eq=False)
class CaPending:
    """Per channel: the protocol a Set AT chose, and the GENERAL AUTHENTICATE data chained so
    far (a DH public value does not fit one short APDU under secure messaging)."""

    protocol: str | None = None
    chained: bytes = b""


def is_chip_authentication(command: Command, pending: str | None) -> bool:
    """Whether the command is a step of Chip Authentication (not of PACE, whose MSE is C1A4)."""
    if command.ins == INS_MSE:
        if (command.p1, command.p2) == MSE_SET_KAT:
            return True
        # 41A4 with a CA protocol (80 = id-CA-* content octets); another OID is PACE's to refuse.
        return (command.p1, command.p2) == MSE_SET_AT and command.data[2:10] == _ID_CA_OCTETS
    return command.ins == INS_GENERAL_AUTHENTICATE and pending is not None


def _switch_keys(issuer: Issuer, ctx: ChannelContext, point: bytes, key_type: KeyType) -> None:
    # 9303-11 6.2.3 / 9.7.1: K = ECDH x-coordinate, or the DH secret padded to p's length
    # (9.4.2); KS_enc = KDF(K, 1), KS_mac = KDF(K, 2); secure messaging restarts with SSC 0
    # after this command's answer (which still travels under the old keys).
    key = issuer.chip_ca_key
    if isinstance(key, DhPrivateKey):
        try:
            shared = key.exchange(point)  # validated: 1 < y < p-1, y^q = 1 (SP 800-56A)
        except DecodeError:
            raise CardStatus(SW.INCORRECT_DATA) from None
    else:
        try:
            peer = ec.EllipticCurvePublicKey.from_encoded_point(key.curve, point)
        except ValueError:
            raise CardStatus(SW.INCORRECT_DATA) from None
        shared = key.exchange(ec.ECDH(), peer)
    ctx.secure_session = SessionKeys.derive(key_type, shared).card_session()


def chip_authentication(
    issuer: Issuer, ctx: ChannelContext, pending: CaPending, command: Command
) -> Response:
    """MSE:Set KAT (3DES), or MSE:Set AT then GENERAL AUTHENTICATE (AES); ``pending`` holds
    the protocol a Set AT chose on this channel."""
    if not ctx.secured:
        raise CardStatus(SW.SECURITY_STATUS_NOT_SATISFIED)  # CA runs under BAC/PACE SM
    if command.ins == INS_GENERAL_AUTHENTICATE:
        if command.cla & 0x10:  # ISO/IEC 7816-4:2020 5.3.3: a piece of a chain, more follow
            pending.chained += command.data
            return Response()
        protocol, pending.protocol = pending.protocol, None
        data, pending.chained = pending.chained + command.data, b""
        assert protocol is not None
        # 9303-11 6.2.4.2: 7C { 80 ephemeral public key }; the answer is an empty 7C.
        try:
            node = parse_one(data) if data else None
        except DecodeError:
            raise CardStatus(SW.INCORRECT_DATA) from None
        point = node.find(0x80) if node is not None and node.tag == 0x7C else None
        if point is None:
            raise CardStatus(SW.INCORRECT_DATA)
        _switch_keys(issuer, ctx, point.value, _CIPHER_ARCS[int(protocol.split(".")[-1])])
        return Response(b"\x7c\x00")
    objects = dict(parse_values(command.data))
    if (command.p1, command.p2) == MSE_SET_KAT:
        # 9303-11 6.2.4.1: 91 ephemeral public key [84 key id]: 3DES keys at once.
        if 0x91 not in objects:
            raise CardStatus(SW.INCORRECT_DATA)
        _switch_keys(issuer, ctx, objects[0x91], KeyType.TDES)
        return Response()
    # 9303-11 6.2.4.2: 80 the CA protocol OID (content octets) [84 key id].
    oid = objects.get(0x80, b"")
    protocol = str(decoder.decode(b"\x06" + bytes([len(oid)]) + oid)[0]) if oid else ""
    arc = protocol.rsplit(".", 1)
    family = ID_CA_DH if isinstance(issuer.chip_ca_key, DhPrivateKey) else ID_CA_ECDH
    if arc[0] != family or not arc[1].isdigit() or int(arc[1]) not in _CIPHER_ARCS:
        raise CardStatus(SW.INCORRECT_DATA)  # 9303-11 9.2.5: the family of the chip's key
    pending.protocol, pending.chained = protocol, b""
    return Response()


__all__ = [
    "INS_INTERNAL_AUTHENTICATE",
    "CaPending",
    "chip_authentication",
    "internal_authenticate",
    "is_chip_authentication",
]
