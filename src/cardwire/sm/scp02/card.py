"""Card side of the SCP02 handshake for one Security Domain (GP Card Spec v2.3.1 E.5)."""

from __future__ import annotations

import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cardwire.apdu import Command, Response
from cardwire.errors import CryptogramError, MacError
from cardwire.sm.base import Rng
from cardwire.sm.scp02.channel import Scp02Channel
from cardwire.sm.scp02.constants import (
    CARD_CHALLENGE_LENGTH,
    HOST_CHALLENGE_LENGTH,
    I_15,
    SEQUENCE_COUNTER_LENGTH,
    Option,
    implementation_option,
    security_level,
)
from cardwire.sm.scp02.crypto import derive_session_keys, pseudo_random_challenge
from cardwire.sm.scp02.handshake import Exchange, exchange, external_authenticate_command
from cardwire.sm.scp02.initialize_update import InitializeUpdateResponse
from cardwire.sm.scp02.keys import StaticKeys
from cardwire.sm.scp02.sessions import Scp02CardSession
from cardwire.sm.scp03 import (
    SW_AUTHENTICATION_FAILED,
    SW_SECURITY_NOT_SATISFIED,
    GpCardHandshake,
    plain_cla,
)


@dataclass(eq=False)
class Scp02Card(GpCardHandshake[StaticKeys, Exchange]):
    """Card side of SCP02 with implementation option 15 or 55 (``option``); kvn 0 in
    INITIALIZE UPDATE selects the first key set. The caller owns the sequence counter."""

    key_sets: Sequence[StaticKeys]
    aid: bytes
    option: int = I_15
    diversification_data: bytes = bytes(10)
    rng: Rng = field(default=os.urandom, repr=False)
    _pending: Exchange | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._check_setup()
        self.option = implementation_option(self.option)

    def initialize_update(self, command: Command, sequence_counter: int = 0) -> Response:
        """Answer INITIALIZE UPDATE; SecureChannelError (with ``card_sw``) on a bad command."""
        keys = self._start_initialize_update(
            command, HOST_CHALLENGE_LENGTH, sequence_counter, SEQUENCE_COUNTER_LENGTH
        )
        sequence = sequence_counter.to_bytes(SEQUENCE_COUNTER_LENGTH, "big")
        option = Option(self.option)
        if option & Option.PSEUDO_RANDOM_CHALLENGE:
            # GP Card Spec E.4.2.1: derived from the AID with this counter's C-MAC key.
            c_mac = derive_session_keys(keys, sequence_counter).c_mac
            challenge = pseudo_random_challenge(c_mac, self.aid)
        else:
            challenge = self.rng(CARD_CHALLENGE_LENGTH)
        done = exchange(keys, option, sequence, command.data, challenge)
        answer = InitializeUpdateResponse(
            self.diversification_data, keys.kvn, sequence_counter, challenge, done.card_cryptogram
        )
        self._pending = done
        return Response(answer.encode())

    def external_authenticate(self, command: Command) -> tuple[Response, Scp02CardSession]:
        """Check EXTERNAL AUTHENTICATE and open the session; SecureChannelError otherwise
        (the handshake is then over: a new INITIALIZE UPDATE is needed)."""
        done = self._take_pending()
        level = self._external_authenticate_level(command, 16, security_level)
        expected, mac = external_authenticate_command(
            plain_cla(command.cla), level, done.host_cryptogram, done.session_keys
        )
        if not hmac.compare_digest(expected.data[:8], command.data[:8]):
            raise CryptogramError(
                "host cryptogram does not verify", card_sw=SW_AUTHENTICATION_FAILED
            )
        if not hmac.compare_digest(mac, command.data[8:]):
            raise MacError(
                "EXTERNAL AUTHENTICATE C-MAC does not verify", card_sw=SW_SECURITY_NOT_SATISFIED
            )
        channel = Scp02Channel(done.session_keys, level, done.option, mac)
        return Response(), Scp02CardSession(channel)
