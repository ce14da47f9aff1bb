"""SCP11 key agreement: ECKA on the curves of Amendment F that ``cryptography`` has, the X9.63
key derivation and the receipt (GP Card Spec v2.3 Amendment F 3.1, 6.1)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cardwire.crypto.cmac import AesCmacKey
from cardwire.errors import DecodeError, UsageError
from cardwire.sm.scp11.constants import KEY_TYPE_AES, SESSION_KEY_COUNT

# Amendment F 3.1.1 / 6.1: NIST P-256, P-384, P-521 and brainpoolP256r1, P384r1, P512r1.
CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(),
    "P-384": ec.SECP384R1(),
    "P-521": ec.SECP521R1(),
    "brainpoolP256r1": ec.BrainpoolP256R1(),
    "brainpoolP384r1": ec.BrainpoolP384R1(),
    "brainpoolP512r1": ec.BrainpoolP512R1(),
}


def curve_name(curve: ec.EllipticCurve) -> str:
    for name, known in CURVES.items():
        if known.name == curve.name:
            return name
    raise UsageError(f"curve {curve.name} is not one of SCP11's ({', '.join(CURVES)})")


def encode_point(key: ec.EllipticCurvePublicKey) -> bytes:
    """The uncompressed point (X9.62) carried in tag 5F49."""
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def decode_point(curve: ec.EllipticCurve, point: bytes) -> ec.EllipticCurvePublicKey:
    """A public key from its point; DecodeError when it is not a point of ``curve``."""
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    except ValueError as exc:
        raise DecodeError(f"not a point on {curve.name}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Scp11Keys:
    """The five keys of Amendment F 3.1.2: receipt key, S-ENC, S-MAC, S-RMAC, S-DEK. The
    repr never shows key bytes."""

    receipt: bytes
    enc: bytes
    mac: bytes
    rmac: bytes
    dek: bytes

    def __repr__(self) -> str:
        return f"Scp11Keys(AES-{len(self.enc) * 8}, <hidden>)"


def shared_info(key_usage: int, key_length: int) -> bytes:
    # Amendment F 3.1.2: SharedInfo = key usage || key type || key length (host and card ID
    # are optional and not sent by yubikit or OpenSCP).
    return bytes((key_usage, KEY_TYPE_AES, key_length))


def derive_keys(secret: bytes, key_usage: int, key_length: int) -> Scp11Keys:
    """X9.63 KDF with SHA-256 over ShSee || ShSes (Amendment F 3.1.2; BSI TR-03111 4.3.3)."""
    if key_length not in (16, 24, 32):
        raise UsageError(f"SCP11 session keys are AES-128/192/256, got {key_length} bytes")
    kdf = X963KDF(
        hashes.SHA256(), SESSION_KEY_COUNT * key_length, shared_info(key_usage, key_length)
    )
    data = kdf.derive(secret)
    parts = [data[i : i + key_length] for i in range(0, len(data), key_length)]
    return Scp11Keys(*parts)


def agree(
    ephemeral: ec.EllipticCurvePrivateKey,
    other_ephemeral: ec.EllipticCurvePublicKey,
    static: ec.EllipticCurvePrivateKey,
    other_static: ec.EllipticCurvePublicKey,
) -> bytes:
    """ShSee || ShSes (Amendment F 3.1.1): ECKA of the two ephemeral keys, then of the static
    ones (in SCP11b the host's "static" key is its ephemeral key)."""
    return ephemeral.exchange(ec.ECDH(), other_ephemeral) + static.exchange(ec.ECDH(), other_static)


def receipt(keys: Scp11Keys, key_agreement_data: bytes) -> bytes:
    """Amendment F 3.1.2: AES-CMAC over the command's A6 and 5F49 objects and the card's 5F49."""
    return AesCmacKey(keys.receipt).mac(key_agreement_data)


def receipt_matches(keys: Scp11Keys, key_agreement_data: bytes, received: bytes) -> bool:
    return hmac.compare_digest(receipt(keys, key_agreement_data), received)
