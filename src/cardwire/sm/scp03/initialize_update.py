"""The card's answer to INITIALIZE UPDATE: key information and the strict codec of its data."""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.errors import DecodeError
from cardwire.sm.scp03.constants import (
    DIVERSIFICATION_DATA_LENGTH,
    KEY_INFORMATION_LENGTH,
    SEQUENCE_COUNTER_LENGTH,
)
from cardwire.sm.scp03_levels import SCP03_ID, KeyParameter, Mode


@dataclass(frozen=True, slots=True)
class KeyInformation:
    """Key information of the INITIALIZE UPDATE answer: kvn, SCP identifier, "i" parameter."""

    kvn: int
    scp: int
    i: KeyParameter

    @property
    def mode(self) -> Mode:
        return Mode.S16 if self.i & KeyParameter.S16 else Mode.S8

    @property
    def pseudo_random(self) -> bool:
        return bool(self.i & KeyParameter.PSEUDO_RANDOM_CHALLENGE)


@dataclass(frozen=True, slots=True)
class InitializeUpdateResponse:
    """The card's answer to INITIALIZE UPDATE (GP Amendment D 7.1.1.6, table 7-3)."""

    diversification_data: bytes
    key_information: KeyInformation
    card_challenge: bytes
    card_cryptogram: bytes
    sequence_counter: int | None = None

    @classmethod
    def decode(cls, data: bytes) -> InitializeUpdateResponse:
        """Strict decoding: 10 + 3 + n + n [+ 3] bytes with n = 8 (S8) or 16 (S16)."""
        head = DIVERSIFICATION_DATA_LENGTH + KEY_INFORMATION_LENGTH
        if len(data) < head:
            raise DecodeError(f"INITIALIZE UPDATE answer too short ({len(data)} bytes)", len(data))
        kvn, scp, i = data[10], data[11], data[12]
        if scp != SCP03_ID:
            raise DecodeError(f"the card answered for SCP{scp:02X}, not SCP03", 11)
        info = KeyInformation(kvn, scp, KeyParameter(i))
        n = info.mode
        body = len(data) - head
        if body == 2 * n:
            sequence = None
        elif body == 2 * n + SEQUENCE_COUNTER_LENGTH:
            sequence = int.from_bytes(data[head + 2 * n :], "big")
        else:
            raise DecodeError(
                f"INITIALIZE UPDATE answer of {len(data)} bytes does not fit {n.name} mode "
                f"({head + 2 * n} or {head + 2 * n + SEQUENCE_COUNTER_LENGTH} bytes)",
                head,
            )
        if info.pseudo_random and sequence is None:
            raise DecodeError("pseudo-random card challenge announced but no sequence counter", 12)
        return cls(
            diversification_data=data[:DIVERSIFICATION_DATA_LENGTH],
            key_information=info,
            card_challenge=data[head : head + n],
            card_cryptogram=data[head + n : head + 2 * n],
            sequence_counter=sequence,
        )

    def encode(self) -> bytes:
        info = self.key_information
        out = self.diversification_data + bytes((info.kvn, info.scp, int(info.i)))
        out += self.card_challenge + self.card_cryptogram
        if self.sequence_counter is not None:
            out += self.sequence_counter.to_bytes(SEQUENCE_COUNTER_LENGTH, "big")
        return out
