"""Chip Authentication v1 (ICAO Doc 9303-11 6.2): key agreement with DG14's static chip key,
then secure messaging restarted with the new keys and SSC 0. The chip proves it holds the
private key implicitly: only then can it answer under the new keys (6.2.3).

- 3DES (id-CA-*-3DES-CBC-CBC): MSE:Set KAT 0C 22 41 A6 { 91 ephemeral public key, [84 id] }.
- AES: MSE:Set AT 0C 22 41 A4 { 80 protocol OID, [84 id] } then GENERAL AUTHENTICATE
  0C 86 00 00 { 7C { 80 ephemeral public key } }, answered by an empty 7C.
- DG14 without ChipAuthenticationInfo: id-CA-ECDH-3DES-CBC-CBC is assumed, as JMRTD does
  (the protocol of the earliest chips, which announced only the key).

ECDH keys on named curves, or with explicit domain parameters (9303-12 4.1.6.3) of a curve
cardwire knows (parsed by :mod:`.ec_keys`, then used as the named curve). DH keys
(id-PK-DH, id-CA-DH-*; :mod:`.dh_keys`): the ephemeral public value is sent as the big-endian
integer the length of p, and the shared secret is padded to that length (9303-11 9.4.2); the
KDF is the same (9303-11 9.7.1). DG14 with a DH key but no ChipAuthenticationInfo:
id-CA-DH-3DES-CBC-CBC, as JMRTD infers it.
"""

from __future__ import annotations

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyasn1.codec.der import encoder  # type: ignore[import-untyped]
from pyasn1.type import univ  # type: ignore[import-untyped]

from cardwire.apdu import Command
from cardwire.card import CardCommands
from cardwire.crypto.kdf_icao import KeyType
from cardwire.errors import DecodeError, SecureChannelError, StatusError
from cardwire.passport import dh_keys, ec_keys
from cardwire.passport.passive import Verdict
from cardwire.passport.security_infos import (
    ID_CA_DH,
    ID_CA_DH_3DES,
    ID_CA_ECDH,
    ID_CA_ECDH_3DES,
    ID_PK_DH,
    ID_PK_ECDH,
    ChipAuthenticationInfo,
    ChipAuthenticationPublicKey,
    Dg14,
)
from cardwire.sm.pace import SessionKeys
from cardwire.tlv import tlv

CIPHERS = {1: KeyType.TDES, 2: KeyType.AES128, 3: KeyType.AES192, 4: KeyType.AES256}


# 9303-11 9.2.5/9.2.6: id-CA-DH-* goes with id-PK-DH keys, id-CA-ECDH-* with id-PK-ECDH.
FAMILIES = {ID_PK_DH: ID_CA_DH, ID_PK_ECDH: ID_CA_ECDH}
_ASSUMED = {ID_PK_DH: ID_CA_DH_3DES, ID_PK_ECDH: ID_CA_ECDH_3DES}  # JMRTD's inference


def choose(dg14: Dg14) -> tuple[ChipAuthenticationInfo, ChipAuthenticationPublicKey] | str:
    """The CA protocol and chip key to use, or why there is none."""
    keys = [k for k in dg14.chip_keys if k.protocol in FAMILIES]
    if not keys:
        return "DG14 has no DH or ECDH chip key"
    for key in keys:
        infos = [
            i
            for i in dg14.chip_authentication
            if i.protocol.startswith(FAMILIES[key.protocol] + ".")
        ]
        if not dg14.chip_authentication:
            infos = [ChipAuthenticationInfo(_ASSUMED[key.protocol])]  # JMRTD's assumption (docs)
        for info in infos:
            # Key ids are public references (9303-11 9.2.5), matched when both are given.
            if key.key_id is None or info.key_id in (None, key.key_id):
                return info, key
    return "no ChipAuthenticationInfo matches the chip key"


def _key_id(info: ChipAuthenticationInfo) -> bytes:
    return (
        b""
        if info.key_id is None
        else tlv(0x84, info.key_id.to_bytes(2, "big").lstrip(b"\0") or b"\0")
    )


def commands_for(info: ChipAuthenticationInfo, point: bytes) -> list[Command]:
    """The APDUs of CA v1 for ``info`` with the terminal's ephemeral public point."""
    if CIPHERS[int(info.protocol.rsplit(".", 1)[1])] is KeyType.TDES:
        return [Command(0x00, 0x22, 0x41, 0xA6, tlv(0x91, point) + _key_id(info))]
    oid = bytes(encoder.encode(univ.ObjectIdentifier(info.protocol)))[2:]  # content octets
    return [
        Command(0x00, 0x22, 0x41, 0xA4, tlv(0x80, oid) + _key_id(info)),
        Command(0x00, 0x86, 0x00, 0x00, tlv(0x7C, tlv(0x80, point)), 256),
    ]


def _ecdh(key_der: bytes) -> tuple[bytes, bytes] | Verdict:
    """An ephemeral key on the chip key's curve: its uncompressed point and the shared secret
    (the x-coordinate, 9303-11 9.7.1)."""
    try:
        explicit = ec_keys.parse_ec_public_key(key_der)
        if explicit is not None and explicit.explicit:
            chip_key: object = explicit.to_cryptography()
        else:
            chip_key = serialization.load_der_public_key(key_der)
    except (ValueError, UnsupportedAlgorithm, DecodeError) as exc:
        return Verdict(False, f"unsupported chip key in DG14: {exc}")
    if not isinstance(chip_key, ec.EllipticCurvePublicKey):
        return Verdict(False, "DG14's ECDH chip key is not an EC key")
    ephemeral = ec.generate_private_key(chip_key.curve)
    point = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return point, ephemeral.exchange(ec.ECDH(), chip_key)


def chip_authentication(card: CardCommands, dg14: Dg14, probe: Command) -> Verdict | None:
    """Run CA v1; None when DG14 offers none. ``probe`` (a READ BINARY of a small file) is
    sent under the new keys: the chip passes when its answer verifies under them."""
    if not dg14.chip_keys:
        return None
    chosen = choose(dg14)
    if isinstance(chosen, str):
        return Verdict(False, chosen)
    info, key = chosen
    if key.protocol == ID_PK_DH:
        try:
            dh_key = dh_keys.parse_dh_public_key(key.public_key)
        except DecodeError as exc:
            return Verdict(False, f"unsupported chip key in DG14: {exc}")
        point, shared = dh_keys.agree(dh_key)
    else:
        agreed = _ecdh(key.public_key)
        if isinstance(agreed, Verdict):
            return agreed
        point, shared = agreed
    try:
        for command in commands_for(info, point):
            card.send(command)
    except StatusError as exc:
        return Verdict(False, f"the chip refused Chip Authentication: {exc}")
    key_type = CIPHERS[int(info.protocol.rsplit(".", 1)[1])]
    # 9303-11 6.2.3 / 9.8: secure messaging restarts with the new keys and SSC 0.
    card.secure(SessionKeys.derive(key_type, shared).host_session())
    try:
        card.send(probe)
    except (SecureChannelError, StatusError) as exc:
        return Verdict(False, f"the chip did not answer under the Chip Authentication keys: {exc}")
    return Verdict(True)


__all__ = ["CIPHERS", "FAMILIES", "chip_authentication", "choose", "commands_for"]
