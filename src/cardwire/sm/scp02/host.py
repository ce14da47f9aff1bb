"""Host side of the SCP02 handshake (GP Card Spec v2.3.1 E.5): INITIALIZE UPDATE, card
cryptogram check, EXTERNAL AUTHENTICATE, then the open :class:`Scp02HostSession`."""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field

from cardwire.apdu import Command, Response
from cardwire.errors import CryptogramError, UsageError
from cardwire.sm.base import Rng
from cardwire.sm.scp02.channel import Scp02Channel
from cardwire.sm.scp02.constants import (
    HOST_CHALLENGE_LENGTH,
    I_15,
    Option,
    SecurityLevel,
    implementation_option,
    security_level,
)
from cardwire.sm.scp02.crypto import pseudo_random_challenge
from cardwire.sm.scp02.diversification import scheme_name
from cardwire.sm.scp02.handshake import Exchange, exchange, external_authenticate_command
from cardwire.sm.scp02.initialize_update import InitializeUpdateResponse
from cardwire.sm.scp02.keys import StaticKeys
from cardwire.sm.scp02.sessions import Scp02HostSession
from cardwire.sm.scp03 import INS_INITIALIZE_UPDATE, GpHostHandshake


@dataclass(eq=False)
class Scp02Handshake(GpHostHandshake[InitializeUpdateResponse, Scp02Channel]):
    """Host side of the SCP02 handshake.

    The card's "i" parameter is not in its INITIALIZE UPDATE answer (GP Card Spec E.5.1.6), so
    the host states it: ``option`` 15 or 55. With 55 the pseudo-random card challenge is
    checked against ``aid`` (the Security Domain's AID) unless ``check_challenge`` is False.
    ``diversify`` names a key diversification template (``emv``, ``visa2``:
    ``cardwire.sm.scp02.diversification``): ``keys`` are then master keys, and the card's keys
    are derived from them and the diversification data of the card's answer.
    """

    keys: StaticKeys
    level: int = SecurityLevel.C_MAC
    option: int = I_15
    channel: int = 0
    aid: bytes | None = None
    rng: Rng = field(default=os.urandom, repr=False)
    check_challenge: bool = True
    diversify: str | None = None
    _host_challenge: bytes | None = field(default=None, init=False, repr=False)
    _answer: InitializeUpdateResponse | None = field(default=None, init=False, repr=False)
    _pending: Scp02Channel | None = field(default=None, init=False, repr=False)
    _exchange: Exchange | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.level = security_level(self.level)
        self.option = implementation_option(self.option)
        if self.diversify is not None:
            self.diversify = scheme_name(self.diversify)

    @property
    def session_dek(self) -> bytes | None:
        """The DEK session key (GP Card Spec E.4.1), once the card's answer verified: it
        encrypts the keys of a PUT KEY (E.4.7)."""
        return None if self._exchange is None else self._exchange.session_keys.dek

    def initialize_update(self) -> Command:
        """INITIALIZE UPDATE (GP Card Spec E.5.1): P1 = key version, P2 = 00, host challenge."""
        challenge = self.rng(HOST_CHALLENGE_LENGTH)
        if not isinstance(challenge, bytes) or len(challenge) != HOST_CHALLENGE_LENGTH:
            raise UsageError("rng must return 8 bytes for the host challenge")
        self._host_challenge = challenge
        self._answer = self._pending = self._exchange = None
        return Command(self.cla, INS_INITIALIZE_UPDATE, self.keys.kvn, 0x00, challenge, ne=256)

    def external_authenticate(self, response: Response) -> Command:
        """Verify the card's answer and build EXTERNAL AUTHENTICATE."""
        if self._host_challenge is None:
            raise UsageError("call initialize_update() first")
        response.check()
        answer = InitializeUpdateResponse.decode(response.data)
        if self.keys.kvn and answer.kvn != self.keys.kvn:
            raise CryptogramError(
                f"the card used key version {answer.kvn:02X}, not {self.keys.kvn:02X}"
            )
        keys = self.keys
        if self.diversify is not None:
            keys = keys.diversified(answer.diversification_data, self.diversify)
        done = exchange(
            keys,
            Option(self.option),
            answer.sequence_bytes,
            self._host_challenge,
            answer.card_challenge,
        )
        if not hmac.compare_digest(done.card_cryptogram, answer.card_cryptogram):
            raise CryptogramError(
                f"card cryptogram does not verify: the static keys or the key version "
                f"({answer.kvn:02X}) are probably wrong"
            )
        if self.option & Option.PSEUDO_RANDOM_CHALLENGE and self.check_challenge:
            if self.aid is None:
                raise UsageError("i = 55 needs the Security Domain AID (aid=...) to check")
            # GP Card Spec E.4.2.1: the host checks the pseudo-random card challenge.
            expected = pseudo_random_challenge(done.session_keys.c_mac, self.aid)
            if not hmac.compare_digest(expected, answer.card_challenge):
                raise CryptogramError(
                    "pseudo-random card challenge does not match the AID and sequence counter"
                )
        level = SecurityLevel(self.level)
        command, mac = external_authenticate_command(
            self.cla, level, done.host_cryptogram, done.session_keys
        )
        self._answer = answer
        self._exchange = done
        self._pending = Scp02Channel(done.session_keys, level, Option(self.option), mac)
        return command

    def complete(self, response: Response) -> Scp02HostSession:
        """Check the answer to EXTERNAL AUTHENTICATE and return the open session."""
        pending = self._accepted_channel(response)
        return Scp02HostSession(pending)
