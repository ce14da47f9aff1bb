"""Decoding GlobalPlatform SCP03 sessions in a trace from the static keys (ENC, MAC, DEK).

The observer watches for INITIALIZE UPDATE (GP Amendment D 7.1.1) and the EXTERNAL
AUTHENTICATE that follows it (7.1.2), rebuilds the session with
:func:`cardwire.sm.scp03.observe` (which checks the card cryptogram, the host cryptogram and
the C-MAC of EXTERNAL AUTHENTICATE) and decodes every later command carrying GP secure
messaging with the codec of :mod:`cardwire.sm.scp03`: C-MAC checked, data decrypted, R-MAC
checked, response decrypted, per the session's security level.

- The pseudo-random card challenge (GP Amendment D 6.2.2.1) is checked when the trace shows
  which Security Domain was selected (a SELECT by AID before INITIALIZE UPDATE); otherwise
  ``observe(..., check_challenge=False)`` checks the cryptograms only.
- A SELECT ends the session (GP Card Spec v2.3 10.2.3: a new selection terminates it), so does a
  reset, and so does a command without secure messaging at a level with C-MAC other than
  SELECT, MANAGE CHANNEL and GET RESPONSE (the card refuses it and terminates the session).
- A failed C-MAC or R-MAC marks that exchange as failed and decoding goes on
  (``observe(..., keep_going=True)``): a bad R-MAC changes no state; after a bad C-MAC the
  chaining value moves on with the full C-MAC on the wire (S16) or the one computed over the
  command as received (S8), so a corrupted MAC (S8, S16) or corrupted data (S16) costs one
  exchange. A real card ends the session there (GP Amendment D 6.2.4) and answers the rest
  with an error status word, which then shows in the trace.
- With ``diversify`` (``kdf3``) the static keys given are master keys, diversified with the
  card's diversification data (``cardwire.sm.scp03.DIVERSIFICATION_SCHEMES``).
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.errors import CryptogramError, DecodeError, SecureChannelError
from cardwire.sm.scp03 import (
    INS_EXTERNAL_AUTHENTICATE,
    INS_INITIALIZE_UPDATE,
    PLAIN_ISO_INS,
    InitializeUpdateResponse,
    Scp03Observer,
    SecurityLevel,
    StaticKeys,
    carries_gp_sm,
    derive_session_keys,
    observe,
)
from cardwire.trace.observers import Decoded, decode_command, is_select, malformed, reason

SW_OK = 0x9000
SELECT_BY_NAME = 0x04  # ISO 7816-4 11.2.2, table 63: P1 04 selects by DF name (AID)
# carries_gp_sm (GP Card Spec v2.3 11.1.4) and PLAIN_ISO_INS (ISO 7816-4 7.1.2 / 5.3.3: SELECT,
# MANAGE CHANNEL and GET RESPONSE stay plain in a session) are the SCP03 codec's own.


def decode_exchange(session: Scp03Observer, wire: Command, answer: Response) -> Decoded:
    """One protected exchange through the session's codec (SCP03, and SCP11 which wraps alike)."""
    try:
        plain_command = session.command(wire)
    except (SecureChannelError, DecodeError) as exc:
        return Decoded.failed(reason(exc))
    try:
        plain_response = session.response(answer)
    except (SecureChannelError, DecodeError) as exc:
        # The command did unwrap: keep it (an over-padded answer still shows its command).
        return Decoded.failed(reason(exc), plain_command.encode())
    return Decoded(plain_command.encode(), plain_response.encode(), True)


class GpTraceObserver:
    """What the SCP02, SCP03 and SCP11 trace decoders share: a command that does not decode is
    a failure inside their session (GP secure messaging in its CLA), and SELECT deselects the
    Security Domain (ISO 7816-4 11.2.2), which ends the session; the rest is the protocol's."""

    _session: object | None  # the protocol's observer of the open session

    @property
    def active(self) -> bool:
        return self._session is not None

    def exchange(self, command: bytes, response: bytes) -> Decoded | None:
        wire = decode_command(command)
        if wire is None:
            return malformed(self.active and carries_gp_sm(command[0]))
        answer = Response.decode(response)
        if is_select(wire):
            self._selected(wire, answer)
            return None
        return self._decode(wire, answer)

    def _selected(self, select: Command, answer: Response) -> None:
        raise NotImplementedError

    def _decode(self, wire: Command, answer: Response) -> Decoded | None:
        raise NotImplementedError


class Scp03TraceObserver(GpTraceObserver):
    """A passive SCP03 decoder (see the module text)."""

    name = "scp03"

    def __init__(self, keys: StaticKeys, *, diversify: str | None = None) -> None:
        self._static = keys
        self._diversify = diversify
        self._aid: bytes | None = None
        self._initialize: tuple[Command, Response] | None = None
        self._session: Scp03Observer | None = None
        self._keys: list[tuple[str, bytes]] = []

    @classmethod
    def from_keys(cls, enc: bytes, mac: bytes, dek: bytes) -> Scp03TraceObserver:
        return cls(StaticKeys(enc, mac, dek))

    def session_keys(self) -> list[tuple[str, bytes]]:
        return list(self._keys)

    def reset(self) -> None:
        self._session = None
        self._initialize = None
        self._aid = None

    def _selected(self, select: Command, answer: Response) -> None:
        self._session = None
        self._initialize = None
        if select.p1 == SELECT_BY_NAME and answer.sw == SW_OK:
            self._aid = select.data

    def _decode(self, wire: Command, answer: Response) -> Decoded | None:
        info = parse_cla(wire.cla)
        if info.gp and wire.ins == INS_INITIALIZE_UPDATE and not carries_gp_sm(wire.cla):
            # GP Amendment D 7.1.1: a new INITIALIZE UPDATE starts a new handshake.
            self._session = None
            self._initialize = (wire, answer) if answer.sw == SW_OK else None
            return None
        if wire.ins == INS_EXTERNAL_AUTHENTICATE and self._initialize is not None:
            self._handshake(wire, answer)
            return None
        session = self._session
        if session is None:
            return None
        if not carries_gp_sm(wire.cla):
            if session.level & SecurityLevel.C_MAC and not (
                info.interindustry and wire.ins in PLAIN_ISO_INS
            ):
                self._session = None  # GP Card Spec 10.2.3: refused, session terminated
            return None
        return decode_exchange(session, wire, answer)

    def _handshake(self, external_authenticate: Command, answer: Response) -> None:
        assert self._initialize is not None
        initialize, card_answer = self._initialize
        self._initialize = None
        if answer.sw != SW_OK:
            return  # the card refused the host cryptogram: no session
        decoded = InitializeUpdateResponse.decode(card_answer.data)
        try:
            self._session = observe(
                self._static,
                initialize,
                card_answer,
                external_authenticate,
                aid=self._aid,
                check_challenge=self._aid is not None,
                keep_going=True,
                diversify=self._diversify,
            )
        except CryptogramError:
            raise
        except SecureChannelError as exc:  # a MacError on EXTERNAL AUTHENTICATE
            raise CryptogramError(f"{exc}: the static keys do not match this session") from None
        context = initialize.data + decoded.card_challenge  # GP Amendment D 6.2.1
        static = self._static
        if self._diversify is not None:
            static = static.diversified(decoded.diversification_data, self._diversify)
        derived = derive_session_keys(static, context)
        self._keys = [("S-ENC", derived.enc), ("S-MAC", derived.mac), ("S-RMAC", derived.rmac)]

    def __repr__(self) -> str:
        return f"Scp03TraceObserver({'active' if self.active else 'idle'}, <keys hidden>)"


__all__ = ["GpTraceObserver", "Scp03TraceObserver", "carries_gp_sm", "decode_exchange"]
