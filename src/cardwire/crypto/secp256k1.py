"""secp256k1 (``cryptography``): ECDH for the Keycard secure channel, ECDSA for its SIGN.

- Points travel as X9.62 / SEC 1 v2 2.3.3 uncompressed points: ``04 || X(32) || Y(32)``.
- ECDH gives the x-coordinate of the shared point (SEC 1 v2 3.3.1), 32 bytes, as the Keycard
  secure channel uses it (Keycard docs, OPEN SECURE CHANNEL: "generate a secret using EC-DH").
- Private keys come from an injected ``rng`` (no OS randomness inside), by rejection sampling of
  32-byte scalars in [1, n-1] (FIPS 186-5 A.2.2 style "testing candidates").
- ECDSA signs a 32-byte digest deterministically (RFC 6979) and normalises S to the lower half
  of the group order (BIP-62 / EIP-2 "low S"), as wallet software expects.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cardwire.errors import CryptogramError, DecodeError, UsageError

# SEC 2 v2 2.4.1: the order n of the secp256k1 base point.
CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SCALAR_LENGTH = 32
UNCOMPRESSED_POINT = 0x04  # SEC 1 v2 2.3.3
PUBLIC_KEY_LENGTH = 1 + 2 * SCALAR_LENGTH
DIGEST_LENGTH = 32
_MAX_DRAWS = 64

_CURVE = ec.SECP256K1()
_ECDSA = ec.ECDSA(Prehashed(hashes.SHA256()), deterministic_signing=True)
_ECDSA_VERIFY = ec.ECDSA(Prehashed(hashes.SHA256()))


def _public_key(encoded: bytes) -> ec.EllipticCurvePublicKey:
    if len(encoded) != PUBLIC_KEY_LENGTH or encoded[0] != UNCOMPRESSED_POINT:
        raise DecodeError(
            f"a secp256k1 public key is 04 || X || Y ({PUBLIC_KEY_LENGTH} bytes), "
            f"got {len(encoded)} bytes starting {encoded[:1].hex().upper() or 'with nothing'}",
            0,
        )
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, encoded)
    except ValueError as exc:
        raise DecodeError("the public key is not a point on secp256k1", 1) from exc


def check_public_key(encoded: bytes) -> bytes:
    """``encoded`` if it is an uncompressed point on secp256k1, else :class:`DecodeError`."""
    _public_key(encoded)
    return bytes(encoded)


class Secp256k1PrivateKey:
    """A secp256k1 private key. ``repr`` never shows the scalar."""

    __slots__ = ("_key", "_public")

    def __init__(self, scalar: bytes) -> None:
        value = int.from_bytes(scalar, "big")
        if len(scalar) != SCALAR_LENGTH or not 1 <= value < CURVE_ORDER:
            raise UsageError("a secp256k1 private key is a 32-byte scalar in [1, n-1]")
        self._key = ec.derive_private_key(value, _CURVE)
        self._public = self._key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )

    @classmethod
    def generate(cls, rng: Callable[[int], bytes]) -> Secp256k1PrivateKey:
        """A fresh key from ``rng``: 32-byte candidates until one lies in [1, n-1]."""
        for _ in range(_MAX_DRAWS):
            candidate = rng(SCALAR_LENGTH)
            if 1 <= int.from_bytes(candidate, "big") < CURVE_ORDER:
                return cls(candidate)
        raise UsageError("the random generator gave no valid secp256k1 scalar in 64 draws")

    @property
    def scalar(self) -> bytes:
        """The private scalar, 32 bytes big-endian (for card state files only)."""
        value = self._key.private_numbers().private_value
        return value.to_bytes(SCALAR_LENGTH, "big")

    @property
    def public_key(self) -> bytes:
        """The uncompressed public point, 65 bytes."""
        return self._public

    def shared_secret(self, peer_public_key: bytes) -> bytes:
        """ECDH (SEC 1 v2 3.3.1): the 32-byte x-coordinate of d * Q_peer."""
        return self._key.exchange(ec.ECDH(), _public_key(peer_public_key))

    def sign_digest(self, digest: bytes) -> bytes:
        """A DER ECDSA signature (RFC 6979 nonce, low S) over a 32-byte digest."""
        if len(digest) != DIGEST_LENGTH:
            raise UsageError(f"the digest to sign must be {DIGEST_LENGTH} bytes, got {len(digest)}")
        r, s = decode_dss_signature(self._key.sign(digest, _ECDSA))
        if s > CURVE_ORDER // 2:  # BIP-62 / EIP-2: use n - s
            s = CURVE_ORDER - s
        return encode_dss_signature(r, s)

    def __repr__(self) -> str:
        return "Secp256k1PrivateKey(<hidden>)"


def verify_digest(public_key: bytes, digest: bytes, signature: bytes) -> None:
    """Check a DER ECDSA signature over a 32-byte digest; :class:`CryptogramError` if wrong."""
    key = _public_key(public_key)
    if len(digest) != DIGEST_LENGTH:
        raise UsageError(f"the signed digest must be {DIGEST_LENGTH} bytes, got {len(digest)}")
    try:
        key.verify(signature, digest, _ECDSA_VERIFY)
    except (InvalidSignature, ValueError) as exc:
        raise CryptogramError("the ECDSA signature does not verify") from exc


__all__ = [
    "CURVE_ORDER",
    "PUBLIC_KEY_LENGTH",
    "Secp256k1PrivateKey",
    "check_public_key",
    "verify_digest",
]
