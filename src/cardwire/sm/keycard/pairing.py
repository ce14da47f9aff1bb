"""Keycard pairing (Keycard docs, PAIR / UNPAIR): the secret of a pairing password, the two-step
PAIR exchange and the stored :class:`Pairing`."""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from cardwire.apdu import MAX_SHORT_NE, Command, Response
from cardwire.errors import (
    CryptogramError,
    DecodeError,
    UsageError,
)
from cardwire.sm.base import Rng
from cardwire.sm.keycard.constants import (
    CHALLENGE_LENGTH,
    CLA_KEYCARD,
    INS_PAIR,
    INS_UNPAIR,
    KEY_LENGTH,
    PAIR_FINAL_STEP,
    PAIR_FIRST_STEP,
    PAIRING_ITERATIONS,
    PAIRING_SALT,
    SALT_LENGTH,
    SECRET_LENGTH,
)
from cardwire.sw import check


def pairing_secret(password: str) -> bytes:
    """The 32-byte pairing secret of a pairing password (Keycard docs, PAIR / INIT)."""
    normalised = unicodedata.normalize("NFKD", password).encode("utf-8")
    salt = unicodedata.normalize("NFKD", PAIRING_SALT).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", normalised, salt, PAIRING_ITERATIONS, SECRET_LENGTH)


def _sha256(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def _check_secret(secret: bytes) -> bytes:
    if not isinstance(secret, bytes) or len(secret) != SECRET_LENGTH:
        raise UsageError(f"a Keycard pairing secret is {SECRET_LENGTH} bytes")
    return secret


@dataclass(frozen=True, slots=True)
class Pairing:
    """A pairing the card holds: its slot index and the 32-byte pairing key. Store it to open
    channels later (``str(pairing)`` hides the key; ``encode()`` gives ``INDEX:KEY``)."""

    index: int
    key: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.index, int) or not 0 <= self.index <= 0xFF:
            raise UsageError(f"a pairing index is 0..255, got {self.index!r}")
        if not isinstance(self.key, bytes) or len(self.key) != KEY_LENGTH:
            raise UsageError(f"a pairing key is {KEY_LENGTH} bytes")

    def encode(self) -> str:
        """``INDEX:KEY`` with the key in uppercase hex (what ``--pairing`` accepts)."""
        return f"{self.index}:{self.key.hex().upper()}"

    @classmethod
    def parse(cls, text: str) -> Pairing:
        """Read ``INDEX:KEY`` (decimal index, hex key in any case, spaces allowed)."""
        index_text, sep, key_text = text.partition(":")
        index_text = index_text.strip(" ")
        if not sep or not index_text.isascii() or not index_text.isdigit():
            raise UsageError("a pairing is INDEX:KEY, e.g. 0:1A2B... (64 hex digits)")
        from cardwire.hexutil import parse_hex

        try:
            key = parse_hex(key_text)
        except DecodeError as exc:
            raise UsageError(f"pairing key: {exc}") from exc
        return cls(int(index_text), key)

    def __repr__(self) -> str:
        return f"Pairing(index={self.index}, key=<hidden>)"


class PairingHandshake:
    """Host side of PAIR, sans-IO: :meth:`first_command`, :meth:`final_command`, :meth:`finish`."""

    def __init__(self, secret: bytes, *, rng: Rng = os.urandom, mode: int = 0) -> None:
        self._secret = _check_secret(secret)
        self._rng = rng
        self._mode = mode
        self._client_challenge: bytes | None = None
        self._final: Command | None = None

    @classmethod
    def from_password(
        cls, password: str, *, rng: Rng = os.urandom, mode: int = 0
    ) -> PairingHandshake:
        return cls(pairing_secret(password), rng=rng, mode=mode)

    def first_command(self) -> Command:
        """PAIR P1=00 with a fresh 32-byte client challenge (P2 = pairing mode)."""
        self._client_challenge = self._rng(CHALLENGE_LENGTH)
        return Command(
            CLA_KEYCARD, INS_PAIR, PAIR_FIRST_STEP, self._mode, self._client_challenge, MAX_SHORT_NE
        )

    def final_command(self, response: Response) -> Command:
        """Check the card cryptogram; PAIR P1=01 with the client cryptogram."""
        if self._client_challenge is None:
            raise UsageError("send first_command() before final_command()")
        check(response.sw)
        if len(response.data) != 2 * CHALLENGE_LENGTH:
            raise DecodeError(f"PAIR step 1 answer must be 64 bytes, got {len(response.data)}", 0)
        cryptogram, card_challenge = response.data[:32], response.data[32:]
        expected = _sha256(self._secret, self._client_challenge)
        if not hmac.compare_digest(cryptogram, expected):
            raise CryptogramError(
                "the card cryptogram does not verify: the pairing password is probably wrong"
            )
        client_cryptogram = _sha256(self._secret, card_challenge)
        self._final = Command(
            CLA_KEYCARD, INS_PAIR, PAIR_FINAL_STEP, 0, client_cryptogram, MAX_SHORT_NE
        )
        return self._final

    def finish(self, response: Response) -> Pairing:
        """The pairing from the card's answer to step 2: index || salt."""
        if self._final is None:
            raise UsageError("send final_command() before finish()")
        check(response.sw)
        if len(response.data) != 1 + SALT_LENGTH:
            raise DecodeError(f"PAIR step 2 answer must be 33 bytes, got {len(response.data)}", 0)
        index, salt = response.data[0], response.data[1:]
        return Pairing(index, _sha256(self._secret, salt))


def unpair_command(index: int) -> Command:
    """UNPAIR (INS 13, P1 = the pairing index); it must travel inside the channel."""
    if not 0 <= index <= 0xFF:
        raise UsageError(f"a pairing index is 0..255, got {index}")
    return Command(CLA_KEYCARD, INS_UNPAIR, index, 0)


__all__ = [
    "Pairing",
    "PairingHandshake",
    "pairing_secret",
    "unpair_command",
]
