"""Decoding ISO 7816-4 / ICAO 9303 secure messaging in a trace, from session keys or a BAC.

Two ways to get the session:

- :meth:`IsoSmObserver.from_keys`: suite, K_enc, K_mac and the SSC *before* the first protected
  command (the value ``cardwire sm protect --ssc`` takes). The session starts with the trace.
- :meth:`IsoSmObserver.from_mrz`: the document basic access keys from the MRZ; the session is
  derived from the BAC exchange found in the trace (ICAO Doc 9303-11 4.3 and 9.7): the answer
  to GET CHALLENGE (RND.IC), the EXTERNAL AUTHENTICATE command (E_IFD || M_IFD, giving RND.IFD
  and K.IFD) and its answer (E_IC || M_IC, giving K.IC). A later BAC starts a new session.

- PACE: :meth:`IsoSmObserver.add_pace_keys` gives KS_enc and KS_mac of one PACE session (as
  ``cardwire pace --show-keys`` prints them). Each PACE exchange found in the trace (the last
  GENERAL AUTHENTICATE, CLA without the chaining bit, answered 9000: ICAO 9303-11 4.4.4.1 and
  D.3) starts a session with the next keys given, SSC 0 (9303-11 9.8.2), 3DES or AES from the
  protocol OID of the MSE:Set AT before it (9303-11 9.2.1, table 3: the OID's last number 1
  is 3DES, 2-4 AES; AES when none was seen).

Sessions in sequence, per logical channel, as the chip keeps them (docs/simulator.md "Fail
closed", the card's rule): a session belongs to the channel its handshake ran on; any command
on that channel without ISO SM ends it (ICAO 9303-11 9.8, BSI TR-03110-3 F.6), MANAGE CHANNEL
included, except a GET RESPONSE fetching pending data (the driver joins those before the
observer sees them, :mod:`cardwire.trace.decode`); commands on other channels leave it alone;
a new BAC or PACE starts a new one; an unprotected 6987 / 6988 answer means the card ended it
(9303-11 9.8.6.2). A protected command on a channel without a session is an entry that says
"no session".

A protected exchange is one whose interindustry command CLA carries an SM indication (ISO
7816-4 5.4.1). Each protected command is unwrapped as the card does and each response as the
host does, with the
codec of :mod:`cardwire.sm.iso7816`; the SSC is incremented before every command and every
response (ICAO 9303-11 9.8.2), also when a MAC fails, so decoding goes on after a failure.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cardwire.apdu import Command, Response
from cardwire.cla import SmIndication, parse_cla
from cardwire.crypto.block import TripleDes
from cardwire.errors import CryptogramError, DecodeError, SecureChannelError, UsageError
from cardwire.sm.bac import CHALLENGE_LENGTH, CRYPTOGRAM_LENGTH, BacHost, BacKeys
from cardwire.sm.iso7816 import AesSuite, IsoSmCard, IsoSmHost, SmSuite, TdesSuite, make_suite
from cardwire.trace.observers import MALFORMED, NO_SESSION, Decoded, decode_command, reason
from cardwire.trace.pace_secret import PaceKeyRecovery

INS_GET_CHALLENGE = 0x84  # ISO 7816-4 11.6.3
INS_EXTERNAL_AUTHENTICATE = 0x82  # ISO 7816-4 11.6.4
INS_MSE = 0x22  # ISO 7816-4 11.5.11, MANAGE SECURITY ENVIRONMENT
MSE_SET_AT_PACE = 0xC1A4  # ICAO 9303-11 4.4.4.1: Set AT for mutual authentication (PACE)
INS_GENERAL_AUTHENTICATE = 0x86  # ISO 7816-4 11.6.5
CLA_CHAINING = 0x10  # ISO 7816-4 5.4.1: command chaining, not the last piece
TAG_PROTOCOL_OID = 0x80  # ICAO 9303-11 4.4.4.1: cryptographic mechanism reference (OID)
PACE_OID_3DES = 0x01  # ICAO 9303-11 9.2.1: id-PACE-*-3DES-CBC-CBC ends in 1
SW_OK = 0x9000
SW_SM_ENDED = (0x6987, 0x6988)  # ISO 7816-4 table 6: SM data objects missing / incorrect
MIN_SW_ONLY = 2
_BAC_ZERO_IV = bytes(8)  # ICAO 9303-11 9.7.3: 3DES-CBC with a zero IV


@dataclass
class _Session:
    suite: SmSuite
    ssc: int

    def counter(self) -> bytes:
        return self.ssc.to_bytes(self.suite.ssc_width, "big")

    def step(self) -> None:
        self.ssc = (self.ssc + 1) & ((1 << (8 * self.suite.ssc_width)) - 1)


class IsoSmObserver:
    """A passive ISO secure-messaging decoder (see the module text)."""

    name = "iso-sm"

    def __init__(
        self,
        *,
        suite: SmSuite | None = None,
        ssc: bytes = b"",
        bac: BacKeys | None = None,
        pace: Sequence[tuple[bytes, bytes]] = (),
        recovery: PaceKeyRecovery | None = None,
    ) -> None:
        if suite is None and bac is None and not pace and recovery is None:
            raise UsageError(
                "give session keys (suite and SSC), BAC keys (MRZ), PACE keys or a PACE password"
            )
        if suite is not None and bac is not None:
            raise UsageError("give either session keys (suite and SSC) or BAC keys from the MRZ")
        if suite is not None and len(ssc) != suite.ssc_width:
            raise UsageError(f"the {suite.name} suite needs a {suite.ssc_width}-byte SSC")
        # Session keys given: the trace starts inside a session, on the channel of the first
        # protected command.
        self._given = _Session(suite, int.from_bytes(ssc, "big")) if suite is not None else None
        self._bac = bac
        self._pace = list(pace)
        self._recovery = recovery
        self._sessions: dict[int, _Session] = {}
        self._rnd_ic: dict[int, bytes] = {}
        self._pace_tdes: dict[int, bool] = {}
        self._keys: list[tuple[str, bytes]] = []

    def recover_pace(self, recovery: PaceKeyRecovery) -> None:
        """Also recompute PACE sessions from the trace's PACE private key (pace_secret)."""
        self._recovery = recovery

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
        return bool(self._sessions) or self._given is not None

    def session_keys(self) -> list[tuple[str, bytes]]:
        return list(self._keys)

    def reset(self) -> None:
        # ICAO 9303-11 9.8: a reset ends the secure messaging session (keys are dropped).
        self._given = None
        self._sessions.clear()
        self._rnd_ic.clear()
        self._pace_tdes.clear()

    def exchange(self, command: bytes, response: bytes) -> Decoded | None:
        plain = decode_command(command)
        answer = Response.decode(response)
        cla = parse_cla(command[0])
        channel = cla.channel
        if not cla.interindustry or cla.sm is SmIndication.NONE:
            if channel is not None:
                # The card's rule (docs/simulator.md "Fail closed"): a plain APDU ends the ISO
                # SM session of the channel it addresses (ICAO 9303-11 9.8).
                self._sessions.pop(channel, None)
                if plain is not None and cla.interindustry:
                    self._watch_handshakes(channel, plain, answer)
            return None
        assert channel is not None  # interindustry classes always name a channel
        session = self._sessions.get(channel)
        if session is None and self._given is not None:
            session = self._sessions[channel] = self._given
            self._given = None
        if session is None:
            return Decoded.failed(NO_SESSION)
        if plain is None:  # malformed on the wire: both messages still count
            session.step()
            session.step()
            return Decoded.failed(MALFORMED)
        decoded = self._decode(session, plain, answer)
        if len(response) == MIN_SW_ONLY and answer.sw in SW_SM_ENDED:
            self._sessions.pop(channel, None)  # unprotected 6987 / 6988: the card ended it
        return decoded

    def _decode(self, session: _Session, plain: Command, answer: Response) -> Decoded:
        unwrapped: Command | None = None
        error: str | None = None
        try:
            unwrapped = IsoSmCard(session.suite, session.counter()).unwrap(plain)
        except (SecureChannelError, DecodeError) as exc:
            error = reason(exc)
        session.step()  # counted even when it fails
        try:
            unprotected = IsoSmHost(session.suite, session.counter()).unprotect(answer)
        except (SecureChannelError, DecodeError) as exc:
            session.step()
            if error is None and len(answer.data) == 0 and answer.sw in SW_SM_ENDED:
                error = f"the card refused the command ({answer.sw:04X})"
            return Decoded.failed(
                error or reason(exc), None if unwrapped is None else unwrapped.encode()
            )
        session.step()
        if unwrapped is None:
            return Decoded.failed(error or "", None)
        return Decoded(unwrapped.encode(), unprotected.encode(), True)

    # -- BAC -------------------------------------------------------------------------------------

    def _watch_handshakes(self, channel: int, command: Command, response: Response) -> None:
        if command.ins == INS_MSE and (command.p1 << 8 | command.p2) == MSE_SET_AT_PACE:
            # ICAO 9303-11 4.4.4.1: MSE:Set AT names the PACE protocol OID in DO80.
            oid = _find_do80(command.data)
            self._pace_tdes[channel] = bool(oid) and oid[-1] == PACE_OID_3DES
            if self._recovery is not None:
                self._recovery.set_at(channel, command.data)
            return
        if command.ins == INS_GENERAL_AUTHENTICATE and self._recovery is not None:
            # Keys recomputed from the trace's PACE private key (cardwire.trace.pace_secret).
            keys = self._recovery.general_authenticate(channel, command, response)
            if keys is not None:
                self._pace_tdes.pop(channel, None)
                self._sessions[channel] = _Session(keys.suite(), 0)  # 9303-11 9.8.2: SSC 0
                self._keys = [("KS_enc", keys.ks_enc), ("KS_mac", keys.ks_mac)]
                self._keys += [("PACE nonce s", nonce) for nonce in self._recovery.nonces[-1:]]
                return
        if (
            command.ins == INS_GENERAL_AUTHENTICATE
            and not command.cla & CLA_CHAINING  # the last step of the chain (9303-11 4.4.4.2)
            and response.sw == SW_OK
            and self._pace
        ):
            kenc, kmac = self._pace.pop(0)
            tdes = self._pace_tdes.pop(channel, False)
            suite: SmSuite = TdesSuite(kenc, kmac) if tdes else AesSuite(kenc, kmac)
            self._sessions[channel] = _Session(suite, 0)  # 9303-11 9.8.2: SSC 0 after PACE
            return
        if self._bac is None:
            return
        if command.ins == INS_GET_CHALLENGE and response.sw == SW_OK:
            # ICAO 9303-11 D.3: GET CHALLENGE, Le 08, answers RND.IC.
            if len(response.data) == CHALLENGE_LENGTH:
                self._rnd_ic[channel] = response.data
            else:
                self._rnd_ic.pop(channel, None)
            return
        if (
            command.ins == INS_EXTERNAL_AUTHENTICATE
            and channel in self._rnd_ic
            and len(command.data) == CRYPTOGRAM_LENGTH
            and response.sw == SW_OK
        ):
            rnd_ic = self._rnd_ic.pop(channel)
            self._open_bac(channel, self._bac, rnd_ic, command.data, response.data)

    def _open_bac(
        self, channel: int, keys: BacKeys, rnd_ic: bytes, command_data: bytes, answer: bytes
    ) -> None:
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
        suite = TdesSuite(session.ks_enc, session.ks_mac)
        self._sessions[channel] = _Session(suite, int.from_bytes(session.ssc, "big"))
        self._keys = [("KS_enc", session.ks_enc), ("KS_mac", session.ks_mac), ("SSC", session.ssc)]

    def __repr__(self) -> str:
        return f"IsoSmObserver({'active' if self.active else 'idle'}, <keys hidden>)"


def _find_do80(data: bytes) -> bytes:
    """The value of the first DO80 in MSE:Set AT data (short BER lengths), or b""."""
    index = 0
    while index + 2 <= len(data):
        tag, length = data[index], data[index + 1]
        if length & 0x80:
            return b""
        if tag == TAG_PROTOCOL_OID:
            return data[index + 2 : index + 2 + length]
        index += 2 + length
    return b""


__all__ = ["IsoSmObserver"]
