"""Tearing: a write to the card interrupted at a random point leaves the old or the new value.

A child process (forked from this one, so that it starts in a millisecond) loads the simulated
card from its state file, as ``cardwire sim serve --state`` does, and runs one command: UPDATE
BINARY, UPDATE RECORD, a PIN try (wrong or right), or PUT KEY in an SCP03 session. The test
kills it with SIGKILL after a random delay (anywhere from before the command to after its
answer) and then checks the state file:

- it loads, and holds exactly the old or the new value (sim/state_store.py writes atomically);
- a PIN try is never lost: once the comparison has started the decremented retry counter is
  already durable (ISO/IEC 7816-4:2020 11.5.6 and the usual defence against tearing attacks:
  decrement, commit, then compare; sim/pin.py rule 3).

At least 300 kills run in total. The child reports its progress through a pipe (L: card
loaded, C: PIN comparison started, D: answer received) and then waits to be killed, so every
kill is a real SIGKILL of a live process.
"""

from __future__ import annotations

import os
import random
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cardwire import gp
from cardwire.card import Card
from cardwire.handshakes.scp03 import open_scp03
from cardwire.hexutil import to_hex
from cardwire.sim import profile as profiles
from cardwire.sim.applets.security_domain import DEFAULT_AID as SECURITY_DOMAIN_AID
from cardwire.sim.card import SimCard
from cardwire.sim.profile import Profile
from cardwire.sm.scp03 import StaticKeys
from cardwire.transport.memory import MemoryTransport

KILLS_PER_OPERATION = 64  # 5 operations: 320 kills
READ_DEADLINE = 10.0  # seconds to wait for the child's next report

SELECT_DF_APP1 = bytes.fromhex("00A4000C025000")
SELECT_SCRATCH = bytes.fromhex("00A4000C025008")  # EF 5008: 64 bytes, update always
SELECT_RECORDS = bytes.fromhex("00A4000C025005")  # EF 5005: linear variable, update always
OLD_BYTES, NEW_BYTES = b"\xaa" * 64, b"\x55" * 64
OLD_RECORD, NEW_RECORD = b"two", b"record two, rewritten"
PIN_REFERENCE = 1
RIGHT_PIN, WRONG_PIN = b"1234", b"9999"  # README: the simulated card's ISO PIN is 1234
MAX_TRIES = 3
OLD_KEYS = StaticKeys.default()  # the default Security Domain key set (GP test keys 40..4F)
NEW_KEYS = StaticKeys(bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48)), OLD_KEYS.kvn)


def _update_binary(data: bytes) -> bytes:
    # ISO/IEC 7816-4:2020 11.3.5 UPDATE BINARY, offset 0 in P1-P2.
    return bytes((0x00, 0xD6, 0x00, 0x00, len(data))) + data


def _update_record(number: int, data: bytes) -> bytes:
    # ISO/IEC 7816-4:2020 11.4.5 UPDATE RECORD, P2 = 04: record number in P1, current EF.
    return bytes((0x00, 0xDC, number, 0x04, len(data))) + data


def _verify(pin: bytes) -> bytes:
    # ISO/IEC 7816-4:2020 11.5.6 VERIFY, P2 = reference data number.
    return bytes((0x00, 0x20, 0x00, PIN_REFERENCE, len(pin))) + pin


Torn = Callable[[], bytes]
"""The interrupted step: sends one command to the card, returns the response APDU."""


@dataclass(frozen=True)
class Operation:
    """How to bring a freshly loaded card to the point before the torn command (nothing here
    changes the state file), and the torn command itself."""

    name: str
    prepare: Callable[[SimCard], Torn]


def _plain(setup: tuple[bytes, ...], torn: bytes) -> Callable[[SimCard], Torn]:
    def prepare(card: SimCard) -> Torn:
        for apdu in setup:
            _ok(card.process(apdu))
        return lambda: card.process(torn)

    return prepare


def _put_key(card: SimCard) -> Torn:
    # PUT KEY needs an SCP03 session with the Security Domain (GPC 11.8, Amendment D 7).
    host = Card(MemoryTransport(card))
    host.select(SECURITY_DOMAIN_AID)
    host.secure(open_scp03(host, OLD_KEYS, level=0x33, rng=random.Random(1).randbytes))
    command = gp.put_key(NEW_KEYS, OLD_KEYS.dek, replace_kvn=OLD_KEYS.kvn)
    return lambda: host.send(command, check=False).encode()


OPERATIONS = [
    Operation("update binary", _plain((SELECT_DF_APP1, SELECT_SCRATCH), _update_binary(NEW_BYTES))),
    Operation(
        "update record", _plain((SELECT_DF_APP1, SELECT_RECORDS), _update_record(2, NEW_RECORD))
    ),
    Operation("wrong PIN try", _plain((SELECT_DF_APP1,), _verify(WRONG_PIN))),
    Operation("right PIN try", _plain((SELECT_DF_APP1,), _verify(RIGHT_PIN))),
    Operation("put key", _put_key),
]


def _ok(answer: bytes) -> bytes:
    assert answer[-2:] == b"\x90\x00", answer.hex()
    return answer[:-2]


def _read_scratch(card: SimCard) -> bytes:
    _ok(card.process(SELECT_DF_APP1))
    _ok(card.process(SELECT_SCRATCH))
    return _ok(card.process(bytes.fromhex("00B0000040")))


def _read_records(card: SimCard) -> list[bytes]:
    _ok(card.process(SELECT_DF_APP1))
    _ok(card.process(SELECT_RECORDS))
    # READ RECORD, P2 = 04: record number in P1 (ISO/IEC 7816-4:2020 11.4.3).
    return [_ok(card.process(bytes((0x00, 0xB2, n, 0x04, 0x00)))) for n in (1, 2, 3)]


def _tries_left(card: SimCard) -> int:
    # VERIFY without data: 63Cx, x tries left (ISO/IEC 7816-4:2020 11.5.6).
    answer = card.process(bytes((0x00, 0x20, 0x00, PIN_REFERENCE)))
    assert answer[0] == 0x63 and answer[1] & 0xF0 == 0xC0, answer.hex()
    return answer[1] & 0x0F


def _template(directory: Path) -> Path:
    """A state file with the scratch file holding the old bytes and every counter full."""
    path = directory / "template.yaml"
    # Only the applets under test: every load and commit then stays small and quick.
    default = profiles.default_profile()
    wanted = [spec for spec in default.applets if spec.type in ("filesystem", "security-domain")]
    card = SimCard(Profile(default.card, tuple(wanted)), state_path=path)
    _ok(card.process(SELECT_DF_APP1))
    _ok(card.process(SELECT_SCRATCH))
    _ok(card.process(_update_binary(OLD_BYTES)))
    return path


# --- the child ---------------------------------------------------------------------------------


def _child(state: Path, operation: Operation, report: int) -> None:
    """Runs in the forked child: load, prepare, run the torn command, then wait to be killed."""
    import hmac

    real_compare = hmac.compare_digest

    def announcing_compare(a: bytes, b: bytes) -> bool:  # the PIN comparison is starting
        os.write(report, b"C")
        return real_compare(a, b)

    hmac.compare_digest = announcing_compare  # type: ignore[assignment]  # child process only
    card = SimCard.from_files(None, state)
    torn = operation.prepare(card)
    os.write(report, b"L")
    answer = torn()
    os.write(report, b"D" + answer[-2:])
    while True:  # wait for the SIGKILL
        time.sleep(1)


def _spawn(state: Path, operation: Operation) -> tuple[int, int]:
    """Fork a child running ``operation`` on ``state``; its PID and the pipe's read end."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child ends with os._exit either way
        status = 0
        try:
            os.close(read_end)
            _child(state, operation, write_end)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _read_until(fd: int, marker: bytes, seen: bytearray) -> None:
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], READ_DEADLINE)
        assert ready, f"the child sent no {marker!r} within {READ_DEADLINE:g} s"
        chunk = os.read(fd, 64)
        assert chunk, f"the child exited before {marker!r}: {bytes(seen)!r}"
        seen += chunk


def _kill(pid: int, fd: int, seen: bytearray) -> None:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
    while chunk := os.read(fd, 64):  # everything the child wrote before it died
        seen += chunk
    os.close(fd)


@dataclass
class Outcomes:
    kills: int = 0
    old: int = 0
    new: int = 0


def _run_once(template: Path, state: Path, operation: Operation, delay: float) -> bytes:
    """One round: fresh state, fork, wait for L, sleep ``delay``, SIGKILL; the reports."""
    state.write_bytes(template.read_bytes())
    pid, fd = _spawn(state, operation)
    seen = bytearray()
    try:
        _read_until(fd, b"L", seen)
        time.sleep(delay)
    finally:
        _kill(pid, fd, seen)
    return bytes(seen)


def _window(template: Path, state: Path, operation: Operation) -> float:
    """How long the command takes once loaded (the kills land in 0 to 1.5 times this)."""
    started = time.monotonic()
    state.write_bytes(template.read_bytes())
    pid, fd = _spawn(state, operation)
    seen = bytearray()
    try:
        _read_until(fd, b"L", seen)
        started = time.monotonic()
        _read_until(fd, b"D", seen)
        took = time.monotonic() - started
    finally:
        _kill(pid, fd, seen)
    return 1.5 * took


Check = Callable[[SimCard, bytes, Outcomes], None]


def _check_binary(card: SimCard, reports: bytes, outcomes: Outcomes) -> None:
    value = _read_scratch(card)
    assert value in (OLD_BYTES, NEW_BYTES), value.hex()
    if b"D" in reports:  # answered 9000: the change was durable before the answer
        assert value == NEW_BYTES
    outcomes.new += value == NEW_BYTES
    outcomes.old += value == OLD_BYTES


def _check_record(card: SimCard, reports: bytes, outcomes: Outcomes) -> None:
    records = _read_records(card)
    assert records[0] == b"one" and records[2] == b"three", records
    assert records[1] in (OLD_RECORD, NEW_RECORD), records
    if b"D" in reports:
        assert records[1] == NEW_RECORD
    outcomes.new += records[1] == NEW_RECORD
    outcomes.old += records[1] == OLD_RECORD


def _check_wrong_pin(card: SimCard, reports: bytes, outcomes: Outcomes) -> None:
    tries = _tries_left(card)
    assert tries in (MAX_TRIES, MAX_TRIES - 1)
    if b"C" in reports:  # the comparison started: the try must already be counted
        assert tries == MAX_TRIES - 1, "a PIN try was compared but not counted"
    outcomes.new += tries == MAX_TRIES - 1
    outcomes.old += tries == MAX_TRIES


def _check_right_pin(card: SimCard, reports: bytes, outcomes: Outcomes) -> None:
    tries = _tries_left(card)
    # Killed between the decrement and the restore, the try stays counted (never a free one).
    assert tries in (MAX_TRIES, MAX_TRIES - 1)
    if b"D" in reports:  # answered 9000: the counter was restored and committed
        assert tries == MAX_TRIES
    outcomes.new += tries == MAX_TRIES - 1
    outcomes.old += tries == MAX_TRIES


def _as_config(keys: StaticKeys) -> dict[str, str]:
    return {"kvn": f"{keys.kvn:02X}", "enc": to_hex(keys.enc), "mac": to_hex(keys.mac),
            "dek": to_hex(keys.dek)}  # fmt: skip


def _check_put_key(card: SimCard, reports: bytes, outcomes: Outcomes) -> None:
    current = card.current_profile().to_dict()["applets"]
    domain = next(s for s in current if s["type"] == "security-domain")
    key_sets = domain["key_sets"]
    assert key_sets in ([_as_config(OLD_KEYS)], [_as_config(NEW_KEYS)]), key_sets
    if b"D" + b"\x90\x00" in reports:  # answered 9000: the new keys were durable before
        assert key_sets == [_as_config(NEW_KEYS)]
    outcomes.new += key_sets == [_as_config(NEW_KEYS)]
    outcomes.old += key_sets == [_as_config(OLD_KEYS)]


CHECKS: dict[str, Check] = {
    "update binary": _check_binary,
    "update record": _check_record,
    "wrong PIN try": _check_wrong_pin,
    "right PIN try": _check_right_pin,
    "put key": _check_put_key,
}


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.name for op in OPERATIONS])
def test_kill_at_random_points_leaves_old_or_new(operation: Operation, tmp_path: Path) -> None:
    template = _template(tmp_path)
    state = tmp_path / "card.yaml"
    window = _window(template, state, operation)
    choices = random.Random(operation.name)
    outcomes = Outcomes()
    for _ in range(KILLS_PER_OPERATION):
        reports = _run_once(template, state, operation, choices.uniform(0.0, window))
        outcomes.kills += 1
        card = SimCard(profiles.load(state))  # the state file always loads
        CHECKS[operation.name](card, reports, outcomes)
    assert outcomes.kills == KILLS_PER_OPERATION
    # Both sides of the commit were hit, so the kills did land inside the command.
    assert outcomes.old and outcomes.new, outcomes
