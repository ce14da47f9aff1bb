"""The SCP03 handshake (GP Amendment D 7.1) on both sides, and its replay from a trace.

- The card's answer to INITIALIZE UPDATE (:class:`InitializeUpdateResponse`, table 7-3).
- EXTERNAL AUTHENTICATE as both sides compute it (7.1.2).
- Host side: :class:`Scp03Handshake` (INITIALIZE UPDATE, card cryptogram check, EXTERNAL
  AUTHENTICATE, then the open :class:`Scp03HostSession`).
- Card side: :class:`Scp03Card` for one Security Domain (answers both commands and opens the
  :class:`Scp03CardSession`).
- :func:`observe`: rebuild a recorded session from its handshake, for trace decoding.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cardwire.apdu import Command, Response
from cardwire.cla import channel_of
from cardwire.crypto.cmac import AesCmacKey
from cardwire.errors import CryptogramError, DecodeError, MacError, SecureChannelError, UsageError
from cardwire.sm.base import Rng
from cardwire.sm.scp03._channel import (
    Scp03CardSession,
    Scp03Channel,
    Scp03HostSession,
    Scp03Observer,
)
from cardwire.sm.scp03._gp_handshake import GpCardHandshake, GpHostHandshake
from cardwire.sm.scp03._keys import (
    SessionKeys,
    StaticKeys,
    derive_cryptogram,
    derive_session_keys,
    pseudo_random_challenge,
    scheme_name,
)
from cardwire.sm.scp03._params import (
    DIVERSIFICATION_DATA_LENGTH,
    INS_EXTERNAL_AUTHENTICATE,
    INS_INITIALIZE_UPDATE,
    KEY_INFORMATION_LENGTH,
    SCP03_ID,
    SEQUENCE_COUNTER_LENGTH,
    SW_AUTHENTICATION_FAILED,
    SW_SECURITY_NOT_SATISFIED,
    ZERO_BLOCK,
    Derivation,
    KeyParameter,
    Mode,
    SecurityLevel,
    cla_in_mac,
    plain_cla,
    secure_cla,
    security_level,
)


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


def external_authenticate_command(
    cla: int, level: SecurityLevel, host_cryptogram: bytes, s_mac: AesCmacKey, mode: Mode
) -> tuple[Command, bytes]:
    """EXTERNAL AUTHENTICATE (GP Amendment D 7.1.2): CLA with SM, P1 = level, data = host
    cryptogram || C-MAC, the C-MAC chained from 16 zero bytes. Returns the command and the
    full C-MAC (the first chaining value)."""
    wire_cla = secure_cla(cla)
    nc = len(host_cryptogram) + mode
    header = bytes((cla_in_mac(wire_cla), INS_EXTERNAL_AUTHENTICATE, int(level), 0x00))
    full = s_mac.mac(b"".join((ZERO_BLOCK, header, bytes((nc,)), host_cryptogram)))
    command = Command(
        wire_cla, INS_EXTERNAL_AUTHENTICATE, int(level), 0x00, host_cryptogram + full[:mode]
    )
    return command, full


@dataclass(eq=False)
class Scp03Handshake(GpHostHandshake[InitializeUpdateResponse, Scp03Channel]):
    """Host side of the SCP03 handshake (GP Amendment D 7.1).

    1. :meth:`initialize_update` gives the INITIALIZE UPDATE command (host challenge from ``rng``).
    2. :meth:`external_authenticate` takes the card's answer, verifies the card cryptogram (and
       the pseudo-random card challenge against ``aid``) and gives EXTERNAL AUTHENTICATE.
    3. :meth:`complete` takes the answer to EXTERNAL AUTHENTICATE and gives the session.

    ``diversify`` names a key diversification template (``kdf3``; see
    ``cardwire.sm.scp03.DIVERSIFICATION_SCHEMES``): ``keys`` are then master keys, and the
    card's keys
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

    def complete(self, response: Response) -> Scp03HostSession:
        """Check the answer to EXTERNAL AUTHENTICATE and return the open session."""
        pending = self._accepted_channel(response)
        return Scp03HostSession(pending, self.channel)


@dataclass(eq=False)
class Scp03Card(GpCardHandshake[StaticKeys, tuple[StaticKeys, bytes, SessionKeys]]):
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
        self._check_setup()
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

    def initialize_update(self, command: Command, sequence_counter: int = 0) -> Response:
        """Answer INITIALIZE UPDATE; SecureChannelError (with ``card_sw``) on a bad command."""
        keys = self._start_initialize_update(
            command, self.mode, sequence_counter, SEQUENCE_COUNTER_LENGTH
        )
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
        _, context, session_keys = self._take_pending()
        level = self._external_authenticate_level(command, 2 * self.mode, security_level)
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


def observe(
    keys: StaticKeys,
    initialize_update: Command,
    card_answer: Response,
    external_authenticate: Command,
    aid: bytes | None = None,
    *,
    check_challenge: bool = True,
    keep_going: bool = False,
    diversify: str | None = None,
) -> Scp03Observer:
    """Rebuild a recorded session from its handshake (trace decoding): the card cryptogram, the
    pseudo-random challenge (``aid`` needed then) and the recorded EXTERNAL AUTHENTICATE (host
    cryptogram and C-MAC) are all checked; raises CryptogramError or MacError otherwise.

    - ``check_challenge=False``: a pseudo-random card challenge is not checked (no ``aid``
      needed); the card cryptogram still is, and it covers the card challenge.
    - ``keep_going=True``: a failed C-MAC or R-MAC raises for that exchange only; the session
      stays open and decodes the exchanges after it (see
      ``Scp03Channel.keep_going_after_failures`` for how the chaining value moves on).
    - ``diversify``: ``keys`` are master keys diversified with the card's diversification data
      (``cardwire.sm.scp03.DIVERSIFICATION_SCHEMES``).
    """
    if initialize_update.nc not in (Mode.S8, Mode.S16):
        raise DecodeError(f"host challenge of {initialize_update.nc} bytes is neither S8 nor S16")
    try:
        level = security_level(external_authenticate.p1)
    except UsageError:
        raise DecodeError(f"EXTERNAL AUTHENTICATE P1 {external_authenticate.p1:02X}", 2) from None
    challenge = initialize_update.data
    handshake = Scp03Handshake(
        StaticKeys(keys.enc, keys.mac, keys.dek, initialize_update.p1),
        level=level,
        mode=Mode(initialize_update.nc),
        channel=channel_of(initialize_update.cla) or 0,
        aid=aid,
        rng=lambda _n: challenge,
        diversify=diversify,
        check_challenge=check_challenge,
    )
    handshake.initialize_update()
    expected = handshake.external_authenticate(card_answer)
    if not hmac.compare_digest(expected.encode(), external_authenticate.encode()):
        raise MacError("the recorded EXTERNAL AUTHENTICATE does not match the derived one")
    channel = handshake._take_channel()
    if keep_going:
        channel.keep_going_after_failures()
    return Scp03Observer(channel)


__all__ = [
    "InitializeUpdateResponse",
    "KeyInformation",
    "Scp03Card",
    "Scp03Handshake",
    "external_authenticate_command",
    "observe",
]
