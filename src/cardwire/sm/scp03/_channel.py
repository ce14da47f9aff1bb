"""The SCP03 secure-channel codec shared by host, card and observer (GP Amendment D 6.2.4-6.2.7):
keys, MAC chaining value and encryption counter after EXTERNAL AUTHENTICATE, and SCP03's three views
of an open channel (host session, card session, passive trace observer). All three share one
:class:`Scp03Channel`, so host and card cannot drift apart.

Every verification failure raises a :class:`cardwire.errors.SecureChannelError` and ends the
session; later calls raise :class:`cardwire.errors.SessionClosedError`.
"""

from __future__ import annotations

import hmac
from enum import IntFlag
from typing import ClassVar, Generic, TypeVar

from cardwire.apdu import MAX_EXTENDED_NC, MAX_SHORT_NC, Command, Response
from cardwire.crypto.block import AES_BLOCK, Aes, BlockCipher
from cardwire.crypto.cmac import AesCmacKey
from cardwire.crypto.padding import pad, unpad
from cardwire.errors import (
    DecodeError,
    MacError,
    SecureChannelError,
    SessionClosedError,
    UsageError,
)
from cardwire.sm.scp03._keys import SessionKeys
from cardwire.sm.scp03._params import (
    SW_CONDITIONS_NOT_SATISFIED,
    SW_SECURITY_NOT_SATISFIED,
    ZERO_BLOCK,
    Mode,
    SecurityLevel,
    carries_gp_sm,
    cla_in_mac,
    encoded_lc,
    plain_cla,
    secure_cla,
)
from cardwire.sm.scp03._views import GpCardSession, GpHostSession, GpObserver

# GP Amendment D 6.2.5 / 6.2.7: SW1SW2 that are not errors (9000 and warnings 62xx, 63xx).
_WARNING_SW1 = (0x62, 0x63)


def _is_success(sw: int) -> bool:
    return sw == 0x9000 or sw >> 8 in _WARNING_SW1


class _SessionCiphers:
    """S-ENC, S-MAC and S-RMAC, prepared; the channel drops them when it closes."""

    __slots__ = ("enc", "mac", "rmac")

    def __init__(self, keys: SessionKeys) -> None:
        self.enc = Aes(keys.enc)
        self.mac = AesCmacKey(keys.mac)
        self.rmac = AesCmacKey(keys.rmac)


CiphersT = TypeVar("CiphersT")


class GpChannelState(Generic[CiphersT]):
    """What the SCP02 and SCP03 codecs share: the prepared session keys until the session ends,
    and the trace decoder's tolerant mode. GP Card Spec 10.2.3 / Amendment D 6.2: a failed check
    ends the session, after which every call raises SessionClosedError."""

    __slots__ = ("_ciphers", "_tolerant")
    protocol: ClassVar[str]
    level: IntFlag

    def __init__(self, ciphers: CiphersT) -> None:
        self._ciphers: CiphersT | None = ciphers
        self._tolerant = False

    def keep_going_after_failures(self) -> None:
        """Trace decoding only: a failed check raises but no longer ends the session."""
        self._tolerant = True

    @property
    def active(self) -> bool:
        return self._ciphers is not None

    def close(self) -> None:
        """End the session and drop its keys (cardwire.sm.base)."""
        self._ciphers = None
        self._restart_chaining()

    def _restart_chaining(self) -> None:
        raise NotImplementedError

    def decrypt_padded(self, cipher: BlockCipher, icv: bytes, data: bytes, what: str) -> bytes:
        """CBC decryption of ``what`` data, then its ISO/IEC 9797-1 method 2 padding removed
        (GP Card Spec B.2.3, Amendment D 6.2.6/6.2.7); a failure ends the session."""
        block = cipher.block_size
        if len(data) % block:
            raise self.fail(
                SecureChannelError(
                    f"encrypted {what} data is not whole {block}-byte blocks",
                    card_sw=SW_SECURITY_NOT_SATISFIED,
                )
            )
        try:
            return unpad(cipher.decrypt_cbc(icv, data), block)
        except DecodeError as exc:
            raise self.fail(
                SecureChannelError(
                    f"{what} padding is wrong after decryption", card_sw=SW_SECURITY_NOT_SATISFIED
                )
            ) from exc

    def ensure_active(self) -> CiphersT:
        """The session's ciphers; SessionClosedError once it has ended."""
        ciphers = self._ciphers
        if ciphers is None:
            raise SessionClosedError(
                f"the {self.protocol} session has ended", card_sw=SW_CONDITIONS_NOT_SATISFIED
            )
        return ciphers

    def fail(self, error: SecureChannelError) -> SecureChannelError:
        if not self._tolerant:
            self.close()
        return error

    def _check_secured(self, command: Command, has_c_mac: bool) -> None:
        """Card side: a session at level 00 takes no secure messaging; a session with C-MAC
        takes no plain command (GP Card Spec 10.2.3, E.4.4 / Amendment D 6.2.4: a command below
        the session's security level is refused and the session is terminated)."""
        if not has_c_mac:
            raise self.fail(
                SecureChannelError(
                    "secure messaging received but the session level is 00",
                    card_sw=SW_SECURITY_NOT_SATISFIED,
                )
            )
        if not carries_gp_sm(command.cla):
            raise self.fail(
                SecureChannelError(
                    f"command without secure messaging below security level {self.level:02X}",
                    card_sw=SW_SECURITY_NOT_SATISFIED,
                )
            )


class Scp03Channel(GpChannelState[_SessionCiphers]):
    """Secure-channel state after EXTERNAL AUTHENTICATE: keys, MAC chaining value, counter."""

    protocol = "SCP03"
    __slots__ = (
        "_chaining",
        "_counter",
        "_has_c_decryption",
        "_has_c_mac",
        "_has_r_encryption",
        "_has_r_mac",
        "level",
        "mac_length",
        "mode",
    )

    def __init__(
        self, keys: SessionKeys, level: SecurityLevel, mode: Mode, chaining: bytes
    ) -> None:
        super().__init__(_SessionCiphers(keys))
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

    def keep_going_after_failures(self) -> None:
        """Trace decoding only: a failed check raises but no longer ends the session, so that
        the exchanges after it can still be decoded. After a bad C-MAC the chaining value moves
        on as if the command had verified: to the full C-MAC on the wire in S16 mode (what the
        host chains from), to the C-MAC computed over the command as received in S8 mode (the
        wire holds only 8 of its 16 bytes; that is what a card that kept going would chain
        from). The encryption counter has moved on too. A bad R-MAC changes no state."""
        super().keep_going_after_failures()

    def _restart_chaining(self) -> None:
        self._chaining = ZERO_BLOCK

    # GP Amendment D 6.2.6: ICV = E(S-ENC, counter as a 16-byte block); 6.2.7: for responses
    # the most significant byte of that block is set to 80.
    def _command_icv(self, ciphers: _SessionCiphers) -> bytes:
        return ciphers.enc.encrypt_block(self._counter.to_bytes(AES_BLOCK, "big"))

    def _response_icv(self, ciphers: _SessionCiphers) -> bytes:
        block = b"\x80" + self._counter.to_bytes(AES_BLOCK, "big")[1:]
        return ciphers.enc.encrypt_block(block)

    def _c_mac(
        self, ciphers: _SessionCiphers, header: bytes, lc_field: bytes, data: bytes
    ) -> bytes:
        full = ciphers.mac.mac(b"".join((self._chaining, header, lc_field, data)))
        self._chaining = full  # GP Amendment D 6.2.4: chaining value = full 16-byte C-MAC
        return full[: self.mac_length]

    def _r_mac(self, ciphers: _SessionCiphers, data: bytes, sw: int) -> bytes:
        # GP Amendment D 6.2.5: R-MAC over chaining value || response data || SW1 SW2.
        message = b"".join((self._chaining, data, sw.to_bytes(2, "big")))
        return ciphers.rmac.mac(message)[: self.mac_length]

    # -- commands ------------------------------------------------------------------------------

    def protect(self, command: Command) -> Command:
        ciphers = self.ensure_active()
        if not self._has_c_mac:
            return command  # level 00: authenticated, no secure messaging
        wire_cla = secure_cla(command.cla)
        self._counter += 1
        data = command.data
        if self._has_c_decryption and data:
            # GP Amendment D 6.2.6: pad (GP Card Spec B.2.3, ISO 9797-1 method 2), AES-CBC.
            data = ciphers.enc.encrypt_cbc(self._command_icv(ciphers), pad(data, AES_BLOCK))
        nc = len(data) + self.mac_length
        extended = bool(command.is_extended or nc > MAX_SHORT_NC)
        if nc > MAX_EXTENDED_NC or (command.extended is False and nc > MAX_SHORT_NC):
            self._counter -= 1
            raise UsageError(
                f"{command.nc} data bytes grow to {nc} under SCP03 level {self.level:02X}: "
                "too long for this APDU form; split the data (command chaining)"
            )
        header = bytes((cla_in_mac(wire_cla), command.ins, command.p1, command.p2))
        mac = self._c_mac(ciphers, header, encoded_lc(nc, extended), data)
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
        ciphers = self.ensure_active()
        self._check_secured(command, self._has_c_mac)
        if command.nc < self.mac_length:
            raise self.fail(
                MacError("C-MAC missing: command data too short", card_sw=SW_SECURITY_NOT_SATISFIED)
            )
        self._counter += 1
        data, received = command.data[: -self.mac_length], command.data[-self.mac_length :]
        header = bytes((cla_in_mac(command.cla), command.ins, command.p1, command.p2))
        expected = self._c_mac(ciphers, header, encoded_lc(command.nc, command.is_extended), data)
        if not hmac.compare_digest(expected, received):
            if self._tolerant and self.mac_length == len(self._chaining):
                self._chaining = received  # S16: the full C-MAC the host chains from
            raise self.fail(MacError("C-MAC does not verify", card_sw=SW_SECURITY_NOT_SATISFIED))
        if self._has_c_decryption and data:
            data = self._decrypt(ciphers, data, self._command_icv(ciphers), "command")
        return Command(
            plain_cla(command.cla),
            command.ins,
            command.p1,
            command.p2,
            data,
            command.ne,
            # An extended command whose data decrypts to nothing and has no Le is case 1 now,
            # which has no extended form (yubikit encrypts empty data under SCP03/SCP11).
            extended=True if command.extended and (data or command.ne) else None,
        )

    # -- responses -----------------------------------------------------------------------------

    def wrap(self, response: Response) -> Response:
        ciphers = self.ensure_active()
        if not self._has_r_mac or not _is_success(response.sw):
            # GP Amendment D 6.2.5: no R-MAC (nor encryption) on error status words.
            return response
        data = response.data
        if self._has_r_encryption and data:
            data = ciphers.enc.encrypt_cbc(self._response_icv(ciphers), pad(data, AES_BLOCK))
        return Response(data + self._r_mac(ciphers, data, response.sw), response.sw)

    def unprotect(self, response: Response) -> Response:
        ciphers = self.ensure_active()
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
        if not hmac.compare_digest(self._r_mac(ciphers, data, response.sw), received):
            raise self.fail(MacError("R-MAC does not verify"))
        if self._has_r_encryption and data:
            data = self._decrypt(ciphers, data, self._response_icv(ciphers), "response")
        return Response(data, response.sw)

    def _decrypt(self, ciphers: _SessionCiphers, data: bytes, icv: bytes, what: str) -> bytes:
        return self.decrypt_padded(ciphers.enc, icv, data, what)

    def max_payload(self) -> int:
        room = MAX_SHORT_NC
        if self.level & SecurityLevel.C_MAC:
            room -= self.mac_length
        if self.level & SecurityLevel.C_DECRYPTION:
            room = room // AES_BLOCK * AES_BLOCK - 1  # ISO 9797-1 method 2 adds at least 1 byte
        return room


class _Scp03Mode:
    """What the SCP03 views add: the S8/S16 mode (GP Amendment D 5.1)."""

    __slots__ = ()
    _channel: Scp03Channel

    @property
    def mode(self) -> Mode:
        return self._channel.mode

    def _describe(self) -> str:
        return f"level={self._channel.level:02X}, {self.mode.name}"


class Scp03HostSession(_Scp03Mode, GpHostSession[Scp03Channel]):
    """Host side of an open SCP03 channel (implements ``cardwire.sm.base.HostSecureSession``)."""

    __slots__ = ()


class Scp03CardSession(_Scp03Mode, GpCardSession[Scp03Channel]):
    """Card side of an open SCP03 channel (the ``CardSession`` of ``cardwire.sim.applet``)."""

    __slots__ = ()


class Scp03Observer(_Scp03Mode, GpObserver[Scp03Channel]):
    """A passive view of a recorded SCP03 session (trace decoding). Built by
    ``cardwire.sm.scp03.observe``; with ``keep_going=True`` there a MAC failure raises for its
    exchange only and the observer stays active."""

    __slots__ = ()


__all__ = [
    "GpChannelState",
    "Scp03CardSession",
    "Scp03Channel",
    "Scp03HostSession",
    "Scp03Observer",
]
