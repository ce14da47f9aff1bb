"""The observer interface: a passive, per-protocol decoder of a recorded secure session.

An observer is fed every exchange of a trace in order, as (command, response) bytes, and keeps
the session state of both ends (counters, chaining values, IVs) the way the card and the host
did. For each exchange it answers either ``None`` (the exchange is not under a session it can
decode: plain commands, handshakes, exchanges of sessions whose keys it does not have) or a
:class:`Decoded` value. The driver (:mod:`cardwire.trace.decode`) reassembles responses split
over 61xx / GET RESPONSE before feeding them, so an observer sees each response whole.

Rules every observer follows:

- ``mac_ok`` is true only when every MAC of the exchange verified; then ``plain_command`` and
  ``plain_response`` are the plain values. When it is false, ``error`` says why in one phrase
  (:data:`MAC_MISMATCH`, :data:`BAD_PADDING`, :data:`COUNTER_MISMATCH`, :data:`NO_SESSION`, or
  the codec's own words), what did decode is kept (a command that unwrapped is shown even when
  its response does not), the protocol's counter (SSC, encryption counter, IV chain) still
  advances, and decoding goes on with the next exchange.
- A handshake that does not verify with the keys given (card cryptogram, BAC cryptogram)
  raises :class:`cardwire.errors.CryptogramError`: the keys are wrong, nothing can be decoded.
- :meth:`Observer.reset` ends every session (a card reset, ``# reset`` in the trace).
- Observers never print or store keys beyond the session they decode; :meth:`Observer.session_keys`
  exposes the derived session keys for ``--show-keys`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cardwire.apdu import Command
from cardwire.errors import CardwireError, DecodeError, MacError

MAC_MISMATCH = "MAC mismatch"
BAD_PADDING = "padding not ISO/IEC 9797-1 method 2"  # GP Amendment D 6.2.7, ICAO 9303-11 9.8.6
COUNTER_MISMATCH = "counter mismatch"
NO_SESSION = "no session"  # protected on the wire, but no session the decoder knows of


@dataclass(frozen=True, slots=True)
class Decoded:
    """One exchange seen through a secure session."""

    plain_command: bytes | None
    plain_response: bytes | None
    mac_ok: bool
    error: str | None = None

    @classmethod
    def failed(cls, error: str = MAC_MISMATCH, plain_command: bytes | None = None) -> Decoded:
        """Something did not verify (``error`` says what); ``plain_command`` when the command
        did unwrap and only the response failed."""
        return cls(plain_command, None, False, error)


def reason(exc: CardwireError) -> str:
    """The one phrase a failed entry shows for a codec's error."""
    text = str(exc).lower()
    if isinstance(exc, MacError) or "mac" in text.split():
        return MAC_MISMATCH
    if "padding" in text:
        return BAD_PADDING
    if "counter" in text:
        return COUNTER_MISMATCH
    return str(exc).split("\n")[0]


class Observer(Protocol):
    """A passive decoder for one secure-channel protocol."""

    @property
    def name(self) -> str:
        """The protocol's name as the CLI shows it (``iso-sm``, ``scp03``, ``keycard``)."""
        ...

    def exchange(self, command: bytes, response: bytes) -> Decoded | None:
        """Feed one exchange (the response whole); ``None`` when not under a decoded session."""
        ...

    def reset(self) -> None:
        """The card was reset: every session ends."""
        ...

    def session_keys(self) -> list[tuple[str, bytes]]:
        """The session keys derived so far, labelled (shown only with ``--show-keys``)."""
        ...


def decode_command(raw: bytes) -> Command | None:
    """The command APDU, or None when its length fields do not follow ISO 7816-4 5.1 (a trace
    may hold proprietary or malformed commands: they are shown, not decoded)."""
    try:
        return Command.decode(raw)
    except DecodeError:
        return None


MALFORMED = "not a well-formed command APDU (ISO/IEC 7816-4 5.1)"


def malformed(in_session: bool) -> Decoded | None:
    """What a command that does not decode gives: a failure when it belongs to the session
    being decoded (``in_session``), else nothing (not this observer's exchange)."""
    return Decoded.failed(MALFORMED) if in_session else None


def is_select(command: Command) -> bool:
    """SELECT in an interindustry class (ISO 7816-4 11.2.2): it deselects the current
    application, which ends the application's secure session."""
    return command.ins == 0xA4 and not command.cla & 0x80


__all__ = [
    "BAD_PADDING",
    "COUNTER_MISMATCH",
    "MAC_MISMATCH",
    "MALFORMED",
    "NO_SESSION",
    "Decoded",
    "Observer",
    "decode_command",
    "is_select",
    "malformed",
    "reason",
]
