"""GlobalPlatform SCP03 (Card Specification v2.3 Amendment D v1.2), host and card side, sans-IO.

Handshake (host): :class:`Scp03Handshake` builds INITIALIZE UPDATE, checks the card's answer
(card cryptogram, pseudo-random card challenge), builds EXTERNAL AUTHENTICATE and yields a
:class:`Scp03HostSession`. Handshake (card): :class:`Scp03Card` answers both commands and yields a
:class:`Scp03CardSession`. Both sessions, and the passive :class:`Scp03Observer` used to decode
traces, share one codec (:class:`_Channel`), so host and card cannot drift apart.

Every verification failure raises a :class:`cardwire.errors.SecureChannelError` and ends the
session; later calls raise :class:`cardwire.errors.SessionClosedError`.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from cardwire.apdu import MAX_EXTENDED_NC, MAX_SHORT_NC, Command, Response
from cardwire.cla import (
    ClassKind,
    SmIndication,
    channel_of,
    parse_cla,
    with_channel,
    with_secure_messaging,
)
from cardwire.crypto.block import AES_BLOCK, Aes
from cardwire.crypto.cmac import AesCmacKey
from cardwire.crypto.kdf_sp800108 import scp03_kdf
from cardwire.crypto.padding import pad, unpad
from cardwire.errors import (
    CryptogramError,
    DecodeError,
    MacError,
    SecureChannelError,
    SessionClosedError,
    UsageError,
)
from cardwire.sm.base import Rng
from cardwire.sm.scp03_levels import (
    INS_EXTERNAL_AUTHENTICATE,
    INS_INITIALIZE_UPDATE,
    SCP03_ID,
    Derivation,
    KeyParameter,
    Mode,
    SecurityLevel,
    security_level,
)

AES_KEY_LENGTHS = (16, 24, 32)
DEFAULT_KEY = bytes(range(0x40, 0x50))  # the well-known GP test key 404142...4F
DEFAULT_KVN = 0x30
DIVERSIFICATION_DATA_LENGTH = 10  # GP Amendment D 7.1.1.6 table 7-3
KEY_INFORMATION_LENGTH = 3
SEQUENCE_COUNTER_LENGTH = 3
MAX_SEQUENCE_COUNTER = 0xFFFFFF
ZERO_BLOCK = bytes(AES_BLOCK)

# GP Amendment D 6.2.5 / 6.2.7: SW1SW2 that are not errors (9000 and warnings 62xx, 63xx).
_WARNING_SW1 = (0x62, 0x63)

# Status words the card answers for SCP03 failures (GP Card Spec v2.3 11.8 / 11.11 tables).
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_AUTHENTICATION_FAILED = 0x6300
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_WRONG_LENGTH = 0x6700
SW_WRONG_P1P2 = 0x6A86
SW_KEY_NOT_FOUND = 0x6A88

# Commands the card OS itself serves without secure messaging during a session: SELECT ends the
# session (GP Card Spec 10.2.3: a new selection terminates it), MANAGE CHANNEL and GET RESPONSE
# are channel plumbing (ISO 7816-4 5.3.3, 7.1.3), and INITIALIZE UPDATE starts a new session.
_PLAIN_ISO_INS = frozenset({0xA4, 0x70, 0xC0})


def _is_success(sw: int) -> bool:
    return sw == 0x9000 or sw >> 8 in _WARNING_SW1


def _check_aes_key(name: str, key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) not in AES_KEY_LENGTHS:
        size = len(key) if isinstance(key, bytes) else type(key).__name__
        raise UsageError(f"SCP03 {name} key must be 16, 24 or 32 bytes, got {size}")


@dataclass(frozen=True, slots=True)
class StaticKeys:
    """A static SCP03 key set (GP Amendment D 4.1.1): K-ENC, K-MAC, K-DEK and its version.

    ``kvn`` 0 on the host means "the card's default key set" (GP Card Spec 11.11.2.1). The repr
    never shows key bytes.
    """

    enc: bytes
    mac: bytes
    dek: bytes
    kvn: int = DEFAULT_KVN

    def __post_init__(self) -> None:
        for name in ("enc", "mac", "dek"):
            _check_aes_key(name.upper(), getattr(self, name))
        if not isinstance(self.kvn, int) or not 0 <= self.kvn <= 0xFF:
            raise UsageError(f"key version number must be 0..255, got {self.kvn!r}")

    @classmethod
    def default(cls, kvn: int = DEFAULT_KVN) -> StaticKeys:
        """The well-known test key set 404142...4F for ENC, MAC and DEK."""
        return cls(DEFAULT_KEY, DEFAULT_KEY, DEFAULT_KEY, kvn)

    def __repr__(self) -> str:
        return f"StaticKeys(kvn={self.kvn:02X}, AES-{len(self.enc) * 8}, <hidden>)"


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """S-ENC, S-MAC and S-RMAC (GP Amendment D 6.2.1). The repr never shows key bytes."""

    enc: bytes
    mac: bytes
    rmac: bytes

    def __repr__(self) -> str:
        return "SessionKeys(<hidden>)"


def derive_session_keys(keys: StaticKeys, context: bytes) -> SessionKeys:
    """GP Amendment D 6.2.1: each session key is KDF(static key, constant, L = key bits,
    context = host challenge || card challenge)."""
    return SessionKeys(
        enc=scp03_kdf(keys.enc, Derivation.S_ENC, context, len(keys.enc) * 8),
        mac=scp03_kdf(keys.mac, Derivation.S_MAC, context, len(keys.mac) * 8),
        rmac=scp03_kdf(keys.mac, Derivation.S_RMAC, context, len(keys.mac) * 8),
    )


def pseudo_random_challenge(
    keys: StaticKeys, sequence_counter: int, aid: bytes, mode: Mode
) -> bytes:
    """GP Amendment D 6.2.2.1: card challenge = KDF(K-ENC, 02, L, sequence counter || AID)."""
    context = sequence_counter.to_bytes(SEQUENCE_COUNTER_LENGTH, "big") + aid
    return scp03_kdf(keys.enc, Derivation.CARD_CHALLENGE, context, mode * 8)


def _cryptogram(s_mac: AesCmacKey, constant: Derivation, context: bytes, mode: Mode) -> bytes:
    # GP Amendment D 6.2.2.2 / 6.2.2.3: cryptograms use S-MAC, L = 64 (S8) or 128 (S16).
    return scp03_kdf(s_mac, constant, context, mode * 8)


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


# --- class byte handling (GP Amendment D 6.2.4; GP Card Spec v2.3 11.1.4) -----------------------
# Pure functions of one byte, cached: they run for every protected APDU.


def _first_range(kind: ClassKind) -> bool:
    return kind in (ClassKind.FIRST_INTERINDUSTRY, ClassKind.GP_FIRST)


@lru_cache(maxsize=256)
def _wire_cla(cla: int) -> int:
    """CLA with the secure-messaging indication set; the logical channel is kept."""
    kind = parse_cla(cla).kind
    if kind is ClassKind.FIRST_INTERINDUSTRY:
        # GP Amendment D 6.2.4: "bit 4 set to 0 and bit 3 set to 1" (GP proprietary SM).
        return (cla & ~0x0C) | 0x04
    if kind in (ClassKind.GP_FIRST, ClassKind.GP_FURTHER, ClassKind.FURTHER_INTERINDUSTRY):
        return with_secure_messaging(cla, True)
    raise UsageError(f"CLA {cla:02X} ({kind}) cannot carry SCP03 secure messaging")


@lru_cache(maxsize=256)
def _mac_cla(wire_cla: int) -> int:
    """GP Amendment D 6.2.4: for the C-MAC only, the logical channel number is set to zero and
    the SM indication set (first ranges: b4=0 b3=1; further ranges: b6=1)."""
    kind = parse_cla(wire_cla).kind
    return (wire_cla & 0xF0) | (0x04 if _first_range(kind) else 0x20)


@lru_cache(maxsize=256)
def _plain_cla(wire_cla: int) -> int:
    kind = parse_cla(wire_cla).kind
    if kind is ClassKind.FIRST_INTERINDUSTRY:
        return wire_cla & ~0x0C
    return with_secure_messaging(wire_cla, False)


@lru_cache(maxsize=256)
def _carries_sm(cla: int) -> bool:
    """True when CLA indicates GlobalPlatform secure messaging."""
    info = parse_cla(cla)
    if info.kind in (ClassKind.FIRST_INTERINDUSTRY, ClassKind.GP_FIRST, ClassKind.GP_FURTHER):
        return info.sm is SmIndication.PROPRIETARY
    if info.kind is ClassKind.FURTHER_INTERINDUSTRY:
        return info.sm is SmIndication.HEADER_NOT_AUTHENTICATED
    return False


def _lc_field(nc: int, extended: bool) -> bytes:
    # ISO 7816-4 5.1: the Lc field as it travels (short: 1 byte; extended: 00 || 2 bytes).
    return b"\x00" + nc.to_bytes(2, "big") if extended else nc.to_bytes(1, "big")


# --- the codec shared by host, card and observer --------------------------------------------------


class _Channel:
    """Secure-channel state after EXTERNAL AUTHENTICATE: keys, MAC chaining value, counter."""

    __slots__ = (
        "_active",
        "_has_c_decryption",
        "_has_c_mac",
        "_chaining",
        "_counter",
        "_enc",
        "_mac",
        "_has_r_encryption",
        "_has_r_mac",
        "_rmac",
        "level",
        "mac_length",
        "mode",
    )

    def __init__(
        self, keys: SessionKeys, level: SecurityLevel, mode: Mode, chaining: bytes
    ) -> None:
        self._enc = Aes(keys.enc)
        self._mac = AesCmacKey(keys.mac)
        self._rmac = AesCmacKey(keys.rmac)
        self.level = level
        # The level's bits as plain bools: IntFlag arithmetic is slow on the per-APDU path.
        self._has_c_mac = bool(level & SecurityLevel.C_MAC)
        self._has_c_decryption = bool(level & SecurityLevel.C_DECRYPTION)
        self._has_r_mac = bool(level & SecurityLevel.R_MAC)
        self._has_r_encryption = bool(level & SecurityLevel.R_ENCRYPTION)
        self.mode = mode
        self.mac_length = int(mode)  # GP Amendment D 6.2.4: 8 bytes in S8, 16 in S16
        # GP Amendment D 6.2.4: the chaining value after EXTERNAL AUTHENTICATE is its C-MAC.
        self._chaining = chaining
        # GP Amendment D 6.2.6: the counter starts at zero and is incremented for every command
        # after EXTERNAL AUTHENTICATE (even one without data), so the first command uses 1.
        self._counter = 0
        self._active = True

    @property
    def active(self) -> bool:
        return self._active

    def close(self) -> None:
        self._active = False
        self._chaining = ZERO_BLOCK

    def ensure_active(self) -> None:
        if not self._active:
            raise SessionClosedError(
                "the SCP03 session has ended", card_sw=SW_CONDITIONS_NOT_SATISFIED
            )

    def fail(self, error: SecureChannelError) -> SecureChannelError:
        self.close()
        return error

    # GP Amendment D 6.2.6: ICV = E(S-ENC, counter as a 16-byte block); 6.2.7: for responses
    # the most significant byte of that block is set to 80.
    def _command_icv(self) -> bytes:
        return self._enc.encrypt_block(self._counter.to_bytes(AES_BLOCK, "big"))

    def _response_icv(self) -> bytes:
        block = b"\x80" + self._counter.to_bytes(AES_BLOCK, "big")[1:]
        return self._enc.encrypt_block(block)

    def _c_mac(self, header: bytes, lc_field: bytes, data: bytes) -> bytes:
        full = self._mac.mac(b"".join((self._chaining, header, lc_field, data)))
        self._chaining = full  # GP Amendment D 6.2.4: chaining value = full 16-byte C-MAC
        return full[: self.mac_length]

    def _r_mac(self, data: bytes, sw: int) -> bytes:
        # GP Amendment D 6.2.5: R-MAC over chaining value || response data || SW1 SW2.
        message = b"".join((self._chaining, data, sw.to_bytes(2, "big")))
        return self._rmac.mac(message)[: self.mac_length]

    # -- commands ------------------------------------------------------------------------------

    def protect(self, command: Command) -> Command:
        self.ensure_active()
        if not self._has_c_mac:
            return command  # level 00: authenticated, no secure messaging
        wire_cla = _wire_cla(command.cla)
        self._counter += 1
        data = command.data
        if self._has_c_decryption and data:
            # GP Amendment D 6.2.6: pad (GP Card Spec B.2.3, ISO 9797-1 method 2), AES-CBC.
            data = self._enc.encrypt_cbc(self._command_icv(), pad(data, AES_BLOCK))
        nc = len(data) + self.mac_length
        extended = bool(command.is_extended or nc > MAX_SHORT_NC)
        if nc > MAX_EXTENDED_NC or (command.extended is False and nc > MAX_SHORT_NC):
            self._counter -= 1
            raise UsageError(
                f"{command.nc} data bytes grow to {nc} under SCP03 level {self.level:02X}: "
                "too long for this APDU form; split the data (command chaining)"
            )
        header = bytes((_mac_cla(wire_cla), command.ins, command.p1, command.p2))
        mac = self._c_mac(header, _lc_field(nc, extended), data)
        return Command(
            wire_cla,
            command.ins,
            command.p1,
            command.p2,
            data + mac,
            command.ne,
            extended=True if extended and nc <= MAX_SHORT_NC else None,
        )

    def unwrap(self, command: Command) -> Command:
        self.ensure_active()
        if not self._has_c_mac:
            raise self.fail(
                SecureChannelError(
                    "secure messaging received but the session level is 00",
                    card_sw=SW_SECURITY_NOT_SATISFIED,
                )
            )
        if not _carries_sm(command.cla):
            # GP Card Spec 10.2.3 / Amendment D 6.2.4: a command below the session's security
            # level is refused and the session is terminated.
            raise self.fail(
                SecureChannelError(
                    f"command without secure messaging below security level {self.level:02X}",
                    card_sw=SW_SECURITY_NOT_SATISFIED,
                )
            )
        if command.nc < self.mac_length:
            raise self.fail(
                MacError("C-MAC missing: command data too short", card_sw=SW_SECURITY_NOT_SATISFIED)
            )
        self._counter += 1
        data, received = command.data[: -self.mac_length], command.data[-self.mac_length :]
        header = bytes((_mac_cla(command.cla), command.ins, command.p1, command.p2))
        expected = self._c_mac(header, _lc_field(command.nc, command.is_extended), data)
        if not hmac.compare_digest(expected, received):
            raise self.fail(MacError("C-MAC does not verify", card_sw=SW_SECURITY_NOT_SATISFIED))
        if self._has_c_decryption and data:
            data = self._decrypt(data, self._command_icv(), "command")
        return Command(
            _plain_cla(command.cla),
            command.ins,
            command.p1,
            command.p2,
            data,
            command.ne,
            extended=command.extended if command.extended else None,
        )

    # -- responses -----------------------------------------------------------------------------

    def wrap(self, response: Response) -> Response:
        self.ensure_active()
        if not self._has_r_mac or not _is_success(response.sw):
            # GP Amendment D 6.2.5: no R-MAC (nor encryption) on error status words.
            return response
        data = response.data
        if self._has_r_encryption and data:
            data = self._enc.encrypt_cbc(self._response_icv(), pad(data, AES_BLOCK))
        return Response(data + self._r_mac(data, response.sw), response.sw)

    def unprotect(self, response: Response) -> Response:
        self.ensure_active()
        if not self._has_r_mac:
            return response
        if not _is_success(response.sw):
            if response.data:
                raise self.fail(
                    SecureChannelError(
                        f"response data with error status {response.sw:04X} "
                        "(GP Amendment D 6.2.5: only the status word is returned)"
                    )
                )
            return response  # GP Amendment D 6.2.5: error status words carry no R-MAC
        if len(response.data) < self.mac_length:
            raise self.fail(MacError("R-MAC missing: response data too short"))
        data = response.data[: -self.mac_length]
        received = response.data[-self.mac_length :]
        if not hmac.compare_digest(self._r_mac(data, response.sw), received):
            raise self.fail(MacError("R-MAC does not verify"))
        if self._has_r_encryption and data:
            data = self._decrypt(data, self._response_icv(), "response")
        return Response(data, response.sw)

    def _decrypt(self, data: bytes, icv: bytes, what: str) -> bytes:
        if len(data) % AES_BLOCK:
            raise self.fail(
                SecureChannelError(
                    f"encrypted {what} data is not whole AES blocks",
                    card_sw=SW_SECURITY_NOT_SATISFIED,
                )
            )
        try:
            return unpad(self._enc.decrypt_cbc(icv, data), AES_BLOCK)
        except DecodeError as exc:
            raise self.fail(
                SecureChannelError(
                    f"{what} padding is wrong after decryption", card_sw=SW_SECURITY_NOT_SATISFIED
                )
            ) from exc

    def max_payload(self) -> int:
        room = MAX_SHORT_NC
        if self.level & SecurityLevel.C_MAC:
            room -= self.mac_length
        if self.level & SecurityLevel.C_DECRYPTION:
            room = room // AES_BLOCK * AES_BLOCK - 1  # ISO 9797-1 method 2 adds at least 1 byte
        return room


# --- sessions -------------------------------------------------------------------------------------


class Scp03HostSession:
    """Host side of an open SCP03 channel (implements ``cardwire.sm.base.HostSecureSession``)."""

    __slots__ = ("_channel",)

    def __init__(self, channel: _Channel) -> None:
        self._channel = channel

    @property
    def active(self) -> bool:
        return self._channel.active

    @property
    def level(self) -> SecurityLevel:
        return self._channel.level

    @property
    def mode(self) -> Mode:
        return self._channel.mode

    @property
    def max_payload(self) -> int:
        return self._channel.max_payload()

    def protect(self, command: Command) -> Command:
        return self._channel.protect(command)

    def unprotect(self, response: Response) -> Response:
        return self._channel.unprotect(response)

    def close(self) -> None:
        self._channel.close()

    def __repr__(self) -> str:
        state = "active" if self.active else "closed"
        return f"Scp03HostSession(level={self.level:02X}, {self.mode.name}, {state})"


class Scp03CardSession:
    """Card side of an open SCP03 channel (the ``CardSession`` of ``cardwire.sim.applet``)."""

    __slots__ = ("_channel",)

    def __init__(self, channel: _Channel) -> None:
        self._channel = channel

    @property
    def active(self) -> bool:
        return self._channel.active

    @property
    def level(self) -> SecurityLevel:
        return self._channel.level

    @property
    def mode(self) -> Mode:
        return self._channel.mode

    def handles(self, command: Command) -> bool:
        """Whether the OS must pass ``command`` through :meth:`unwrap`: every command that
        carries GP secure messaging, and, at a level with C-MAC, every other command except
        the ones the OS serves itself (SELECT, MANAGE CHANNEL, GET RESPONSE, INITIALIZE UPDATE)
        so that a command below the level is refused."""
        if not self._channel.active:
            return False
        if _carries_sm(command.cla):
            return True
        if not self._channel.level & SecurityLevel.C_MAC:
            return False
        info = parse_cla(command.cla)
        if info.interindustry and command.ins in _PLAIN_ISO_INS:
            return False
        return not (info.gp and command.ins == INS_INITIALIZE_UPDATE)

    def unwrap(self, command: Command) -> Command:
        return self._channel.unwrap(command)

    def wrap(self, response: Response) -> Response:
        return self._channel.wrap(response)

    def close(self) -> None:
        self._channel.close()

    def __repr__(self) -> str:
        state = "active" if self.active else "closed"
        return f"Scp03CardSession(level={self.level:02X}, {self.mode.name}, {state})"


class Scp03Observer:
    """A passive view of a recorded session (trace decoding): unwraps each protected command as
    the card would and checks each response as the host would, on one shared state."""

    __slots__ = ("_channel",)

    def __init__(self, channel: _Channel) -> None:
        self._channel = channel

    @property
    def active(self) -> bool:
        return self._channel.active

    @property
    def level(self) -> SecurityLevel:
        return self._channel.level

    def command(self, command: Command) -> Command:
        """The plain command of a protected one (raises if its C-MAC does not verify)."""
        return self._channel.unwrap(command)

    def response(self, response: Response) -> Response:
        """The plain response (raises if its R-MAC does not verify)."""
        return self._channel.unprotect(response)


# --- handshake: host ------------------------------------------------------------------------------


def _default_rng(n: int) -> bytes:
    return os.urandom(n)


def _external_authenticate_command(
    cla: int, level: SecurityLevel, host_cryptogram: bytes, s_mac: AesCmacKey, mode: Mode
) -> tuple[Command, bytes]:
    """EXTERNAL AUTHENTICATE (GP Amendment D 7.1.2): CLA with SM, P1 = level, data = host
    cryptogram || C-MAC, the C-MAC chained from 16 zero bytes. Returns the command and the
    full C-MAC (the first chaining value)."""
    wire_cla = _wire_cla(cla)
    nc = len(host_cryptogram) + mode
    header = bytes((_mac_cla(wire_cla), INS_EXTERNAL_AUTHENTICATE, int(level), 0x00))
    full = s_mac.mac(b"".join((ZERO_BLOCK, header, bytes((nc,)), host_cryptogram)))
    command = Command(
        wire_cla, INS_EXTERNAL_AUTHENTICATE, int(level), 0x00, host_cryptogram + full[:mode]
    )
    return command, full


@dataclass(eq=False)
class Scp03Handshake:
    """Host side of the SCP03 handshake (GP Amendment D 7.1).

    1. :meth:`initialize_update` gives the INITIALIZE UPDATE command (host challenge from ``rng``).
    2. :meth:`external_authenticate` takes the card's answer, verifies the card cryptogram (and
       the pseudo-random card challenge against ``aid``) and gives EXTERNAL AUTHENTICATE.
    3. :meth:`complete` takes the answer to EXTERNAL AUTHENTICATE and gives the session.
    """

    keys: StaticKeys
    level: int = SecurityLevel(0x33)
    mode: Mode = Mode.S8
    channel: int = 0
    aid: bytes | None = None
    rng: Rng = field(default=_default_rng, repr=False)
    _host_challenge: bytes | None = field(default=None, init=False, repr=False)
    _answer: InitializeUpdateResponse | None = field(default=None, init=False, repr=False)
    _pending: _Channel | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.level = security_level(self.level)
        self.mode = Mode(self.mode)

    @property
    def cla(self) -> int:
        return with_channel(0x80, self.channel)

    @property
    def card_answer(self) -> InitializeUpdateResponse | None:
        """The decoded INITIALIZE UPDATE answer, once received."""
        return self._answer

    def initialize_update(self) -> Command:
        """INITIALIZE UPDATE (GP Amendment D 7.1.1): P1 = key version, data = host challenge."""
        challenge = self.rng(self.mode)
        if not isinstance(challenge, bytes) or len(challenge) != self.mode:
            raise UsageError(f"rng must return {int(self.mode)} bytes for the host challenge")
        self._host_challenge = challenge
        self._answer = None
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
        context = self._host_challenge + answer.card_challenge
        session_keys = derive_session_keys(self.keys, context)
        s_mac = AesCmacKey(session_keys.mac)
        expected = _cryptogram(s_mac, Derivation.CARD_CRYPTOGRAM, context, self.mode)
        if not hmac.compare_digest(expected, answer.card_cryptogram):
            raise CryptogramError(
                f"card cryptogram does not verify: the static keys or the key version "
                f"({info.kvn:02X}) are probably wrong"
            )
        if info.pseudo_random:
            self._check_pseudo_random(answer)
        host_cryptogram = _cryptogram(s_mac, Derivation.HOST_CRYPTOGRAM, context, self.mode)
        command, chaining = _external_authenticate_command(
            self.cla, SecurityLevel(self.level), host_cryptogram, s_mac, self.mode
        )
        self._answer = answer
        self._pending = _Channel(session_keys, SecurityLevel(self.level), self.mode, chaining)
        return command

    def _check_pseudo_random(self, answer: InitializeUpdateResponse) -> None:
        # GP Amendment D 6.2.2.1: the host shall check a pseudo-random card challenge.
        if self.aid is None:
            raise UsageError(
                "the card uses a pseudo-random card challenge: pass the Security Domain AID "
                "(aid=...) so that it can be checked"
            )
        assert answer.sequence_counter is not None  # guaranteed by decode()
        expected = pseudo_random_challenge(self.keys, answer.sequence_counter, self.aid, self.mode)
        if not hmac.compare_digest(expected, answer.card_challenge):
            raise CryptogramError(
                "pseudo-random card challenge does not match sequence counter and AID: "
                "wrong AID, wrong static keys, or a replayed card answer"
            )

    def _take_channel(self) -> _Channel:
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
        return Scp03HostSession(pending)


# --- handshake: card ------------------------------------------------------------------------------


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
    rng: Rng = field(default=_default_rng, repr=False)
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
        cryptogram = _cryptogram(
            AesCmacKey(session_keys.mac), Derivation.CARD_CRYPTOGRAM, context, self.mode
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
        if not _carries_sm(command.cla):
            raise SecureChannelError(
                "EXTERNAL AUTHENTICATE must carry a C-MAC", card_sw=SW_SECURITY_NOT_SATISFIED
            )
        s_mac = AesCmacKey(session_keys.mac)
        host_cryptogram = command.data[: self.mode]
        expected, chaining = _external_authenticate_command(
            _plain_cla(command.cla), level, host_cryptogram, s_mac, self.mode
        )
        if not hmac.compare_digest(expected.data, command.data):
            raise MacError(
                "EXTERNAL AUTHENTICATE C-MAC does not verify", card_sw=SW_SECURITY_NOT_SATISFIED
            )
        wanted = _cryptogram(s_mac, Derivation.HOST_CRYPTOGRAM, context, self.mode)
        if not hmac.compare_digest(wanted, host_cryptogram):
            raise CryptogramError(
                "host cryptogram does not verify", card_sw=SW_AUTHENTICATION_FAILED
            )
        channel = _Channel(session_keys, level, self.mode, chaining)
        return Response(b"", 0x9000), Scp03CardSession(channel)


# --- trace decoding -------------------------------------------------------------------------------


def observe(
    keys: StaticKeys,
    initialize_update: Command,
    card_answer: Response,
    external_authenticate: Command,
    aid: bytes | None = None,
) -> Scp03Observer:
    """Rebuild a recorded session from its handshake (trace decoding): the card cryptogram, the
    pseudo-random challenge (``aid`` needed then) and the recorded EXTERNAL AUTHENTICATE (host
    cryptogram and C-MAC) are all checked; raises CryptogramError or MacError otherwise."""
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
    )
    handshake.initialize_update()
    expected = handshake.external_authenticate(card_answer)
    if not hmac.compare_digest(expected.encode(), external_authenticate.encode()):
        raise MacError("the recorded EXTERNAL AUTHENTICATE does not match the derived one")
    return Scp03Observer(handshake._take_channel())


__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_KVN",
    "InitializeUpdateResponse",
    "KeyInformation",
    "Scp03Card",
    "Scp03CardSession",
    "Scp03Handshake",
    "Scp03HostSession",
    "Scp03Observer",
    "SessionKeys",
    "StaticKeys",
    "derive_session_keys",
    "observe",
    "pseudo_random_challenge",
]
