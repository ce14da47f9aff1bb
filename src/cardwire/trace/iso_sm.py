"""Decoding ISO 7816-4 / ICAO 9303 secure messaging in a trace, from session keys or a BAC.

Two ways to get the session:

- :meth:`IsoSmObserver.from_keys`: suite, K_enc, K_mac and the SSC *before* the first protected
  command (the value ``cardwire sm protect --ssc`` takes). The session starts with the trace.
- :meth:`IsoSmObserver.from_mrz`: the document basic access keys from the MRZ; the session is
  derived from the BAC exchange found in the trace (ICAO Doc 9303-11 4.3 and 9.7): the answer
  to GET CHALLENGE (RND.IC), the EXTERNAL AUTHENTICATE command (E_IFD || M_IFD, giving RND.IFD
  and K.IFD) and its answer (E_IC || M_IC, giving K.IC). A later BAC starts a new session.

A protected exchange is one whose command CLA carries an SM indication (ISO 7816-4 5.4.1). Each
protected command is unwrapped as the card does and each response as the host does, with the
codec of :mod:`cardwire.sm.iso7816`; the SSC is incremented before every command and every
response (ICAO 9303-11 9.8.2), also when a MAC fails, so decoding goes on after a failure.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from cardwire.apdu import Command, Response
from cardwire.cla import SmIndication, parse_cla
from cardwire.crypto import TripleDes
from cardwire.errors import CryptogramError, DecodeError, SecureChannelError, UsageError
from cardwire.sm.bac import CHALLENGE_LENGTH, CRYPTOGRAM_LENGTH, BacHost, BacKeys
from cardwire.sm.iso7816 import IsoSmCard, IsoSmHost, SmSuite, TdesSuite, make_suite
from cardwire.trace.observers import Decoded, decode_command

INS_GET_CHALLENGE = 0x84  # ISO 7816-4 11.6.3
INS_EXTERNAL_AUTHENTICATE = 0x82  # ISO 7816-4 11.6.4
SW_OK = 0x9000
_BAC_ZERO_IV = bytes(8)  # ICAO 9303-11 9.7.3: 3DES-CBC with a zero IV


class IsoSmObserver:
    """A passive ISO secure-messaging decoder (see the module text)."""

    name = "iso-sm"

    def __init__(
        self, *, suite: SmSuite | None = None, ssc: bytes = b"", bac: BacKeys | None = None
    ) -> None:
        if (suite is None) == (bac is None):
            raise UsageError("give either session keys (suite and SSC) or BAC keys from the MRZ")
        self._suite = suite
        self._ssc = int.from_bytes(ssc, "big") if suite is not None else 0
        if suite is not None and len(ssc) != suite.ssc_width:
            raise UsageError(f"the {suite.name} suite needs a {suite.ssc_width}-byte SSC")
        self._bac = bac
        self._rnd_ic: bytes | None = None
        self._keys: list[tuple[str, bytes]] = []

    @classmethod
    def from_keys(cls, suite_name: str, kenc: bytes, kmac: bytes, ssc: bytes) -> IsoSmObserver:
        """Session keys and the SSC before the first protected command (left-padded with
        zeros to the suite's width: 8 bytes for 3DES, 16 for AES)."""
        suite = make_suite(suite_name, kenc, kmac)
        if len(ssc) > suite.ssc_width:
            raise UsageError(
                f"the SSC is {len(ssc)} bytes; the {suite.name} suite uses {suite.ssc_width}"
            )
        return cls(suite=suite, ssc=ssc.rjust(suite.ssc_width, b"\x00"))

    @classmethod
    def from_mrz(
        cls, document_number: str, date_of_birth: str, date_of_expiry: str
    ) -> IsoSmObserver:
        """The BAC keys of the document (ICAO 9303-11 9.7.2); sessions come from the trace."""
        return cls(bac=BacKeys.from_mrz(document_number, date_of_birth, date_of_expiry))

    @property
    def active(self) -> bool:
        return self._suite is not None

    def session_keys(self) -> list[tuple[str, bytes]]:
        return list(self._keys)

    def reset(self) -> None:
        # ICAO 9303-11 9.8: a reset ends the secure messaging session (keys are dropped).
        self._suite = None
        self._rnd_ic = None

    def exchange(self, command: bytes, response: bytes) -> Decoded | None:
        plain = decode_command(command)
        answer = Response.decode(response)
        if parse_cla(command[0]).sm is SmIndication.NONE:
            if plain is not None:
                self._watch_bac(plain, answer)
            return None
        suite = self._suite
        if suite is None:
            return None
        if plain is None:  # malformed on the wire: both messages still count
            self._ssc = (self._ssc + 2) & self._mask(suite)
            return Decoded.failed()
        ok = True
        unwrapped: Command | None = None
        unprotected: Response | None = None
        try:
            unwrapped = IsoSmCard(suite, self._counter()).unwrap(plain)
        except (SecureChannelError, DecodeError):
            ok = False
        self._ssc = (self._ssc + 1) & self._mask(suite)  # counted even when it fails
        try:
            unprotected = IsoSmHost(suite, self._counter()).unprotect(answer)
        except (SecureChannelError, DecodeError):
            ok = False
        self._ssc = (self._ssc + 1) & self._mask(suite)
        if not ok or unwrapped is None or unprotected is None:
            return Decoded.failed()
        return Decoded(unwrapped.encode(), unprotected.encode(), True)

    def _mask(self, suite: SmSuite) -> int:
        return (1 << (8 * suite.ssc_width)) - 1

    def _counter(self) -> bytes:
        assert self._suite is not None
        return self._ssc.to_bytes(self._suite.ssc_width, "big")

    # -- BAC -------------------------------------------------------------------------------------

    def _watch_bac(self, command: Command, response: Response) -> None:
        if self._bac is None:
            return
        if command.ins == INS_GET_CHALLENGE and response.sw == SW_OK:
            # ICAO 9303-11 D.3: GET CHALLENGE, Le 08, answers RND.IC.
            self._rnd_ic = response.data if len(response.data) == CHALLENGE_LENGTH else None
            return
        if (
            command.ins == INS_EXTERNAL_AUTHENTICATE
            and self._rnd_ic is not None
            and len(command.data) == CRYPTOGRAM_LENGTH
            and response.sw == SW_OK
        ):
            rnd_ic, self._rnd_ic = self._rnd_ic, None
            self._open_bac(self._bac, rnd_ic, command.data, response.data)

    def _open_bac(self, keys: BacKeys, rnd_ic: bytes, command_data: bytes, answer: bytes) -> None:
        # ICAO 9303-11 4.3.3.1: S = RND.IFD || RND.IC || K.IFD, E_IFD = 3DES-CBC(K_enc, S).
        terminal = TripleDes(keys.k_enc).decrypt_cbc(_BAC_ZERO_IV, command_data[:32])
        recorded: Iterator[bytes] = iter((terminal[:8], terminal[16:32]))
        host = BacHost(keys, rng=lambda _n: next(recorded))
        # Rebuilding E_IFD || M_IFD from the recovered values checks the terminal's cryptogram
        # (M_IFD included) byte for byte.
        if not hmac.compare_digest(host.authenticate(rnd_ic), command_data):
            raise CryptogramError(
                "the recorded EXTERNAL AUTHENTICATE does not verify under the MRZ keys "
                "(wrong document number, birth or expiry date?)"
            )
        session = host.finish(answer)  # ICAO 9303-11 4.3.3.2: checks E_IC || M_IC
        self._suite = TdesSuite(session.ks_enc, session.ks_mac)
        self._ssc = int.from_bytes(session.ssc, "big")
        self._keys = [("KS_enc", session.ks_enc), ("KS_mac", session.ks_mac), ("SSC", session.ssc)]

    def __repr__(self) -> str:
        return f"IsoSmObserver({'active' if self.active else 'idle'}, <keys hidden>)"


__all__ = ["IsoSmObserver"]
