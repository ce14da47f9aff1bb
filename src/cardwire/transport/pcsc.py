"""A card in a PC/SC reader (pcscd on Linux, WinSCard elsewhere), through pyscard.

``bytes`` in and out; pyscard's lists of ints stay inside this module. PC/SC result codes
become typed :mod:`cardwire.errors` errors whose message says what to do. pyscard is an
optional dependency (``pip install 'cardwire[pcsc]'``), imported when a transport opens.

PC/SC references: PC/SC Workgroup specification part 5 (ICC resource manager: contexts,
SCardConnect share modes and protocols, transactions, SCardReconnect dispositions) and the
result codes of pcsc-lite's ``PCSC/pcsclite.h``.

Watchdog (issue 15): SCardTransmit has no timeout and cannot be cancelled, so every transmit runs
under :class:`cardwire.transport.watchdog.Watchdog` with ``transmit_timeout`` seconds
(:data:`DEFAULT_TRANSMIT_TIMEOUT`, 30 s; None turns it off). On expiry transmit raises
TransportTimeoutError and the connection is *stuck*: the blocked call is abandoned with its card
handle and context, every later call raises TransportError until :meth:`PcscTransport.reconnect`
opens a new context and connection. A response of fewer than two bytes (the card died mid-read)
is a TransportError too, not a malformed response: there is no status word to decode.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any, Literal, Self

from cardwire.errors import (
    NoCardError,
    NoReaderError,
    NoServiceError,
    TransportError,
    TransportTimeoutError,
    UsageError,
)
from cardwire.transport.pcsc_errors import (
    SCARD_E_NO_READERS_AVAILABLE,
    SCARD_E_TIMEOUT,
    SCARD_S_SUCCESS,
    SCARD_W_REMOVED_CARD,
    SCARD_W_RESET_CARD,
    error_for,
    unsigned_code,
)
from cardwire.transport.watchdog import Watchdog

PcscProtocol = Literal["T0", "T1", "any"]
ShareMode = Literal["shared", "exclusive"]

# Reader states of SCardGetStatusChange (pcsclite.h SCARD_STATE_*).
SCARD_STATE_UNAWARE = 0x0000
SCARD_STATE_PRESENT = 0x0020
SCARD_STATE_EXCLUSIVE = 0x0080
SCARD_STATE_MUTE = 0x0200

_PROTOCOL_MASKS: dict[str, int] = {"T0": 0x0001, "T1": 0x0002, "any": 0x0003}
_PROTOCOL_NAMES = {0x0001: "T0", 0x0002: "T1"}
_SHARE_MODES: dict[str, int] = {"exclusive": 0x0001, "shared": 0x0002}
# SCardReconnect / SCardDisconnect dispositions (PC/SC part 5).
_LEAVE_CARD, _RESET_CARD, _UNPOWER_CARD = 0x0000, 0x0001, 0x0002
_SCOPE_USER = 0x0000
_POLL_MS = 200
DEFAULT_TRANSMIT_TIMEOUT = 30.0
"""Seconds a transmit may take before the watchdog gives up on the card (PcscTransport)."""
_MIN_RESPONSE = 2  # ISO/IEC 7816-4 5.1: every response APDU ends with SW1 SW2


def _load_pyscard() -> ModuleType:
    try:
        return importlib.import_module("smartcard.scard")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NoServiceError(
            f"pyscard is not available ({exc}); install it: pip install 'cardwire[pcsc]'"
        ) from exc


@dataclass(frozen=True, slots=True)
class ReaderInfo:
    """One reader as PC/SC reports it."""

    index: int
    name: str
    card_present: bool
    atr: bytes
    exclusive: bool


class PcscContext:
    """A PC/SC resource-manager context (SCardEstablishContext ... SCardReleaseContext)."""

    def __init__(self) -> None:
        self._scard = _load_pyscard()
        code, handle = self._scard.SCardEstablishContext(_SCOPE_USER)
        if unsigned_code(code) != SCARD_S_SUCCESS:
            raise error_for(code, "cannot reach PC/SC")
        self.handle: Any = handle
        self.scard = self._scard

    def reader_names(self) -> list[str]:
        """The names of the connected readers (empty when there are none)."""
        code, names = self.scard.SCardListReaders(self.handle, [])
        code = unsigned_code(code)
        if code == SCARD_E_NO_READERS_AVAILABLE:
            return []
        if code != SCARD_S_SUCCESS:
            raise error_for(code, "cannot list readers")
        return list(names)

    def readers(self) -> list[ReaderInfo]:
        """Every reader with card presence and ATR (one SCardGetStatusChange, no wait)."""
        names = self.reader_names()
        if not names:
            return []
        code, states = self.scard.SCardGetStatusChange(
            self.handle, 0, [(name, SCARD_STATE_UNAWARE) for name in names]
        )
        code = unsigned_code(code)
        if code not in (SCARD_S_SUCCESS, SCARD_E_TIMEOUT):
            raise error_for(code, "cannot read reader states")
        infos = []
        for index, (name, event_state, atr) in enumerate(states):
            present = bool(event_state & SCARD_STATE_PRESENT)
            infos.append(
                ReaderInfo(
                    index=index,
                    name=name,
                    card_present=present and not event_state & SCARD_STATE_MUTE,
                    atr=bytes(atr) if present else b"",
                    exclusive=bool(event_state & SCARD_STATE_EXCLUSIVE),
                )
            )
        return infos

    def wait_for_card(self, reader: str, timeout: float) -> None:
        """Return once ``reader`` holds a card that answered; raise NoCardError at the deadline."""
        deadline = time.monotonic() + timeout
        state = SCARD_STATE_UNAWARE
        while True:
            remaining = deadline - time.monotonic()
            wait_ms = max(0, min(_POLL_MS, int(remaining * 1000)))
            code, states = self.scard.SCardGetStatusChange(self.handle, wait_ms, [(reader, state)])
            code = unsigned_code(code)
            if code == SCARD_S_SUCCESS:
                _, state, _ = states[0]
                state &= ~0x0002  # SCARD_STATE_CHANGED: acknowledge before waiting again
                if state & SCARD_STATE_PRESENT and not state & SCARD_STATE_MUTE:
                    return
            elif code != SCARD_E_TIMEOUT:
                raise error_for(code, "cannot wait for a card", reader)
            if remaining <= 0:
                raise NoCardError(
                    f"no card in reader {reader!r} after {timeout:g} s; insert a card"
                )

    def close(self) -> None:
        if self.handle is not None:
            self.scard.SCardReleaseContext(self.handle)
            self.handle = None


def choose_reader(
    names: Sequence[str], spec: str | int | None, holding: Sequence[str] | None = None
) -> str:
    """Pick a reader: by index (int or digits), exact name, or a unique name fragment.

    Without ``spec`` the only reader present is chosen; among several, the one reader that
    holds a card (``holding``: the names of the readers with a card), as GlobalPlatformPro's
    TerminalManager.getTheReader does. Errors list the readers that exist.
    """
    listing = "; ".join(f"{i}: {name}" for i, name in enumerate(names)) or "none"
    if not names:
        raise NoReaderError("no reader is connected; plug one in or run `cardwire sim serve`")
    if spec is None:
        if len(names) == 1:
            return names[0]
        with_card = [name for name in names if name in (holding or ())]
        if len(with_card) == 1:
            return with_card[0]
        if holding is not None and not with_card:
            raise NoReaderError(
                f"none of the {len(names)} readers holds a card; insert one, or choose a "
                f"reader with --reader NAME|INDEX ({listing})"
            )
        several = (
            f"{len(with_card)} readers hold a card"
            if with_card
            else (f"{len(names)} readers are connected")
        )
        raise NoReaderError(f"{several}; choose one with --reader NAME|INDEX ({listing})")
    if isinstance(spec, int) or spec.strip().isdigit():
        index = int(spec)
        if 0 <= index < len(names):
            return names[index]
        raise NoReaderError(f"no reader with index {index} (readers: {listing})")
    if spec in names:
        return spec
    matches = [name for name in names if spec.lower() in name.lower()]
    if len(matches) == 1:
        return matches[0]
    problem = "matches several readers" if matches else "matches no reader"
    raise NoReaderError(f"{spec!r} {problem} (readers: {listing})")


def list_readers() -> list[ReaderInfo]:
    """Every connected reader, with card presence and ATR."""
    context = PcscContext()
    try:
        return context.readers()
    finally:
        context.close()


class PcscTransport:
    """A connection to the card in one PC/SC reader. Use as a context manager, or close().

    ``protocol`` is T0, T1 or any (the card and reader agree); ``mode`` shared lets other
    programs use the card between our commands (wrap multi-APDU sequences in
    :meth:`transaction`), exclusive keeps them out. ``timeout`` (seconds) waits for a card
    to be inserted before connecting; 0 fails at once when the reader is empty.
    ``transmit_timeout`` (seconds, None: none) bounds every transmit (see the module docstring).
    """

    def __init__(
        self,
        reader: str | int | None = None,
        *,
        protocol: PcscProtocol = "any",
        mode: ShareMode = "shared",
        timeout: float = 0.0,
        transmit_timeout: float | None = DEFAULT_TRANSMIT_TIMEOUT,
    ) -> None:
        if protocol not in _PROTOCOL_MASKS:
            raise UsageError(f"protocol must be T0, T1 or any, got {protocol!r}")
        if mode not in _SHARE_MODES:
            raise UsageError(f"mode must be shared or exclusive, got {mode!r}")
        self._watchdog = Watchdog(transmit_timeout)
        self._stuck: str | None = None  # why the connection must be re-established
        self._context = PcscContext()
        self._scard = self._context.scard
        self._share = _SHARE_MODES[mode]
        self._protocols = _PROTOCOL_MASKS[protocol]
        # transaction(): nesting depth over all threads, and whether SCardBeginTransaction is
        # in effect (a reconnect ends it); both only under the lock.
        self._transaction_lock = threading.Lock()
        self._transactions = 0
        self._transaction_open = False
        self._card: Any = None
        try:
            self.name = self._pick(reader)
            if timeout > 0:
                self._context.wait_for_card(self.name, timeout)
            code, card, active = self._scard.SCardConnect(
                self._context.handle, self.name, self._share, self._protocols
            )
            if unsigned_code(code) != SCARD_S_SUCCESS:
                raise error_for(code, "cannot connect to the card", self.name)
        except BaseException:
            self._context.close()
            raise
        self._card = card
        self._active = int(active)
        try:
            self._atr = self._read_atr()
        except BaseException:
            self.close()  # the card handle and the context, as when SCardConnect fails
            raise

    def _pick(self, reader: str | int | None) -> str:
        names = self._context.reader_names()
        if reader is not None or len(names) < 2:
            return choose_reader(names, reader)
        # Several readers and none named: the one holding a card (docs/cli.md, "Readers").
        holding = [info.name for info in self._context.readers() if info.card_present]
        return choose_reader(names, None, holding)

    # -- Transport protocol -------------------------------------------------------------------

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def protocol(self) -> str:
        """The protocol in use: "T0" or "T1"."""
        return _PROTOCOL_NAMES.get(self._active, f"{self._active:#x}")

    def transmit(self, apdu: bytes) -> bytes:
        """Send one command APDU (short or extended), return data ‖ SW1 SW2."""
        card = self._require_card()
        context = self._context

        def abandon() -> None:  # the stuck call returned at last: release what it held
            self._scard.SCardDisconnect(card, _LEAVE_CARD)
            context.close()

        try:
            code, response = self._watchdog.run(
                lambda: self._scard.SCardTransmit(card, self._active, list(apdu)),
                abandon,
                f"cannot send the command in reader {self.name!r}",
            )
        except TransportTimeoutError as exc:
            self._stuck = str(exc)
            self._card = None  # the abandoned call owns the handle and the context now
            raise
        code = unsigned_code(code)
        if code != SCARD_S_SUCCESS:
            if code == SCARD_W_RESET_CARD:
                # PC/SC part 5: after a reset by someone else the handle must be reconnected;
                # the caller still learns that its card-side state is gone.
                self._reconnect(_LEAVE_CARD)
            raise error_for(code, "cannot send the command", self.name)
        if len(response) < _MIN_RESPONSE:
            # The card stopped answering mid-exchange (vpcd/pcscd hand back the bytes that
            # arrived): a transport failure, exit class 3, not malformed input.
            raise TransportError(
                f"cannot send the command: the card in reader {self.name!r} answered "
                f"{len(response)} bytes, no status word (it stopped answering); reconnect "
                "and start again"
            )
        return bytes(response)

    def reset(self, cold: bool = False) -> bytes:
        """Warm reset (or power cycle when ``cold``) and reconnect; return the new ATR."""
        self._reconnect(_UNPOWER_CARD if cold else _RESET_CARD)
        return self._atr

    def reconnect(self) -> bytes:
        """Reconnect without resetting (after another program reset the card); new ATR.

        After a transmit timeout this opens a new PC/SC context and connection (the stuck one
        is left to the abandoned call)."""
        if self._stuck is not None:
            context = PcscContext()
            code, card, active = context.scard.SCardConnect(
                context.handle, self.name, self._share, self._protocols
            )
            if unsigned_code(code) != SCARD_S_SUCCESS:
                context.close()
                raise error_for(code, "cannot reconnect to the card", self.name)
            self._context, self._card, self._active = context, card, int(active)
            self._stuck = None
            with self._transaction_lock:
                self._transaction_open = False
            self._atr = self._read_atr()
            return self._atr
        self._reconnect(_LEAVE_CARD)
        return self._atr

    def close(self) -> None:
        """Leave the card as it is and release the reader. Idempotent."""
        self._watchdog.stop()
        if self._stuck is not None:
            self._stuck = "the transport is closed"
            return  # the abandoned call releases the handle and context when it returns
        if self._card is not None:
            card, self._card = self._card, None
            self._scard.SCardDisconnect(card, _LEAVE_CARD)
        self._context.close()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Self]:
        """Keep other programs off the card for a multi-APDU sequence (SCardBeginTransaction).

        Nested uses share the outermost transaction, also across threads (the nesting counter
        is kept under a lock). After a reconnect inside a transaction, the next nested use
        begins a new one, which the outermost use ends.
        """
        card = self._require_card()
        with self._transaction_lock:
            if not self._transaction_open:
                code = self._scard.SCardBeginTransaction(card)
                if unsigned_code(code) != SCARD_S_SUCCESS:
                    raise error_for(code, "cannot begin a transaction", self.name)
                self._transaction_open = True
            self._transactions += 1
        try:
            yield self
        finally:
            with self._transaction_lock:
                self._transactions -= 1
                if self._transactions == 0 and self._transaction_open:
                    self._transaction_open = False
                    if self._card is not None:
                        self._end_transaction(self._card)

    def _end_transaction(self, card: Any) -> None:
        code = unsigned_code(self._scard.SCardEndTransaction(card, _LEAVE_CARD))
        if code not in (SCARD_S_SUCCESS, SCARD_W_RESET_CARD, SCARD_W_REMOVED_CARD):
            raise error_for(code, "cannot end the transaction", self.name)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PcscTransport(reader={self.name!r}, protocol={self.protocol})"

    # -- internals ----------------------------------------------------------------------------

    def _require_card(self) -> Any:
        if self._stuck is not None:
            raise TransportError(
                f"{self._stuck}; the connection to reader {self.name!r} must be "
                "re-established: call reconnect() or open a new transport"
            )
        if self._card is None:
            raise TransportError(f"the connection to reader {self.name!r} is closed")
        return self._card

    def _reconnect(self, disposition: int) -> None:
        card = self._require_card()
        code, active = self._scard.SCardReconnect(card, self._share, self._protocols, disposition)
        if unsigned_code(code) != SCARD_S_SUCCESS:
            raise error_for(code, "cannot reconnect to the card", self.name)
        self._active = int(active)
        with self._transaction_lock:
            self._transaction_open = False  # the reset ended it; the depth stays as it is
        self._atr = self._read_atr()

    def _read_atr(self) -> bytes:
        code, _reader, _state, _protocol, atr = self._scard.SCardStatus(self._card)
        if unsigned_code(code) != SCARD_S_SUCCESS:
            raise error_for(code, "cannot read the ATR", self.name)
        return bytes(atr)
