"""Host side of the SCP03 handshake (GP Amendment D 7.1): INITIALIZE UPDATE, card cryptogram
check, EXTERNAL AUTHENTICATE, then the open :class:`Scp03HostSession`."""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field

from cardwire.apdu import Command, Response
from cardwire.cla import with_channel
from cardwire.crypto.cmac import AesCmacKey
from cardwire.errors import CryptogramError, DecodeError, SecureChannelError, UsageError
from cardwire.sm.base import Rng
from cardwire.sm.scp03.channel import Scp03Channel
from cardwire.sm.scp03.constants import SW_AUTHENTICATION_FAILED
from cardwire.sm.scp03.derivation import (
    derive_cryptogram,
    derive_session_keys,
    pseudo_random_challenge,
)
from cardwire.sm.scp03.diversification import scheme_name
from cardwire.sm.scp03.external_authenticate import external_authenticate_command
from cardwire.sm.scp03.initialize_update import InitializeUpdateResponse
from cardwire.sm.scp03.keys import StaticKeys
from cardwire.sm.scp03.sessions import Scp03HostSession
from cardwire.sm.scp03_levels import (
    INS_INITIALIZE_UPDATE,
    Derivation,
    Mode,
    SecurityLevel,
    security_level,
)


@dataclass(eq=False)
class Scp03Handshake:
    """Host side of the SCP03 handshake (GP Amendment D 7.1).

    1. :meth:`initialize_update` gives the INITIALIZE UPDATE command (host challenge from ``rng``).
    2. :meth:`external_authenticate` takes the card's answer, verifies the card cryptogram (and
       the pseudo-random card challenge against ``aid``) and gives EXTERNAL AUTHENTICATE.
    3. :meth:`complete` takes the answer to EXTERNAL AUTHENTICATE and gives the session.

    ``diversify`` names a key diversification template (``kdf3``; see
    ``cardwire.sm.scp03.diversification``): ``keys`` are then master keys, and the card's keys
    are derived from them and the diversification data of the card's answer
    (:attr:`card_keys`). ``check_challenge=False`` skips the pseudo-random card challenge check
    (for trace decoding when the Security Domain's AID is not known); the card cryptogram is
    still checked.
    """

    keys: StaticKeys
    level: int = SecurityLevel(0x33)
    mode: Mode = Mode.S8
    channel: int = 0
    aid: bytes | None = None
    rng: Rng = field(default=os.urandom, repr=False)
    diversify: str | None = None
    check_challenge: bool = True
    _card_keys: StaticKeys | None = field(default=None, init=False, repr=False)
    _host_challenge: bytes | None = field(default=None, init=False, repr=False)
    _answer: InitializeUpdateResponse | None = field(default=None, init=False, repr=False)
    _pending: Scp03Channel | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.level = security_level(self.level)
        self.mode = Mode(self.mode)
        if self.diversify is not None:
            self.diversify = scheme_name(self.diversify)

    @property
    def cla(self) -> int:
        return with_channel(0x80, self.channel)

    @property
    def card_answer(self) -> InitializeUpdateResponse | None:
        """The decoded INITIALIZE UPDATE answer, once received."""
        return self._answer

    @property
    def card_keys(self) -> StaticKeys | None:
        """The static keys the session uses (diversified when ``diversify`` is set), once the
        card's answer is known; their DEK encrypts the keys of a PUT KEY."""
        return self._card_keys

    def initialize_update(self) -> Command:
        """INITIALIZE UPDATE (GP Amendment D 7.1.1): P1 = key version, data = host challenge."""
        challenge = self.rng(self.mode)
        if not isinstance(challenge, bytes) or len(challenge) != self.mode:
            raise UsageError(f"rng must return {int(self.mode)} bytes for the host challenge")
        self._host_challenge = challenge
        self._answer = None
        self._card_keys = None
        self._pending = None
        return Command(self.cla, INS_INITIALIZE_UPDATE, self.keys.kvn, 0x00, challenge, ne=256)

    def external_authenticate(self, response: Response) -> Command:
        """Verify the card's answer and build EXTERNAL AUTHENTICATE."""
        if self._host_challenge is None:
            raise UsageError("call initialize_update() first")
        response.check()
        answer = InitializeUpdateResponse.decode(response.data)
        info = answer.key_information
        if info.mode is not self.mode:
            raise SecureChannelError(
                f"the card answered in {info.mode.name} mode to a {self.mode.name} challenge"
            )
        if self.keys.kvn and info.kvn != self.keys.kvn:
            raise CryptogramError(
                f"the card used key version {info.kvn:02X}, not {self.keys.kvn:02X}"
            )
        keys = self.keys
        if self.diversify is not None:
            keys = keys.diversified(answer.diversification_data, self.diversify)
        context = self._host_challenge + answer.card_challenge
        session_keys = derive_session_keys(keys, context)
        s_mac = AesCmacKey(session_keys.mac)
        expected = derive_cryptogram(
            session_keys.mac, Derivation.CARD_CRYPTOGRAM, context, self.mode
        )
        if not hmac.compare_digest(expected, answer.card_cryptogram):
            raise CryptogramError(
                f"card cryptogram does not verify: the static keys or the key version "
                f"({info.kvn:02X}) are probably wrong"
            )
        if info.pseudo_random and self.check_challenge:
            self._check_pseudo_random(keys, answer)
        host_cryptogram = derive_cryptogram(
            session_keys.mac, Derivation.HOST_CRYPTOGRAM, context, self.mode
        )
        command, chaining = external_authenticate_command(
            self.cla, SecurityLevel(self.level), host_cryptogram, s_mac, self.mode
        )
        self._answer = answer
        self._card_keys = keys
        self._pending = Scp03Channel(session_keys, SecurityLevel(self.level), self.mode, chaining)
        return command

    def _check_pseudo_random(self, keys: StaticKeys, answer: InitializeUpdateResponse) -> None:
        # GP Amendment D 6.2.2.1: the host shall check a pseudo-random card challenge.
        if self.aid is None:
            raise UsageError(
                "the card uses a pseudo-random card challenge: pass the Security Domain AID "
                "(aid=...) so that it can be checked"
            )
        assert answer.sequence_counter is not None  # guaranteed by decode()
        expected = pseudo_random_challenge(keys, answer.sequence_counter, self.aid, self.mode)
        if not hmac.compare_digest(expected, answer.card_challenge):
            raise CryptogramError(
                "pseudo-random card challenge does not match sequence counter and AID: "
                "wrong AID, wrong static keys, or a replayed card answer"
            )

    def _take_channel(self) -> Scp03Channel:
        if self._pending is None:
            raise UsageError("call external_authenticate() first")
        pending, self._pending = self._pending, None
        return pending

    def complete(self, response: Response) -> Scp03HostSession:
        """Check the answer to EXTERNAL AUTHENTICATE and return the open session."""
        pending = self._take_channel()
        if response.sw == SW_AUTHENTICATION_FAILED:
            raise CryptogramError("the card rejected the host cryptogram (SW 6300)")
        response.check()
        if response.data:
            raise DecodeError("EXTERNAL AUTHENTICATE answered with data", 0)
        return Scp03HostSession(pending, self.channel)
