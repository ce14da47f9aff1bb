"""The socket side of vpcd: a card connects to vsmartcard's vpcd reader and serves it.

The card is the TCP client (vsmartcard virtualsmartcard/doc/api.rst): it connects to the
reader's port, answers frames until vpcd drops the connection (vpcd drops it on any error,
and pcscd restarts), then connects again every ``retry_interval`` seconds. The framing and
the answers are in :mod:`cardwire.sim.vpcd`; this module only moves bytes.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable

from cardwire.errors import DecodeError, UsageError
from cardwire.ins import carries_secret
from cardwire.sim.vpcd import (
    ApduFrame,
    FrameDecoder,
    VpcdCard,
    answer,
    encode_frame,
    parse_payload,
)

logger = logging.getLogger("cardwire.sim.vpcd")

RETRY_INTERVAL = 0.5
CONNECT_TIMEOUT = 2.0
_RECV_SIZE = 0x10000 + 2
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)  # Linux only
# ISO 7816-4 5.6 table 6: 6F00 "no precise diagnosis", for a response that cannot be framed.
_SW_NO_PRECISE_DIAGNOSIS = b"\x6f\x00"


def _secret(apdu: bytes) -> bool:
    """A command whose data carries a PIN, a PUK or a key (cardwire.ins.carries_secret)."""
    return len(apdu) > 5 and carries_secret(apdu[0], apdu[1])


def describe_command(apdu: bytes) -> str:
    """The command for the log: hex, with the data of secret-carrying commands redacted."""
    if _secret(apdu):
        return f"{apdu[:4].hex().upper()} <{len(apdu) - 4} bytes redacted>"
    return apdu.hex().upper()


def describe_response(apdu: bytes, response: bytes) -> str:
    """The response for the log: only the status word when the command carried a secret."""
    if _secret(apdu) and len(response) > 2:
        return f"<{len(response) - 2} bytes redacted> {response[-2:].hex().upper()}"
    return response.hex().upper()


class VpcdClient:
    """Serves one card to one vpcd reader slot at ``host:port`` until :meth:`stop`."""

    def __init__(
        self,
        card: VpcdCard,
        host: str,
        port: int,
        *,
        retry_interval: float = RETRY_INTERVAL,
        on_connected: Callable[[str], None] | None = None,
        on_waiting: Callable[[str], None] | None = None,
    ) -> None:
        self.card = card
        self.host = host
        self.port = port
        self.retry_interval = retry_interval
        self.on_connected = on_connected
        # called once when vpcd cannot be reached, not at every retry; again after a drop
        self.on_waiting = on_waiting
        self._waiting = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Ask :meth:`run` to return; wakes a blocked ``recv``. Safe from any thread."""
        self._stop.set()
        with self._lock:
            sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed by the other side
                sock.shutdown(socket.SHUT_RDWR)

    def run(self) -> None:
        """Connect, serve, reconnect after every drop, until :meth:`stop` is called."""
        while not self._stop.is_set():
            sock = self._connect()
            if sock is None:
                if not self._waiting and self.on_waiting is not None:
                    self.on_waiting(self.address)
                self._waiting = True
                self._stop.wait(self.retry_interval)
                continue
            self._waiting = False
            try:
                self._serve(sock)
            except OSError as exc:
                logger.info("%s: connection lost: %s", self.address, exc)
            finally:
                with self._lock:
                    self._sock = None
                sock.close()
            if not self._stop.is_set():
                self._stop.wait(self.retry_interval)

    def _connect(self) -> socket.socket | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            logger.debug("%s: cannot connect: %s", self.address, exc)
            return None
        sock.settimeout(None)
        # One APDU per segment, no Nagle delay on our replies.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            if self._stop.is_set():
                sock.close()
                return None
            self._sock = sock
        logger.info("%s: connected", self.address)
        if self.on_connected is not None:
            self.on_connected(self.address)
        return sock

    def _serve(self, sock: socket.socket) -> None:
        decoder = FrameDecoder()
        recv = sock.recv
        sendall = sock.sendall
        setsockopt = sock.setsockopt
        while True:
            if _QUICKACK is not None:
                # Linux re-enables delayed ACKs after each segment; vpcd writes the length and
                # the payload in two sends, so without this each APDU waits ~40 ms
                # (docs/pcsc.md, vpcd).
                setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            data = recv(_RECV_SIZE)
            if not data:
                logger.info("%s: vpcd closed the connection", self.address)
                return
            for payload in decoder.feed(data):
                reply = self._answer(payload)
                if reply is not None:
                    sendall(reply)

    def _answer(self, payload: bytes) -> bytes | None:
        try:
            frame = parse_payload(payload)
        except DecodeError as exc:
            # vsmartcard's own vpicc ignores unknown controls the same way: no reply.
            logger.warning("%s: ignored: %s", self.address, exc)
            return None
        reply = answer(self.card, frame)
        if logger.isEnabledFor(logging.DEBUG):
            if isinstance(frame, ApduFrame):
                shown = "" if reply is None else describe_response(frame.apdu, reply)
                logger.debug("%s: > %s", self.address, describe_command(frame.apdu))
                logger.debug("%s: < %s", self.address, shown)
            else:
                logger.debug("%s: control %s", self.address, frame.control.name)
        if reply is None:
            return None
        try:
            return encode_frame(reply)
        except UsageError as exc:
            logger.error("%s: %s; answering 6F00", self.address, exc)
            return encode_frame(_SW_NO_PRECISE_DIAGNOSIS)
