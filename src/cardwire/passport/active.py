"""Active Authentication (ICAO Doc 9303-11 6.1): the chip proves it holds the private key whose
public half DG15 carries, by signing a random challenge (INTERNAL AUTHENTICATE 00 88 00 00).

- RSA: ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery (9303-11
  6.1.2.1). The representative is 6A || M1 || H(M1 || M2) || trailer; the trailer is BC (SHA-1,
  implicit) or xxCC with a hash identifier (9796-2 B.1: 33 SHA-1, 34 SHA-256, 35 SHA-512,
  36 SHA-384, 38 SHA-224), since DG15 does not name the hash. M2 is the challenge.
- ECDSA: the plain signature r || s (BSI TR-03111 5.2.1) over the challenge with the hash of
  DG14's ActiveAuthenticationInfo (9303-11 6.1.2.2). A DG15 key with explicit domain
  parameters (9303-12 4.1.6.3) is checked with cardwire's ECDSA (:mod:`.ec_keys`).
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from cardwire import commands
from cardwire.apdu import Command
from cardwire.crypto.ecdsa_verify import verify
from cardwire.errors import DecodeError
from cardwire.passport import ec_keys
from cardwire.passport.passive import Verdict
from cardwire.passport.security_infos import ECDSA_HASHES

CHALLENGE_LENGTH = 8  # 9303-11 6.1: an 8-byte random challenge
ISO9796_HASHES = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}


def internal_authenticate(challenge: bytes) -> Command:
    """INTERNAL AUTHENTICATE 00 88 00 00 08 challenge 00 (9303-11 6.1.1)."""
    return commands.internal_authenticate(challenge, ne=256)


def _recover_rsa(key: rsa.RSAPublicKey, signature: bytes, challenge: bytes) -> Verdict:
    numbers = key.public_numbers()
    size = (key.key_size + 7) // 8
    value = pow(int.from_bytes(signature, "big"), numbers.e, numbers.n)
    if value & 0x0F != 0x0C:  # 9796-2 B.6: the representative or n minus it ends in ..C
        value = numbers.n - value
    return check_representative(value.to_bytes(size, "big"), challenge)


def check_representative(f: bytes, challenge: bytes) -> Verdict:
    """The recovered ISO/IEC 9796-2 scheme 1 representative F = 6A || M1 || H(M1 || M2) ||
    trailer, with M2 the challenge (9303-11 6.1.2.1)."""
    if f[:1] != b"\x6a":  # header 01 (scheme 1), more data 1, padding 1010 (9796-2 8.1.1)
        return Verdict(False, "the recovered message does not start with 6A")
    if f[-1:] == b"\xbc":
        hash_name, trailer = "sha1", 1
    elif f[-1:] == b"\xcc" and len(f) > 1 and f[-2] in ISO9796_HASHES:
        hash_name, trailer = ISO9796_HASHES[f[-2]], 2
    else:
        return Verdict(False, f"unknown ISO/IEC 9796-2 trailer {f[-2:].hex().upper()}")
    digest_size = hashlib.new(hash_name).digest_size
    if len(f) < 1 + digest_size + trailer:
        return Verdict(False, "the recovered message is too short")
    m1 = f[1 : -(digest_size + trailer)]
    digest = f[-(digest_size + trailer) : -trailer]
    if not hmac.compare_digest(hashlib.new(hash_name, m1 + challenge).digest(), digest):
        return Verdict(False, "the RSA signature does not cover the challenge")
    return Verdict(True)


def verify_active_authentication(
    public_key_der: bytes, challenge: bytes, signature: bytes, ecdsa_algorithm: str | None
) -> Verdict:
    """Check the chip's answer to ``challenge`` against DG15's key (9303-11 6.1.2)."""
    try:
        explicit = ec_keys.parse_ec_public_key(public_key_der)
    except DecodeError as exc:
        return Verdict(False, f"unsupported AA public key in DG15: {exc}")
    if explicit is not None and explicit.explicit:
        return _verify_plain(explicit, challenge, signature, ecdsa_algorithm)
    try:
        key = serialization.load_der_public_key(public_key_der)
    except (ValueError, UnsupportedAlgorithm) as exc:
        return Verdict(False, f"unsupported AA public key in DG15: {exc}")
    if isinstance(key, rsa.RSAPublicKey):
        return _recover_rsa(key, signature, challenge)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return Verdict(False, f"unsupported AA key type {type(key).__name__}")
    hash_name = ECDSA_HASHES.get(ecdsa_algorithm or "")
    if hash_name is None:
        return Verdict(False, "ECDSA AA needs DG14's ActiveAuthenticationInfo (its hash)")
    half = len(signature) // 2
    if len(signature) % 2 or half != (key.curve.key_size + 7) // 8:
        return Verdict(False, "the ECDSA signature is not r || s of the curve's size")
    der = encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )
    algorithm = getattr(hashes, hash_name.upper())()
    try:
        key.verify(der, challenge, ec.ECDSA(algorithm))
    except InvalidSignature:
        return Verdict(False, "the ECDSA signature does not verify with DG15's key")
    return Verdict(True)


def _verify_plain(
    key: ec_keys.EcPublicKey, challenge: bytes, signature: bytes, ecdsa_algorithm: str | None
) -> Verdict:
    """ECDSA AA with an explicit-parameter key: r || s, each the byte length of the order
    (BSI TR-03111 5.2.1), with the hash of DG14's ActiveAuthenticationInfo."""
    hash_name = ECDSA_HASHES.get(ecdsa_algorithm or "")
    if hash_name is None:
        return Verdict(False, "ECDSA AA needs DG14's ActiveAuthenticationInfo (its hash)")
    half = key.curve.order_size
    if len(signature) != 2 * half:
        return Verdict(False, "the ECDSA signature is not r || s of the curve's size")
    r, s = int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    if not verify(key.curve, key.point, challenge, r, s, hash_name):
        return Verdict(False, "the ECDSA signature does not verify with DG15's key")
    return Verdict(True)


__all__ = [
    "CHALLENGE_LENGTH",
    "ISO9796_HASHES",
    "check_representative",
    "internal_authenticate",
    "verify_active_authentication",
]
