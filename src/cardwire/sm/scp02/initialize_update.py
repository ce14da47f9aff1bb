"""The card's answer to INITIALIZE UPDATE under SCP02 and its strict codec."""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.errors import DecodeError
from cardwire.sm.scp02.constants import (
    CARD_CHALLENGE_LENGTH,
    INITIALIZE_UPDATE_ANSWER_LENGTH,
    SCP02_ID,
    SEQUENCE_COUNTER_LENGTH,
)

_DIVERSIFICATION = 10


@dataclass(frozen=True, slots=True)
class InitializeUpdateResponse:
    """GP Card Spec v2.3.1 E.5.1.6 table E-15: key diversification data (10), key version,
    SCP identifier 02, sequence counter (2), card challenge (6), card cryptogram (8)."""

    diversification_data: bytes
    kvn: int
    sequence_counter: int
    card_challenge: bytes
    card_cryptogram: bytes

    @property
    def sequence_bytes(self) -> bytes:
        return self.sequence_counter.to_bytes(SEQUENCE_COUNTER_LENGTH, "big")

    @classmethod
    def decode(cls, data: bytes) -> InitializeUpdateResponse:
        if len(data) != INITIALIZE_UPDATE_ANSWER_LENGTH:
            raise DecodeError(
                f"SCP02 INITIALIZE UPDATE answer must be {INITIALIZE_UPDATE_ANSWER_LENGTH} "
                f"bytes, got {len(data)}",
                min(len(data), INITIALIZE_UPDATE_ANSWER_LENGTH),
            )
        if data[11] != SCP02_ID:
            raise DecodeError(f"the card answered for SCP{data[11]:02X}, not SCP02", 11)
        challenge = 14 + CARD_CHALLENGE_LENGTH
        return cls(
            diversification_data=data[:_DIVERSIFICATION],
            kvn=data[10],
            sequence_counter=int.from_bytes(data[12:14], "big"),
            card_challenge=data[14:challenge],
            card_cryptogram=data[challenge:],
        )

    def encode(self) -> bytes:
        return b"".join(
            (
                self.diversification_data,
                bytes((self.kvn, SCP02_ID)),
                self.sequence_bytes,
                self.card_challenge,
                self.card_cryptogram,
            )
        )
