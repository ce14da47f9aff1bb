"""The vpcd wire protocol, sans-IO: frames, controls, and what a card answers to each.

vsmartcard's vpcd driver (a reader in pcscd) and a virtual card talk over one TCP stream
(vsmartcard virtualsmartcard/doc/api.rst, "Creating a virtual smart card"):

- every message is a frame: a 2-byte big-endian length, then that many payload bytes;
- a 1-byte payload is a control: ``00`` power off, ``01`` power on, ``02`` reset (no reply
  to these three), ``04`` get ATR (reply: a frame holding the ATR);
- any other payload is a command APDU; the reply is a frame holding the response APDU.

Nothing here touches a socket: :class:`FrameDecoder` takes whatever bytes arrived (part of a
frame, several frames) and returns whole payloads; :func:`encode_frame` builds one frame;
:func:`parse_payload` classifies a payload; :func:`answer` says what a card replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

from cardwire.errors import DecodeError, UsageError

#: The length prefix is two bytes (api.rst): no payload can be longer than this.
MAX_PAYLOAD = 0xFFFF
_LENGTH_SIZE = 2

#: vpcd's first reader listens on this TCP port; slot i uses PORT + i (Debian's
#: /etc/reader.conf.d/vpcd: CHANNELID 0x8C7B).
DEFAULT_PORT = 35963
DEFAULT_HOST = "127.0.0.1"


class Control(IntEnum):
    """The one-byte control payloads of vpcd (api.rst table)."""

    POWER_OFF = 0x00
    POWER_ON = 0x01
    RESET = 0x02
    GET_ATR = 0x04


@dataclass(frozen=True, slots=True)
class ControlFrame:
    """A control message from vpcd."""

    control: Control


@dataclass(frozen=True, slots=True)
class ApduFrame:
    """A command APDU from vpcd (to be answered with the response APDU)."""

    apdu: bytes


Frame = ControlFrame | ApduFrame


class VpcdCard(Protocol):
    """What the vpcd side needs from a card (SimCard has it; so does any test double)."""

    @property
    def atr(self) -> bytes: ...

    def power_on(self) -> bytes: ...

    def power_off(self) -> None: ...

    def reset(self) -> bytes: ...

    def process(self, apdu: bytes) -> bytes: ...


def encode_frame(payload: bytes) -> bytes:
    """One frame: 2-byte big-endian length ‖ payload (api.rst). Oversize is a usage error."""
    size = len(payload)
    if size > MAX_PAYLOAD:
        raise UsageError(f"a vpcd frame holds at most {MAX_PAYLOAD} bytes, got {size}")
    return size.to_bytes(_LENGTH_SIZE, "big") + payload


class FrameDecoder:
    """Reassembles frames from a byte stream: feed what ``recv`` returned, get whole payloads.

    A TCP read may return part of a frame (Debian's vpcd sends the length and the payload in
    two writes) or several frames at once; both are handled here.
    """

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """How many bytes of an incomplete frame are buffered."""
        return len(self._buffer)

    def needed(self) -> int:
        """How many more bytes complete the frame being received (at least 1)."""
        buffer = self._buffer
        if len(buffer) < _LENGTH_SIZE:
            return _LENGTH_SIZE - len(buffer)
        size = (buffer[0] << 8) | buffer[1]
        return max(1, _LENGTH_SIZE + size - len(buffer))

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the payloads of every frame now complete, in order."""
        buffer = self._buffer
        buffer += data
        payloads: list[bytes] = []
        start = 0
        end = len(buffer)
        while end - start >= _LENGTH_SIZE:
            size = (buffer[start] << 8) | buffer[start + 1]
            stop = start + _LENGTH_SIZE + size
            if stop > end:
                break
            payloads.append(bytes(buffer[start + _LENGTH_SIZE : stop]))
            start = stop
        if start:
            del buffer[:start]
        return payloads

    def reset(self) -> None:
        """Forget any partial frame (after the connection dropped)."""
        self._buffer.clear()


def parse_payload(payload: bytes) -> Frame:
    """Classify one payload: a 1-byte control (api.rst) or a command APDU (anything else).

    An unknown control byte is a :class:`DecodeError`. Payloads too short for an APDU header
    still go to the card, which answers them with a status word (ISO 7816-4 5.1, 6700).
    """
    if len(payload) == 1:
        code = payload[0]
        try:
            return ControlFrame(Control(code))
        except ValueError:
            raise DecodeError(f"unknown vpcd control byte {code:02X}", 0) from None
    return ApduFrame(payload)


def answer(card: VpcdCard, frame: Frame) -> bytes | None:
    """What the card sends back for ``frame``: a reply payload, or None (no reply).

    Power off, power on and reset have no reply; get ATR is answered at any time, also
    between APDUs (pcscd polls it about every 0.4 s). APDUs go to ``card.process``.
    """
    if isinstance(frame, ApduFrame):
        return card.process(frame.apdu)
    control = frame.control
    if control is Control.GET_ATR:
        return card.atr
    if control is Control.POWER_ON:
        card.power_on()
    elif control is Control.POWER_OFF:
        card.power_off()
    else:
        card.reset()
    return None
