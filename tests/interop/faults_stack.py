"""Fixture variants for the fault-injection tests: parts of the real PC/SC stack that can be
killed, cut and restarted.

- :class:`FaultCard`: a second simulated card (``cardwire sim serve --state``) in vpcd's second
  reader slot (TCP port 35964, Debian's vpcd has two), connected through :class:`CutProxy`, a
  TCP relay that can drop the connection between frames or in the middle of one. The card
  process is ours: the tests kill it (SIGKILL) and start it again on the same state file.
- :func:`restart_pcscd`: stops the pcscd that this test session started (the ``pcsc_stack``
  fixture's child, found by its parent PID, stopped by its PID) and starts a new one; the
  replacement is stopped by PID when the session ends.

Everything runs under the session's ``pcsc_stack`` fixture, so it holds the same machine lock
(/tmp/cardwire-interop.lock). Every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from benchmarks.pcsc_machine import PCSCD, SLOT1_READER, reader_names, start, stop
from pcsc_stack import CARD_SERVER, READER, PcscStack, tail

SLOT1_PORT = 35964  # Debian's vpcd: the second slot listens on CHANNELID + 1
DEADLINE = 20.0  # seconds for any process or reader to come (back) up
OPERATION_DEADLINE = 15.0  # seconds any host operation may take before it counts as a hang
_FRAME_HEADER = 2  # vpcd frames: 2-byte length, then the payload (sim/vpcd.py)

T = TypeVar("T")


def within(seconds: float, call: Callable[[], T]) -> T:
    """Run ``call`` in a worker thread; fail the test if it has not returned in ``seconds``
    (a hang), else return its value or raise its exception."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"hang: the call did not return within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def wait_until(what: str, check: Callable[[], bool], deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not check():
        if time.monotonic() > end:
            pytest.fail(f"{what}: not reached within {deadline:g} s")
        time.sleep(0.1)


def card_present(reader: str) -> bool:
    from cardwire.transport.pcsc import list_readers

    try:
        return any(info.name == reader and info.card_present for info in list_readers())
    except Exception:  # no service (pcscd restarting): not present yet
        return False


# --- the cutting proxy -------------------------------------------------------------------------


@dataclass
class CutProxy:
    """Relays the card's TCP connection to vpcd; can drop it between frames or mid-frame."""

    upstream: tuple[str, int]
    listener: socket.socket = field(init=False)
    _pairs: list[tuple[socket.socket, socket.socket]] = field(default_factory=list, init=False)
    _cut_mid_frame: threading.Event = field(default_factory=threading.Event, init=False)
    _stopped: threading.Event = field(default_factory=threading.Event, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    cuts: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.5)
        threading.Thread(target=self._accept, daemon=True, name="cut-proxy").start()

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                card_side, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                vpcd_side = socket.create_connection(self.upstream, timeout=DEADLINE)
            except OSError:
                card_side.close()
                continue
            for sock in (card_side, vpcd_side):
                sock.settimeout(None)
            with self._lock:
                self._pairs.append((card_side, vpcd_side))
            threading.Thread(target=self._pump, args=(vpcd_side, card_side), daemon=True).start()
            threading.Thread(
                target=self._card_to_vpcd, args=(card_side, vpcd_side), daemon=True
            ).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        CutProxy._close(source, target)

    def _card_to_vpcd(self, card_side: socket.socket, vpcd_side: socket.socket) -> None:
        """Card -> vpcd, frame by frame, so that a cut can land inside a frame."""
        buffer = b""
        with contextlib.suppress(OSError):
            while data := card_side.recv(65536):
                buffer += data
                while len(buffer) >= _FRAME_HEADER:
                    size = _FRAME_HEADER + int.from_bytes(buffer[:_FRAME_HEADER], "big")
                    if len(buffer) < size:
                        break
                    frame, buffer = buffer[:size], buffer[size:]
                    if size > _FRAME_HEADER + 1 and self._cut_mid_frame.is_set():
                        # A response frame: send its first half only, then drop the line.
                        self._cut_mid_frame.clear()
                        vpcd_side.sendall(frame[: size // 2])
                        self.cuts += 1
                        self._close(card_side, vpcd_side)
                        return
                    vpcd_side.sendall(frame)
        self._close(card_side, vpcd_side)

    @staticmethod
    def _close(*sockets: socket.socket) -> None:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def cut_mid_frame(self) -> None:
        """The card's next response frame is cut in half and the connection dropped."""
        self._cut_mid_frame.set()

    def cut_now(self) -> None:
        """Drop every relayed connection now (between frames)."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            self._close(*pair)
        self.cuts += len(pairs)

    def close(self) -> None:
        self._stopped.set()
        self.cut_now()
        self.listener.close()


# --- the card we can kill ----------------------------------------------------------------------


@dataclass
class FaultCard:
    """A simulated card in vpcd's second slot, behind a :class:`CutProxy`."""

    state: Path
    log: Path
    proxy: CutProxy
    reader: str = SLOT1_READER
    process: subprocess.Popen[bytes] | None = None
    kills: int = 0
    restarts: int = 0

    def start(self) -> None:
        """Start ``cardwire sim serve`` on the state file; return once pcscd sees the card."""
        with self.log.open("ab") as out:
            vpcd = f"127.0.0.1:{self.proxy.port}"
            self.process = start([*CARD_SERVER, "--state", str(self.state), "--vpcd", vpcd], out)
        process = self.process
        wait_until(
            f"card in {self.reader!r} ({tail(self.log)})",
            lambda: process.poll() is None and card_present(self.reader),
        )

    def kill(self) -> None:
        """SIGKILL the card process (by its PID) and reap it."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(DEADLINE)
            self.kills += 1
            wait_until(f"card gone from {self.reader!r}", lambda: not card_present(self.reader))

    def restart(self) -> None:
        self.kill()
        self.start()
        self.restarts += 1

    def stop(self) -> int | None:
        status = stop(self.process)
        self.process = None
        # Until pcscd sees the card gone, a start() would take the old card for the new one.
        wait_until(f"card gone from {self.reader!r}", lambda: not card_present(self.reader))
        return status


def fault_card_on(pcsc_stack: PcscStack) -> Iterator[FaultCard]:
    """A killable card in slot 1 (the shared stack's pcscd and lock are held meanwhile); the
    body of a module-scoped fixture."""
    if SLOT1_READER not in (reader_names() or []):
        pytest.skip(f"vpcd lists no second reader {SLOT1_READER!r}")
    logs = pcsc_stack.logs
    proxy = CutProxy(("127.0.0.1", SLOT1_PORT))
    card = FaultCard(logs / "fault-card-state.yaml", logs / "fault-card.log", proxy)
    try:
        card.start()
        yield card
    finally:
        card.stop()
        proxy.close()


# --- restarting pcscd --------------------------------------------------------------------------


def _children_named(name: str) -> list[int]:
    """PIDs of this process's own children called ``name`` (from /proc/PID/stat)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        state, parent = fields[0], int(fields[1])
        if command == name and parent == os.getpid() and state != "Z":
            found.append(int(entry.name))
    return found


@dataclass
class PcscdRestarts:
    """The pcscd processes this module started in place of the session's (stopped at the end)."""

    log: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def restart(self) -> None:
        """Stop the running pcscd (our own child, by PID) and start a new one."""
        running = _children_named("pcscd")
        assert len(running) == 1, f"expected the one pcscd this session started, got {running}"
        pid = running[0]
        os.kill(pid, signal.SIGTERM)
        wait_until("pcscd stopped", lambda: pid not in _children_named("pcscd"))
        wait_until("PC/SC service gone", lambda: reader_names() is None)
        with self.log.open("ab") as out:
            self.processes.append(start(PCSCD, out))
        wait_until("pcscd back", lambda: READER in (reader_names() or []))

    def stop_all(self) -> None:
        for process in self.processes:
            stop(process)


def pcscd_restarts_on(pcsc_stack: PcscStack) -> Iterator[PcscdRestarts]:
    """The body of a session-scoped fixture set up after ``pcsc_stack``, so torn down before
    it: our replacement pcscd stops first, then the session fixture stops the card (and finds
    its own pcscd already gone)."""
    restarts = PcscdRestarts(pcsc_stack.logs / "pcscd-restarted.log")
    try:
        yield restarts
    finally:
        restarts.stop_all()
