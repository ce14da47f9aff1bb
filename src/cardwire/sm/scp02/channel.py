"""The SCP02 per-APDU codec shared by host, card and trace observer (GP Card Spec v2.3.1 E.4.4,
E.4.5, E.4.6): C-MAC on the modified APDU, chained through an encrypted ICV, and C-DECRYPTION.

Implementation options 15 and 55 have no R-MAC: responses travel unchanged (E.4.5 applies only
where b6 of "i" is set), so only commands are protected.
"""

from __future__ import annotations

import hmac

from cardwire.apdu import MAX_SHORT_NC, Command, Response
from cardwire.crypto.block import DES_BLOCK, TripleDes
from cardwire.crypto.padding import pad
from cardwire.crypto.retail_mac import RetailMacKey
from cardwire.errors import (
    MacError,
    UsageError,
)
from cardwire.sm.scp02.constants import MAC_LENGTH, ZERO_ICV, Option, SecurityLevel
from cardwire.sm.scp02.crypto import retail_mac_with_icv
from cardwire.sm.scp02.keys import SessionKeys
from cardwire.sm.scp03 import (
    SW_SECURITY_NOT_SATISFIED,
    GpChannelState,
    cla_in_mac,
    plain_cla,
    secure_cla,
)


class _Ciphers:
    __slots__ = ("enc", "icv", "mac")

    def __init__(self, keys: SessionKeys, option: Option) -> None:
        self.mac = RetailMacKey(keys.c_mac)
        self.enc = TripleDes(keys.enc)
        # GP Card Spec E.4.4 (i b5 = 1): the ICV of the next C-MAC is the previous C-MAC
        # encrypted with single DES under the first half of the C-MAC session key.
        self.icv = TripleDes(keys.c_mac[:8]) if option & Option.ICV_ENCRYPTION else None


def c_mac(ciphers_mac: RetailMacKey, icv: bytes, wire_cla: int, command: Command) -> bytes:
    """GP Card Spec E.4.4: the C-MAC over the modified APDU (i b2 = 0): CLA with the SM bit set
    (logical channel zeroed, as for SCP03), INS P1 P2, Lc + 8, the plain data."""
    nc = len(command.data) + MAC_LENGTH
    if nc > MAX_SHORT_NC:
        raise UsageError(f"{command.nc} data bytes grow to {nc} under SCP02: split the data")
    header = bytes((cla_in_mac(wire_cla), command.ins, command.p1, command.p2, nc))
    return retail_mac_with_icv(ciphers_mac, icv, header + command.data)


class Scp02Channel(GpChannelState[_Ciphers]):
    """Secure-channel state after EXTERNAL AUTHENTICATE: session keys and the ICV."""

    protocol = "SCP02"
    __slots__ = ("_dek", "_icv", "level", "option")

    def __init__(
        self, keys: SessionKeys, level: SecurityLevel, option: Option, first_mac: bytes
    ) -> None:
        ciphers = _Ciphers(keys, option)
        super().__init__(ciphers)
        self.level = level
        self.option = option
        self._dek = keys.dek
        self._icv = ZERO_ICV
        self._chain(ciphers, first_mac)

    @property
    def session_dek(self) -> bytes:
        """The DEK session key (GP Card Spec E.4.1, constant 0181): it encrypts the keys of a
        PUT KEY in this session (E.4.7)."""
        return self._dek

    def keep_going_after_failures(self) -> None:
        """Trace decoding only: a failed check raises but does not end the session; the ICV
        moves on from the C-MAC computed over the command as received (what the host chained
        from when only the MAC was corrupted)."""
        super().keep_going_after_failures()

    def _restart_chaining(self) -> None:
        self._icv = ZERO_ICV

    def _chain(self, ciphers: _Ciphers, mac: bytes) -> None:
        self._icv = ciphers.icv.encrypt_block(mac) if ciphers.icv is not None else mac

    def protect(self, command: Command) -> Command:
        ciphers = self.ensure_active()
        if not self.level & SecurityLevel.C_MAC:
            return command  # level 00: authenticated only
        data = command.data
        encrypt = bool(self.level & SecurityLevel.C_DECRYPTION and data)
        if encrypt and (len(data) // DES_BLOCK + 1) * DES_BLOCK + MAC_LENGTH > MAX_SHORT_NC:
            raise UsageError(f"{len(data)} data bytes do not fit SCP02 level 03: split the data")
        wire_cla = secure_cla(command.cla)
        mac = c_mac(ciphers.mac, self._icv, wire_cla, command)
        self._chain(ciphers, mac)
        if encrypt:
            # GP Card Spec E.4.6: pad (B.2.3), 3DES-CBC under S-ENC with ICV zero; the C-MAC
            # was computed over the plain data (E.4.4). An empty data field stays empty, as
            # GlobalPlatformPro sends it.
            data = ciphers.enc.encrypt_cbc(ZERO_ICV, pad(data, DES_BLOCK))
        return Command(wire_cla, command.ins, command.p1, command.p2, data + mac, command.ne)

    def unwrap(self, command: Command) -> Command:
        ciphers = self.ensure_active()
        self._check_secured(command, bool(self.level & SecurityLevel.C_MAC))
        if command.nc < MAC_LENGTH or command.is_extended:
            raise self.fail(
                MacError("C-MAC missing or not a short APDU", card_sw=SW_SECURITY_NOT_SATISFIED)
            )
        data, received = command.data[:-MAC_LENGTH], command.data[-MAC_LENGTH:]
        if self.level & SecurityLevel.C_DECRYPTION and data:
            data = self._decrypt(ciphers, data)
        plain = Command(
            plain_cla(command.cla), command.ins, command.p1, command.p2, data, command.ne
        )
        expected = c_mac(ciphers.mac, self._icv, command.cla, plain)
        if not hmac.compare_digest(expected, received):
            if self._tolerant:
                self._chain(ciphers, expected)
            raise self.fail(MacError("C-MAC does not verify", card_sw=SW_SECURITY_NOT_SATISFIED))
        self._chain(ciphers, expected)
        return plain

    def _decrypt(self, ciphers: _Ciphers, data: bytes) -> bytes:
        return self.decrypt_padded(ciphers.enc, ZERO_ICV, data, "command")

    def wrap(self, response: Response) -> Response:
        self.ensure_active()
        return response  # no R-MAC with i = 15 / 55 (GP Card Spec E.1.1)

    def unprotect(self, response: Response) -> Response:
        self.ensure_active()
        return response

    def max_payload(self) -> int:
        room = MAX_SHORT_NC
        if self.level & SecurityLevel.C_MAC:
            room -= MAC_LENGTH
        if self.level & SecurityLevel.C_DECRYPTION:
            room = room // DES_BLOCK * DES_BLOCK - 1  # method 2 padding adds at least one byte
        return room
