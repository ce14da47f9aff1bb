"""Decoding a GlobalPlatform SCP11 session in a trace from its session keys.

SCP11's keys come from an ECDH agreement (GP Card Spec v2.3 Amendment F 3.1): a trace alone
cannot rebuild them, so the host exports them when asked (``cardwire scp11
--export-session-keys FILE``, :meth:`cardwire.sm.scp11.Scp11HostSession.trace_keys`): S-ENC,
S-MAC, S-RMAC and the receipt. After the handshake SCP11 wraps as SCP03 at level 33 with the
receipt as the first MAC chaining value (Amendment F 6.2.2), so the exchanges are decoded with
the codec of :mod:`cardwire.sm.scp03` (C-MAC checked, data decrypted, R-MAC checked, response
decrypted).

- The session starts at the answer to INTERNAL AUTHENTICATE (SCP11b) or MUTUAL AUTHENTICATE
  (SCP11a/c) whose receipt (tag 86, Amendment F 7.6.3) is the one given; without a receipt, at
  the first successful one. When the trace starts inside the session (no handshake in it), the
  given receipt is the chaining value of its first protected command.
- The keys belong to one session: once it ended (SELECT, a new handshake, a reset, or a plain
  command the card refuses at level 33: GP Card Spec v2.3 10.2.3), nothing more is decoded.
- A failed C-MAC or R-MAC marks that exchange as failed and decoding goes on, as for SCP03
  (:mod:`cardwire.trace.scp03`).
"""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.errors import DecodeError
from cardwire.sm.scp03 import (
    FULL_SECURITY,
    PLAIN_ISO_INS,
    Mode,
    Scp03Channel,
    Scp03Observer,
    SessionKeys,
    carries_gp_sm,
    starts_session,
)
from cardwire.sm.scp11 import Variant
from cardwire.sm.scp11.messages import decode_answer
from cardwire.trace.observers import Decoded
from cardwire.trace.scp03 import GpTraceObserver, decode_exchange

SW_OK = 0x9000


def _receipt(wire: Command, answer: Response) -> bytes | None:
    """The receipt of a successful SCP11 authenticate exchange (Amendment F 7.6), else None."""
    variant = Variant.of_kid(wire.p2)
    if variant is None or wire.ins != variant.instruction or answer.sw != SW_OK:
        return None
    try:
        return decode_answer(answer.data)[2]
    except DecodeError:
        return None


class Scp11TraceObserver(GpTraceObserver):
    """A passive SCP11 decoder from exported session keys (see the module text)."""

    name = "scp11"

    def __init__(
        self,
        enc: bytes,
        mac: bytes,
        rmac: bytes,
        receipt: bytes | None = None,
        *,
        s16: bool = False,
    ) -> None:
        self._keys = SessionKeys(enc, mac, rmac)
        self._receipt = receipt
        self._mode = Mode.S16 if s16 else Mode.S8
        self._session: Scp03Observer | None = None
        self._used = False  # the keys decode one session
        self._handshake_seen = False  # a trace starting inside the session has none before it

    def session_keys(self) -> list[tuple[str, bytes]]:
        return []  # the keys were given, nothing is derived

    def reset(self) -> None:
        self._end()
        self._handshake_seen = True  # after a reset, a session needs its handshake

    def _end(self) -> None:
        if self._session is not None:
            self._used = True
        self._session = None

    def _start(self, receipt: bytes) -> None:
        channel = Scp03Channel(self._keys, FULL_SECURITY, self._mode, receipt)
        channel.keep_going_after_failures()
        self._session = Scp03Observer(channel)

    def _selected(self, select: Command, answer: Response) -> None:
        self._end()

    def _decode(self, wire: Command, answer: Response) -> Decoded | None:
        if not carries_gp_sm(wire.cla) and starts_session(wire):
            # GP Card Spec v2.3 10.2.3: a new handshake ends the session open.
            self._end()
            self._handshake_seen = True
            receipt = _receipt(wire, answer)
            if receipt is not None and not self._used and self._receipt in (None, receipt):
                self._start(receipt)
            return None
        inside = self._receipt is not None and not (self._used or self._handshake_seen)
        inside = inside and carries_gp_sm(wire.cla)
        if self._session is None and inside:
            self._start(self._receipt or b"")  # the trace starts inside the session
        session = self._session
        if session is None:
            return None
        if not carries_gp_sm(wire.cla):
            info = parse_cla(wire.cla)
            if not (info.interindustry and wire.ins in PLAIN_ISO_INS):
                self._end()  # level 33: refused, the session ends (GP Card Spec 10.2.3)
            return None
        return decode_exchange(session, wire, answer)

    def __repr__(self) -> str:
        return f"Scp11TraceObserver({'active' if self.active else 'idle'}, <keys hidden>)"


__all__ = ["Scp11TraceObserver"]
