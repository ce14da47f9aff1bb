"""The card session a program holds: ``Card(transport)``.

A Card is the basic logical channel (channel 0) plus the registry of the other channels it
opened. Every channel has its own layer stack (chaining, secure-messaging slot, GET RESPONSE,
6Cxx re-send); all of them share the wire and ONE lock. The lock is held for a whole
command-response sequence (including its GET RESPONSE, 6Cxx and chaining pieces) because a
response carries no channel number (ISO/IEC 7816-4 5.4.2): threads
using different channels interleave only between sequences.

Fail closed (issue 15): a channel whose secure session ended without the caller asking (the card
was removed or reset under us, a transport error or timeout in a protected exchange) refuses
every later command and raw transmit with SessionClosedError naming why, until the caller runs a
new handshake or calls ``secure(None)``. The caller's own :meth:`Card.reset` is explicit: it
returns channel 0 to plain and ends (closes) every other channel.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Self

from cardwire import commands
from cardwire.apdu import Command, Response
from cardwire.errors import CardRemovedError, DecodeError, TransportTimeoutError, UsageError
from cardwire.ins import Ins
from cardwire.layers.base import Exchanger, WireExchanger
from cardwire.layers.chaining import LengthLimits
from cardwire.layers.secure_messaging import loss_reason
from cardwire.layers.stack import LayerStack
from cardwire.sm.base import HostSecureSession
from cardwire.sw import SW, check
from cardwire.tlv import parse_one
from cardwire.trace.recorder import TraceRecorder
from cardwire.transport.base import Transport

if TYPE_CHECKING:
    from cardwire.channels import Channel

DISCRETIONARY_DATA = 0x53
"""READ BINARY B1 answers its bytes in DO53 (ISO/IEC 7816-4:2020 clause 11, READ BINARY)."""

DEFAULT_CHUNK = 256

ReadProgress = Callable[[int, int | None], None]
"""Called by :meth:`CardCommands.read_file` after every READ BINARY: (bytes read so far, the
file's size when known: given by the caller, e.g. from the FCP, or found at the end)."""


def _as_bytes(secret: bytes | str) -> bytes:
    return secret.encode("ascii") if isinstance(secret, str) else bytes(secret)


def binary_data(command: Command, response: Response) -> bytes:
    """The file bytes in a READ BINARY answer: as they are for B0, inside DO53 for B1."""
    if command.ins != Ins.READ_BINARY_ODD or not response.data:
        return response.data
    node = parse_one(response.data)
    if node.tag != DISCRETIONARY_DATA:
        raise DecodeError(f"READ BINARY B1 answered tag {node.tag:X}, expected 53", 0)
    return node.value


class CardCommands(ABC):
    """The helpers shared by :class:`Card` and ``Channel``, all built on :meth:`send`."""

    number: int
    """The logical channel number (0 for the Card itself)."""
    _stack: LayerStack

    @property
    def session(self) -> HostSecureSession | None:
        """The secure session installed on this channel (None: plain)."""
        return self._stack.session

    def _install(self, session: HostSecureSession | None, close_previous: bool) -> None:
        """Install ``session`` in this channel's slot; the caller holds the card's lock.

        A session belongs to the channel it was opened on: a secure session is a state of one
        logical channel on the card (ISO/IEC 7816-4:2020 5.4.2), so the session records that
        channel the first time it is installed (``session.channel``; a handshake sets it) and
        is refused elsewhere. Installing the session already installed does nothing."""
        if session is not None:
            if session is self._stack.session:
                return
            bound = getattr(session, "channel", None)
            if bound is not None and bound != self.number:
                raise UsageError(
                    f"this secure session belongs to logical channel {bound}; it cannot be "
                    f"installed on channel {self.number}"
                )
            if hasattr(session, "channel"):
                setattr(session, "channel", self.number)  # noqa: B010 - optional attribute
        self._stack.secure(session, close_previous=close_previous)

    @staticmethod
    def _as_command(command: Command | bytes) -> Command:
        """``send`` takes a Command, or the bytes of one (decoded by :meth:`Command.decode`,
        DecodeError if they are not an APDU); anything else is a UsageError."""
        if isinstance(command, Command):
            return command
        if isinstance(command, bytes | bytearray | memoryview):
            return Command.decode(bytes(command))
        raise UsageError(f"send takes a Command or its bytes, not {type(command).__name__}")

    @abstractmethod
    def send(self, command: Command | bytes, check: bool = True) -> Response:
        """Send ``command`` through the layers; raise StatusError on an error SW if ``check``.

        ``command`` may be the bytes of an APDU: they are decoded (:meth:`Command.decode`)
        and go through the layers like a Command (``transmit`` sends bytes as they are)."""

    @abstractmethod
    def transmit(self, apdu: bytes) -> bytes:
        """Send raw bytes on the wire, no layers (still alone on the wire)."""

    @abstractmethod
    def secure(self, session: HostSecureSession | None, *, close_previous: bool = True) -> None:
        """Install a secure session in this channel's stack (None removes it). The session
        installed before ends, unless ``close_previous`` is False because the new one wraps
        it."""

    @abstractmethod
    def forget_ended_session(self) -> None:
        """Before a new handshake: drop a session that ended or was lost, so the handshake runs
        in plain; a live session stays and the handshake runs inside it (PACE-PIN in a CAN
        session). Handshakes call it; it is how they replace a lost session (issue 15)."""

    @abstractmethod
    def open_channel(self) -> Channel:
        """Open a logical channel (card-assigned number) from this channel."""

    def select(self, aid_or_fid: bytes, *, check: bool = True) -> Response:
        """SELECT a file by its two-byte identifier, or an application/DF by name (AID)."""
        if len(aid_or_fid) == 2:
            return self.send(commands.select_fid(aid_or_fid), check)
        return self.send(commands.select_by_aid(aid_or_fid), check)

    def read_binary(
        self, offset: int = 0, length: int = DEFAULT_CHUNK, *, sfi: int | None = None
    ) -> bytes:
        """READ BINARY of up to ``length`` bytes at ``offset`` (odd INS B1 past 32767)."""
        command = commands.read_binary(offset, ne=length, sfi=sfi)
        return binary_data(command, self.send(command))

    def read_file(
        self,
        *,
        sfi: int | None = None,
        chunk: int = DEFAULT_CHUNK,
        size: int | None = None,
        progress: ReadProgress | None = None,
    ) -> bytes:
        """The whole current (or ``sfi``) transparent EF, read in chunks of ``chunk`` bytes.

        Stops at 6282 (end of file reached before Ne bytes), at a short answer, or when an
        offset just past the end is refused (ISO/IEC 7816-4, READ BINARY status conditions);
        with ``size`` (the file's size from its FCP, tag 80: ISO/IEC 7816-4:2020 7.4.4) also
        when ``size`` bytes are read, the last chunk asking for no more than remain.
        ``progress`` is called once after every READ BINARY; its last call gives the total.
        """
        if not 1 <= chunk <= 65536:
            raise UsageError(f"chunk must be 1..65536, got {chunk}")
        if size is not None and size < 0:
            raise UsageError(f"size must be 0 or more, got {size}")
        out = bytearray()
        offset = 0
        while size is None or offset < size:
            command = commands.read_binary(offset, ne=chunk, sfi=sfi if offset == 0 else None)
            odd = command.ins == Ins.READ_BINARY_ODD
            if size is not None:  # B1: DO 53's tag and length (4 bytes at most) count in Ne
                command = replace(command, ne=min(chunk, size - offset + 4 * odd))
            ne = command.ne
            response = self.send(command, check=False)
            ended_before = response.sw == SW.WRONG_P1_P2 and offset > 0
            if not ended_before and response.sw not in (SW.SUCCESS, SW.END_OF_FILE):
                check(response.sw, command)
            # 6B00 past the end: the previous chunk ended exactly at the end of the file
            data = b"" if ended_before else binary_data(command, response)
            out += data
            offset += len(data)
            last = (
                response.sw == SW.END_OF_FILE
                or not data
                or (not odd and len(data) < ne)
                or (size is not None and offset >= size)
            )
            if progress is not None:
                progress(offset, offset if last else size)
            if last:
                break
        return bytes(out)

    def read_record(self, number: int, *, sfi: int | None = None, ne: int = DEFAULT_CHUNK) -> bytes:
        """READ RECORD ``number`` of the current (or ``sfi``) record EF."""
        return self.send(commands.read_record(number, sfi=sfi, ne=ne)).data

    def update_binary(self, offset: int, data: bytes, *, sfi: int | None = None) -> None:
        """UPDATE BINARY ``data`` at ``offset``."""
        self.send(commands.update_binary(data, offset, sfi))

    def verify(self, reference: int, pin: bytes | str, *, check: bool = True) -> Response:
        """VERIFY ``pin`` (ASCII when a str) against reference data ``reference``.

        With ``check=False`` a wrong PIN is answered, not raised: 63Cx says x tries are left.
        """
        return self.send(commands.verify(reference, _as_bytes(pin)), check)

    def pin_status(self, reference: int) -> Response:
        """VERIFY without data: 9000 if verified, 63Cx with the tries left (never raises)."""
        return self.send(commands.verify(reference, None), check=False)

    def get_challenge(self, length: int = 8) -> bytes:
        """GET CHALLENGE: ``length`` random bytes from the card."""
        return self.send(commands.get_challenge(length)).data


class Card(CardCommands):
    """A session with one card over ``transport``; also its basic logical channel (0).

    ``trace=True`` puts a :class:`TraceRecorder` at the bottom (see :attr:`trace`).
    ``extended_length`` overrides what the ATR says about extended Lc/Le support.
    """

    number = 0

    def __init__(
        self,
        transport: Transport,
        *,
        trace: bool = False,
        extended_length: bool | None = None,
    ) -> None:
        self.transport = transport
        self.trace: TraceRecorder | None = TraceRecorder(transport) if trace else None
        self._wire_transport: Transport = self.trace if self.trace is not None else transport
        self._wire = WireExchanger(self._wire_transport)
        self._lock = threading.RLock()
        self._extended_override = extended_length
        self.limits = self._limits()
        self._stack = LayerStack(self._wire, self.limits)
        self._channels: dict[int, Channel] = {}

    def _limits(self) -> LengthLimits:
        if self._extended_override is not None:
            return LengthLimits(extended=self._extended_override)
        from cardwire.atr import Atr

        try:
            atr = Atr.parse(self.transport.atr)
        except DecodeError:
            return LengthLimits(extended=False)  # unreadable ATR: assume the least
        return LengthLimits(extended=bool(atr.supports_extended_length))

    @property
    def atr(self) -> bytes:
        return self.transport.atr

    @property
    def channels(self) -> dict[int, Channel]:
        """The open logical channels other than 0, by number."""
        with self._lock:
            return dict(self._channels)

    # -- sending -------------------------------------------------------------------------

    def _send_on(
        self,
        stack: LayerStack,
        command: Command,
        check_sw: bool,
        guard: Callable[[], None] | None = None,
        *,
        exchanger: Exchanger | None = None,
    ) -> Response:
        """Run one whole command-response sequence on ``stack`` while holding the lock;
        ``guard`` runs first under the same lock (a Channel checks it is still open).
        ``exchanger`` replaces the stack's top (Channel.close sends plain below the slot)."""
        with self._lock:
            if guard is not None:
                guard()
            try:
                response = (stack if exchanger is None else exchanger).exchange(command)
            except (CardRemovedError, TransportTimeoutError) as error:
                self._lose_everything(error)
                raise
        if check_sw:
            check(response.sw, command)
        return response

    def send(self, command: Command | bytes, check: bool = True) -> Response:
        return self._send_on(self._stack, self._as_command(command), check)

    def _transmit_on(self, stack: LayerStack, apdu: bytes) -> bytes:
        """Raw ``apdu`` on the wire for the channel of ``stack``: refused if its session was
        lost (no plain bytes after a lost session, issue 15). The caller holds the lock."""
        stack.refuse_if_lost()
        try:
            return self._wire_transport.transmit(apdu)
        except (CardRemovedError, TransportTimeoutError) as error:
            self._lose_everything(error)
            raise

    def transmit(self, apdu: bytes) -> bytes:
        with self._lock:
            return self._transmit_on(self._stack, apdu)

    def secure(self, session: HostSecureSession | None, *, close_previous: bool = True) -> None:
        # Under the lock: a sequence in flight on this channel (a chain, GET RESPONSE rounds)
        # keeps the session it started with to its end.
        with self._lock:
            self._install(session, close_previous)

    def forget_ended_session(self) -> None:
        with self._lock:
            self._stack.forget_ended_session()

    # -- channels ------------------------------------------------------------------------

    def open_channel(self) -> Channel:
        return self._open_channel_from(self)

    def _open_channel_from(self, origin: CardCommands) -> Channel:
        """MANAGE CHANNEL open (card-assigned number) sent on ``origin``'s channel.

        The command and the registration of the new channel are one critical section, like
        Channel.close(): no other thread sees the card's channel table and ours disagree."""
        from cardwire.channels import Channel, assigned_channel

        with self._lock:
            response = origin.send(commands.manage_channel_open(origin=origin.number))
            number = assigned_channel(response)
            if number in self._channels:
                raise DecodeError(f"the card assigned channel {number}, which is already open")
            channel = Channel(self, number, LayerStack(self._wire, self.limits))
            self._channels[number] = channel
        return channel

    def _unregister(self, channel: Channel) -> None:
        with self._lock:
            if self._channels.get(channel.number) is channel:
                del self._channels[channel.number]

    # -- life cycle ----------------------------------------------------------------------

    def _lose_everything(self, cause: BaseException | str) -> None:
        """The card's state is gone without the caller asking (removal, reset by another
        program, a timeout that needs a new connection): every channel's session is lost
        (fail closed) and every other channel ends. Caller holds the lock."""
        reason = cause if isinstance(cause, str) else loss_reason(cause)
        self._stack.lose_secure_session(reason)
        for channel in list(self._channels.values()):
            channel.forget(reason)

    def reset(self, cold: bool = False) -> bytes:
        """Reset the card: every secure session ends, every other channel is closed. The ATR.

        An explicit reset by the caller: channel 0 is plain afterwards (its session is ended,
        not lost); a Channel object of before raises on use (SessionClosedError if it had a
        session, else UsageError)."""
        with self._lock:
            self._stack.end_secure_session()
            self._lose_everything("the card was reset by this program (Card.reset)")
            atr = self._wire_transport.reset(cold)  # through the recorder: a trace keeps resets
        return atr

    def close(self) -> None:
        """End every secure session and release the transport."""
        with self._lock:
            self._lose_everything("the Card was closed")
            self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
