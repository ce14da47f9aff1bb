"""Drive an observer over a trace: one :class:`DecodedExchange` per exchange on the wire.

- A response split over 61xx (ISO 7816-4 5.3.4: "SW2 encodes the number of data bytes still
  available", fetched with GET RESPONSE) is reassembled: the original command's entry is decoded
  with the whole response, and each GET RESPONSE continuation is its own entry without plain
  values (under secure messaging GET RESPONSE travels unprotected and the concatenated
  response is unwrapped once: ICAO Doc 9303-11 9.8.6, GP Amendment D 6.2.5).
- A reset ends every session (:meth:`Observer.reset`).
- Bytes that do not decode, or a handshake that does not verify with the keys given, raise the
  observer's error with the trace line in front.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cardwire.errors import CardwireError, DecodeError, SecureChannelError
from cardwire.hexutil import to_hex
from cardwire.trace.model import Event, Exchange, Trace
from cardwire.trace.observers import Decoded, Observer

INS_GET_RESPONSE = 0xC0  # ISO 7816-4 11.7.1
SW1_MORE_DATA = 0x61  # ISO 7816-4 5.6, table 5


@dataclass(frozen=True, slots=True)
class DecodedExchange:
    """One exchange on the wire and, under a decoded session, its plain values."""

    command: bytes
    response: bytes
    line: int
    decoded: Decoded | None = None
    continuation: bool = False  # a GET RESPONSE fetching the rest of an earlier response

    def to_json(self) -> dict[str, Any]:
        """``command``, ``response`` and, under a session, ``plain_command``,
        ``plain_response``, ``mac_ok`` and, when something failed, ``error`` (one phrase:
        what did not decode; the plain values that did decode are kept)."""
        out: dict[str, Any] = {"command": to_hex(self.command), "response": to_hex(self.response)}
        if self.decoded is not None:
            plain_command = self.decoded.plain_command
            plain_response = self.decoded.plain_response
            out["plain_command"] = None if plain_command is None else to_hex(plain_command)
            out["plain_response"] = None if plain_response is None else to_hex(plain_response)
            out["mac_ok"] = self.decoded.mac_ok
            if self.decoded.error is not None:
                out["error"] = self.decoded.error
        return out


def _is_get_response(item: Event) -> bool:
    # A trace keeps malformed commands as sent: one byte has no INS.
    return isinstance(item, Exchange) and item.command[1:2] == bytes([INS_GET_RESPONSE])


def _continuations(items: Sequence[Event], start: int) -> list[Exchange]:
    """The GET RESPONSE exchanges fetching the rest of ``items[start]``'s response."""
    found: list[Exchange] = []
    current = items[start]
    assert isinstance(current, Exchange)
    index = start + 1
    while current.response[-2] == SW1_MORE_DATA and index < len(items):
        following = items[index]
        if not _is_get_response(following):
            break
        assert isinstance(following, Exchange)
        found.append(following)
        current = following
        index += 1
    return found


def _with_line(line: int, exc: CardwireError) -> CardwireError:
    if isinstance(exc, DecodeError):
        return DecodeError(f"trace line {line}: {exc.problem}", exc.offset)
    if isinstance(exc, SecureChannelError):
        return type(exc)(f"trace line {line}: {exc}", exc.card_sw)
    return exc


def decode_trace(trace: Trace, observer: Observer | None = None) -> list[DecodedExchange]:
    """Every exchange of ``trace`` in order, decoded by ``observer`` where it can."""
    items = trace.events
    out: list[DecodedExchange] = []
    index = 0
    while index < len(items):
        item = items[index]
        if not isinstance(item, Exchange):
            if observer is not None:
                observer.reset()
            index += 1
            continue
        rest = _continuations(items, index) if item.response[-2] == SW1_MORE_DATA else []
        whole = item.response[:-2] + b"".join(part.response[:-2] for part in rest)
        whole += (rest[-1] if rest else item).response[-2:]
        decoded = None
        if observer is not None:
            try:
                decoded = observer.exchange(item.command, whole)
            except CardwireError as exc:
                raise _with_line(item.line, exc) from exc
        out.append(DecodedExchange(item.command, item.response, item.line, decoded))
        out.extend(
            DecodedExchange(part.command, part.response, part.line, continuation=True)
            for part in rest
        )
        index += 1 + len(rest)
    return out


__all__ = ["DecodedExchange", "decode_trace"]
