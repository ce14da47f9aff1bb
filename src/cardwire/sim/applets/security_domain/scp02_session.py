"""The Security Domain's SCP02 side (GP Card Spec v2.3.1 Annex E): its profile section (3DES
key sets, implementation option 15 or 55, the 2-byte sequence counter) and INITIALIZE UPDATE
for a key version that names an SCP02 key set. EXTERNAL AUTHENTICATE and the session rules are
the applet's, shared with SCP03 (the card sessions have one interface)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from cardwire.apdu import Command, Response
from cardwire.errors import SecureChannelError
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.config_loader import check
from cardwire.sm.scp02 import I_55, Scp02Card
from cardwire.sm.scp02 import StaticKeys as Scp02Keys
from cardwire.sm.scp02.constants import (
    DEFAULT_KVN,
    DES3_KEY_LENGTH,
    MAX_SEQUENCE_COUNTER,
    SUPPORTED_OPTIONS,
)
from cardwire.sm.scp02.diversification import DIVERSIFICATION_SCHEMES, NO_DIVERSIFICATION
from cardwire.sw import SW


class CountedKeys(Protocol):
    """What holds a sequence counter of INITIALIZE UPDATE answers (SCP02 or SCP03 key sets)."""

    sequence_counter: int


class CardHandshake(Protocol):
    def initialize_update(self, command: Command, sequence_counter: int) -> Response: ...


def counted_initialize_update(
    keys: CountedKeys, handshake: CardHandshake, ctx: ChannelContext, command: Command
) -> Response:
    """The card's INITIALIZE UPDATE answer with the next sequence counter value; CardStatus
    for a command the handshake refuses."""
    try:
        answer = handshake.initialize_update(command, keys.sequence_counter)
    except SecureChannelError as exc:
        raise CardStatus(exc.card_sw) from None
    # GP Amendment D 6.2.2.1 and GP Card Spec E.4.2.1: each sequence counter value is used
    # once (with a pseudo-random challenge, repeating one would repeat the challenge); the
    # increment is durable before the answer leaves the card.
    keys.sequence_counter += 1
    ctx.card.commit()
    return answer


@dataclass(frozen=True, kw_only=True)
class Scp02KeySetConfig:
    """One SCP02 key set: key version number and three two-key 3DES keys."""

    kvn: int = field(metadata={"hex_bytes": 1})
    enc: bytes = field(repr=False, metadata={"length": DES3_KEY_LENGTH})
    mac: bytes = field(repr=False, metadata={"length": DES3_KEY_LENGTH})
    dek: bytes = field(repr=False, metadata={"length": DES3_KEY_LENGTH})

    def keys(self) -> Scp02Keys:
        return Scp02Keys(self.enc, self.mac, self.dek, self.kvn)

    @classmethod
    def of(cls, keys: Scp02Keys) -> Scp02KeySetConfig:
        return cls(kvn=keys.kvn, enc=keys.enc, mac=keys.mac, dek=keys.dek)


def _default_key_sets() -> tuple[Scp02KeySetConfig, ...]:
    return (Scp02KeySetConfig.of(Scp02Keys.default(DEFAULT_KVN)),)


@dataclass(frozen=True, kw_only=True)
class Scp02Config:
    """The ``scp02`` part of the Security Domain's section (configuration and saved state)."""

    key_sets: tuple[Scp02KeySetConfig, ...] = field(default_factory=_default_key_sets)
    option: int = field(default=int(I_55), metadata={"hex_bytes": 1})
    # GP Card Spec E.5.1.6: the sequence counter is 2 bytes; 10000 means exhausted.
    sequence_counter: int = field(default=0, metadata={"range": (0, MAX_SEQUENCE_COUNTER + 1)})
    # emv or visa2: key_sets are master keys, diversified with the Security Domain's
    # diversification_data (cardwire.sm.scp02.diversification); "none" in a state already
    # diversified, so that a reload does not diversify twice.
    diversify: str | None = field(default=None, metadata={"omit_default": True})

    def __post_init__(self) -> None:
        check(self.option in SUPPORTED_OPTIONS, "option", "SCP02 options offered: 15, 55")
        check(
            self.diversify is None or self.diversify in DIVERSIFICATION_SCHEMES,
            "diversify",
            f"expected one of {', '.join(DIVERSIFICATION_SCHEMES)}",
        )
        check(bool(self.key_sets), "key_sets", "expected at least one key set")
        check(
            len({k.kvn for k in self.key_sets}) == len(self.key_sets),
            "key_sets",
            "a key version number is used twice",
        )


class SecurityDomainIdentity(Protocol):
    aid: bytes
    diversification_data: bytes


class Scp02Support:
    """The SCP02 key sets of a Security Domain and their sequence counter."""

    def __init__(self, config: Scp02Config, diversification_data: bytes = bytes(10)) -> None:
        self.key_sets = [k.keys() for k in config.key_sets]
        if config.diversify is not None:
            # As a card personalised from master keys: it holds the derived keys.
            self.key_sets = [
                keys.diversified(diversification_data, config.diversify) for keys in self.key_sets
            ]
        self.keys_diversified = config.diversify is not None
        self.option = config.option
        self.sequence_counter = config.sequence_counter

    def settings(self) -> Scp02Config:
        return Scp02Config(
            key_sets=tuple(Scp02KeySetConfig.of(k) for k in self.key_sets),
            option=self.option,
            sequence_counter=self.sequence_counter,
            diversify=NO_DIVERSIFICATION if self.keys_diversified else None,
        )

    def serves(self, kvn: int) -> bool:
        """INITIALIZE UPDATE P1 names one of these key sets (kvn 00 stays with SCP03)."""
        return any(keys.kvn == kvn for keys in self.key_sets)

    def initialize_update(
        self, ctx: ChannelContext, domain: SecurityDomainIdentity, command: Command
    ) -> tuple[Response, Scp02Card]:
        """Answer INITIALIZE UPDATE for ``domain`` (its AID and key diversification data)."""
        if self.sequence_counter > MAX_SEQUENCE_COUNTER:
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)  # the counter is exhausted
        handshake = Scp02Card(
            self.key_sets,
            domain.aid,
            self.option,
            domain.diversification_data,
            rng=ctx.card.random,
        )
        answer = counted_initialize_update(self, handshake, ctx, command)
        return answer, handshake
