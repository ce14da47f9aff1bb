"""BIP-32 hierarchical deterministic keys on secp256k1 (private derivation only), BIP-39 seeds
from mnemonics, and the Keycard key path encoding.

- BIP-32 "Master key generation": I = HMAC-SHA512("Bitcoin seed", seed); key = I_L, chain
  code = I_R; I_L must be in [1, n-1].
- BIP-32 "Private parent key -> private child key": hardened (i >= 2^31): I =
  HMAC-SHA512(c, 00 || k || ser32(i)); normal: I = HMAC-SHA512(c, serP(K) || ser32(i)) with
  serP the 33-byte compressed point; child key = (I_L + k) mod n, chain code I_R; an I_L >= n
  or a zero child key makes the index invalid (the card answers an error, it does not skip).
- BIP-39 "From mnemonic to seed": PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic" ||
  NFKD(passphrase), 2048 iterations, 64 bytes).
- Keycard docs, DERIVE KEY: a path is a sequence of 32-bit big-endian components (at most 10),
  hardened ones with the top bit set; text paths are ``m/44'/60'/0'/0/0`` (from the master),
  ``../0`` (from the parent of the current key) and ``./0`` or ``0/1`` (from the current key).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cardwire.crypto.secp256k1 import CURVE_ORDER
from cardwire.errors import DecodeError, UsageError

HARDENED = 0x80000000
MAX_PATH_COMPONENTS = 10  # Keycard docs, DERIVE KEY: at most 10 levels
COMPONENT_LENGTH = 4
CHAIN_CODE_LENGTH = 32
# Keycard docs, DERIVE KEY / SIGN / EXPORT KEY P1 bits 6-7: where the path starts.
SOURCE_MASTER, SOURCE_PARENT, SOURCE_CURRENT = 0x00, 0x40, 0x80


@dataclass(frozen=True)
class ExtendedKey:
    """A private key with its chain code (BIP-32 "extended private key"). ``repr`` hides it."""

    private_key: bytes
    chain_code: bytes

    def __repr__(self) -> str:
        return "ExtendedKey(<hidden>)"


def compressed_public_key(private_key: bytes) -> bytes:
    """serP(point(k)): the 33-byte SEC 1 compressed point."""
    key = ec.derive_private_key(int.from_bytes(private_key, "big"), ec.SECP256K1())
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def master_key(seed: bytes) -> ExtendedKey:
    """BIP-32 master key generation from a 16..64-byte seed."""
    if not 16 <= len(seed) <= 64:
        raise UsageError(f"a BIP-32 seed is 16 to 64 bytes, got {len(seed)}")
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    if not 1 <= int.from_bytes(digest[:32], "big") < CURVE_ORDER:
        raise UsageError("this seed gives an invalid master key (BIP-32): use another")
    return ExtendedKey(digest[:32], digest[32:])


def derive_child(parent: ExtendedKey, index: int) -> ExtendedKey:
    """BIP-32 CKDpriv; :class:`UsageError` for the (rare) invalid index."""
    if not 0 <= index <= 0xFFFFFFFF:
        raise UsageError(f"a BIP-32 index is 0..2^32-1, got {index}")
    if index >= HARDENED:
        data = b"\x00" + parent.private_key
    else:
        data = compressed_public_key(parent.private_key)
    digest = hmac.new(parent.chain_code, data + index.to_bytes(4, "big"), hashlib.sha512).digest()
    tweak = int.from_bytes(digest[:32], "big")
    child = (tweak + int.from_bytes(parent.private_key, "big")) % CURVE_ORDER
    if tweak >= CURVE_ORDER or child == 0:
        raise UsageError(f"BIP-32 index {index} gives an invalid key")
    return ExtendedKey(child.to_bytes(32, "big"), digest[32:])


def derive_path(key: ExtendedKey, path: tuple[int, ...]) -> ExtendedKey:
    for index in path:
        key = derive_child(key, index)
    return key


def mnemonic_to_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """BIP-39 seed (no wordlist check: see the CLI for that)."""
    words = unicodedata.normalize("NFKD", " ".join(mnemonic.split()))
    salt = unicodedata.normalize("NFKD", "mnemonic" + passphrase)
    return hashlib.pbkdf2_hmac("sha512", words.encode(), salt.encode(), 2048)


def encode_path(path: tuple[int, ...]) -> bytes:
    return b"".join(index.to_bytes(COMPONENT_LENGTH, "big") for index in path)


def decode_path(data: bytes) -> tuple[int, ...]:
    """Keycard path bytes to components; :class:`DecodeError` for a bad length."""
    if len(data) % COMPONENT_LENGTH or len(data) // COMPONENT_LENGTH > MAX_PATH_COMPONENTS:
        raise DecodeError(
            f"a key path is at most {MAX_PATH_COMPONENTS} 4-byte components, got {len(data)} bytes"
        )
    return tuple(
        int.from_bytes(data[i : i + COMPONENT_LENGTH], "big")
        for i in range(0, len(data), COMPONENT_LENGTH)
    )


def parse_path(text: str) -> tuple[int, tuple[int, ...]]:
    """``m/44'/60'/0'/0/0`` -> (source, components); ``h`` or ``'`` marks hardened."""
    tokens = text.strip().split("/")
    source = SOURCE_CURRENT
    if tokens[0] in ("m", "M"):
        source, tokens = SOURCE_MASTER, tokens[1:]
    elif tokens[0] == "..":
        source, tokens = SOURCE_PARENT, tokens[1:]
    elif tokens[0] == ".":
        tokens = tokens[1:]
    components = []
    for token in tokens:
        hardened = token.endswith(("'", "h", "H"))
        digits = token[:-1] if hardened else token
        if not digits.isdigit() or int(digits) >= HARDENED:
            raise UsageError(f"bad key path component {token!r} in {text!r}")
        components.append(int(digits) | (HARDENED if hardened else 0))
    if len(components) > MAX_PATH_COMPONENTS:
        raise UsageError(f"a key path has at most {MAX_PATH_COMPONENTS} components")
    return source, tuple(components)


def format_path(path: tuple[int, ...]) -> str:
    parts = [f"{i & ~HARDENED}'" if i & HARDENED else str(i) for i in path]
    return "/".join(["m", *parts])


__all__ = [
    "CHAIN_CODE_LENGTH",
    "HARDENED",
    "MAX_PATH_COMPONENTS",
    "SOURCE_CURRENT",
    "SOURCE_MASTER",
    "SOURCE_PARENT",
    "ExtendedKey",
    "compressed_public_key",
    "decode_path",
    "derive_child",
    "derive_path",
    "encode_path",
    "format_path",
    "master_key",
    "mnemonic_to_seed",
    "parse_path",
]
