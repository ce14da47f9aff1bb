"""Card side of the SCP03 handshake for one Security Domain (GP Amendment D 7.1): answers
INITIALIZE UPDATE and EXTERNAL AUTHENTICATE and opens the :class:`Scp03CardSession`."""

from __future__ import annotations

import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cardwire.apdu import Command, Response
from cardwire.crypto.cmac import AesCmacKey
from cardwire.errors import CryptogramError, MacError, SecureChannelError, UsageError
from cardwire.sm.base import Rng
from cardwire.sm.scp03.channel import Scp03Channel
from cardwire.sm.scp03.class_byte import carries_gp_sm, plain_cla
from cardwire.sm.scp03.constants import (
    DIVERSIFICATION_DATA_LENGTH,
    MAX_SEQUENCE_COUNTER,
    SW_AUTHENTICATION_FAILED,
    SW_CONDITIONS_NOT_SATISFIED,
    SW_KEY_NOT_FOUND,
    SW_SECURITY_NOT_SATISFIED,
    SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
)
from cardwire.sm.scp03.derivation import (
    derive_cryptogram,
    derive_session_keys,
    pseudo_random_challenge,
)
from cardwire.sm.scp03.external_authenticate import external_authenticate_command
from cardwire.sm.scp03.initialize_update import InitializeUpdateResponse, KeyInformation
from cardwire.sm.scp03.keys import SessionKeys, StaticKeys
from cardwire.sm.scp03.sessions import Scp03CardSession
from cardwire.sm.scp03_levels import SCP03_ID, Derivation, KeyParameter, Mode, security_level


@dataclass(eq=False)
class Scp03Card:
    """Card side of the SCP03 handshake for one Security Domain (GP Amendment D 7.1).

    ``key_sets`` are the static key sets the card holds (kvn 0 in INITIALIZE UPDATE selects the
    first). With ``pseudo_random`` the card challenge is derived from the sequence counter and
    ``aid``; the caller owns the sequence counter and persists its increment.
    """

    key_sets: Sequence[StaticKeys]
    aid: bytes
    mode: Mode = Mode.S8
    pseudo_random: bool = False
    diversification_data: bytes = bytes(DIVERSIFICATION_DATA_LENGTH)
    rng: Rng = field(default=os.urandom, repr=False)
    _pending: tuple[StaticKeys, bytes, SessionKeys] | None = field(
        default=None, init=False, repr=False
    )

    def __post_init__(self) -> None:
        if not self.key_sets:
            raise UsageError("a Security Domain needs at least one key set")
        if len(self.diversification_data) != DIVERSIFICATION_DATA_LENGTH:
            raise UsageError("key diversification data is 10 bytes")
        self.mode = Mode(self.mode)

    @property
    def key_parameter(self) -> KeyParameter:
        """The "i" parameter this card announces (GP Amendment D 5.1)."""
        i = KeyParameter.R_MAC_SUPPORTED | KeyParameter.R_ENCRYPTION_SUPPORTED
        if self.pseudo_random:
            i |= KeyParameter.PSEUDO_RANDOM_CHALLENGE
        if self.mode is Mode.S16:
            i |= KeyParameter.S16
        return i

    def _key_set(self, kvn: int) -> StaticKeys:
        if kvn == 0:
            return self.key_sets[0]  # GP Card Spec 11.11.2.1: 00 = first available key set
        for keys in self.key_sets:
            if keys.kvn == kvn:
                return keys
        raise SecureChannelError(f"no key set with version {kvn:02X}", card_sw=SW_KEY_NOT_FOUND)

    def initialize_update(self, command: Command, sequence_counter: int = 0) -> Response:
        """Answer INITIALIZE UPDATE; SecureChannelError (with ``card_sw``) on a bad command."""
        self._pending = None
        if command.p2 != 0x00:
            raise SecureChannelError("INITIALIZE UPDATE P2 must be 00", card_sw=SW_WRONG_P1P2)
        if command.nc != self.mode:
            raise SecureChannelError(
                f"host challenge must be {int(self.mode)} bytes", card_sw=SW_WRONG_LENGTH
            )
        if not 0 <= sequence_counter <= MAX_SEQUENCE_COUNTER:
            raise UsageError(f"sequence counter must fit 3 bytes, got {sequence_counter}")
        keys = self._key_set(command.p1)
        if self.pseudo_random:
            challenge = pseudo_random_challenge(keys, sequence_counter, self.aid, self.mode)
        else:
            challenge = self.rng(self.mode)
        context = command.data + challenge
        session_keys = derive_session_keys(keys, context)
        cryptogram = derive_cryptogram(
            session_keys.mac, Derivation.CARD_CRYPTOGRAM, context, self.mode
        )
        answer = InitializeUpdateResponse(
            diversification_data=self.diversification_data,
            key_information=KeyInformation(keys.kvn, SCP03_ID, self.key_parameter),
            card_challenge=challenge,
            card_cryptogram=cryptogram,
            # GP Amendment D 7.1.1.6: the sequence counter is present with pseudo-random
            # challenges only.
            sequence_counter=sequence_counter if self.pseudo_random else None,
        )
        self._pending = (keys, context, session_keys)
        return Response(answer.encode(), 0x9000)

    def external_authenticate(self, command: Command) -> tuple[Response, Scp03CardSession]:
        """Verify EXTERNAL AUTHENTICATE; SecureChannelError (with ``card_sw``) on failure.

        Any failure drops the pending handshake (a new INITIALIZE UPDATE is needed)."""
        pending, self._pending = self._pending, None
        if pending is None:
            raise SecureChannelError(
                "EXTERNAL AUTHENTICATE without INITIALIZE UPDATE",
                card_sw=SW_CONDITIONS_NOT_SATISFIED,
            )
        _, context, session_keys = pending
        try:
            level = security_level(command.p1)
        except UsageError:
            raise SecureChannelError(
                f"security level {command.p1:02X} is not defined", card_sw=SW_WRONG_P1P2
            ) from None
        if command.p2 != 0x00:
            raise SecureChannelError("EXTERNAL AUTHENTICATE P2 must be 00", card_sw=SW_WRONG_P1P2)
        if command.nc != 2 * self.mode:
            raise SecureChannelError(
                "EXTERNAL AUTHENTICATE data must be host cryptogram || C-MAC",
                card_sw=SW_WRONG_LENGTH,
            )
        if not carries_gp_sm(command.cla):
            raise SecureChannelError(
                "EXTERNAL AUTHENTICATE must carry a C-MAC", card_sw=SW_SECURITY_NOT_SATISFIED
            )
        s_mac = AesCmacKey(session_keys.mac)
        host_cryptogram = command.data[: self.mode]
        expected, chaining = external_authenticate_command(
            plain_cla(command.cla), level, host_cryptogram, s_mac, self.mode
        )
        if not hmac.compare_digest(expected.data, command.data):
            raise MacError(
                "EXTERNAL AUTHENTICATE C-MAC does not verify", card_sw=SW_SECURITY_NOT_SATISFIED
            )
        wanted = derive_cryptogram(session_keys.mac, Derivation.HOST_CRYPTOGRAM, context, self.mode)
        if not hmac.compare_digest(wanted, host_cryptogram):
            raise CryptogramError(
                "host cryptogram does not verify", card_sw=SW_AUTHENTICATION_FAILED
            )
        channel = Scp03Channel(session_keys, level, self.mode, chaining)
        return Response(b"", 0x9000), Scp03CardSession(channel)
