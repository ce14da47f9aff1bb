"""PACE session keys recomputed from a trace holding the terminal's key-agreement private key
(cardwire.trace.pace_secret), recorded through the real stack on the simulated card."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from cardwire.card import Card
from cardwire.errors import CryptogramError, UsageError
from cardwire.handshakes.pace import open_pace, pace_password, select_application
from cardwire.hexutil import to_hex
from cardwire.sim.card import SimCard
from cardwire.sim.profile import EPASSPORT_AID
from cardwire.sm.pace import SessionKeys
from cardwire.trace.decode import decode_trace
from cardwire.trace.iso_sm import IsoSmObserver
from cardwire.trace.pace_secret import (
    COMMENT_NAME,
    WARNING_COMMENT,
    PaceKeyRecovery,
    secret_comment,
    secrets_in,
)
from cardwire.trace.recorder import TraceRecorder
from cardwire.trace.text import parse, read
from cardwire.transport.memory import MemoryTransport

CAN = "123456"
MRZ = "L898902C<,690806,940623"
READS = ("00A4020C020101", "00B0000004")


def counting_rng(seed: int) -> Callable[[int], bytes]:
    """A deterministic rng: the same seed gives the same PACE keys."""
    state = [seed]

    def rng(size: int) -> bytes:
        state[0] += 1
        return bytes((state[0] * 37 + i * 11) % 256 for i in range(size))

    return rng


def record(
    path: Path,
    *,
    secrets: bool,
    kind: str = "can",
    password: str = CAN,
    parameter_id: int | None = None,
    seed: int = 1,
) -> tuple[SessionKeys, list[int]]:
    """A PACE session on the simulated card recorded to ``path``; its keys and the SK_IFD
    handed to the recorder."""
    recorder = TraceRecorder(MemoryTransport(SimCard()), path=path, secrets=secrets)
    given: list[int] = []
    keys: list[SessionKeys] = []

    def keep(secret: int) -> None:
        given.append(secret)
        if secrets:
            recorder.record_pace_secret(secret)

    with Card(recorder) as card:
        select_application(card, EPASSPORT_AID)
        open_pace(
            card,
            password,
            kind=kind,
            parameter_id=parameter_id,
            rng=counting_rng(seed),
            on_keys=keys.append,
            on_secret=keep,
        )
        for apdu in READS:
            card.send(bytes.fromhex(apdu))
    return keys[0], given


def decoded_plain(path: Path, kind: str = "can", password: str = CAN) -> list[str | None]:
    trace = read(path)
    recovery = PaceKeyRecovery([pace_password(password, kind)], secrets_in(trace))
    entries = decode_trace(trace, IsoSmObserver(recovery=recovery))
    protected = [e.decoded for e in entries if e.decoded is not None]
    assert protected and all(d.mac_ok for d in protected), protected
    return [None if d.plain_command is None else to_hex(d.plain_command) for d in protected]


@pytest.mark.parametrize(
    ("kind", "password", "parameter_id"),
    [
        ("can", CAN, None),  # EF.CardAccess: no tag 84, the group found by the tokens
        ("can", CAN, 13),  # brainpoolP256r1 named in MSE:Set AT
        ("mrz", MRZ, None),
    ],
)
def test_recorded_with_the_secret_decodes_with_only_the_password(
    tmp_path: Path, kind: str, password: str, parameter_id: int | None
) -> None:
    path = tmp_path / "pace.trace"
    keys, given = record(
        path, secrets=True, kind=kind, password=password, parameter_id=parameter_id
    )
    assert len(given) == 1
    assert decoded_plain(path, kind, password) == list(READS)
    observer = IsoSmObserver(
        recovery=PaceKeyRecovery([pace_password(password, kind)], secrets_in(read(path)))
    )
    decode_trace(read(path), observer)
    labels = dict(observer.session_keys())
    assert (labels["KS_enc"], labels["KS_mac"]) == (keys.ks_enc, keys.ks_mac)


def test_a_trace_with_the_secret_is_mode_0600_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "pace.trace"
    _keys, given = record(path, secrets=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    trace = parse(path.read_text(encoding="utf-8"))
    assert trace.comments[0] == WARNING_COMMENT
    assert trace.comments[1] == secret_comment(given[0])
    assert secrets_in(trace) == tuple(given)


def test_without_the_option_the_secret_never_appears(tmp_path: Path) -> None:
    with_secret, without = tmp_path / "with.trace", tmp_path / "without.trace"
    _keys, given = record(with_secret, secrets=True, seed=7)
    _keys2, given2 = record(without, secrets=False, seed=7)
    assert given == given2  # the same rng: the same SK_IFD was in use
    text = without.read_text(encoding="utf-8")
    secret_hex = secret_comment(given[0]).partition(": ")[2]
    assert secret_hex not in text.replace(" ", "")
    assert COMMENT_NAME not in text and "SECRET" not in text
    assert stat.S_IMODE(without.stat().st_mode) != 0o600 or _umask_gives_0600(tmp_path)
    assert secrets_in(read(without)) == ()


def _umask_gives_0600(directory: Path) -> bool:
    probe = directory / "probe"
    probe.write_text("", encoding="utf-8")
    return stat.S_IMODE(probe.stat().st_mode) == 0o600


def test_a_recorder_not_asked_refuses_a_secret(tmp_path: Path) -> None:
    recorder = TraceRecorder(MemoryTransport(SimCard()), path=tmp_path / "t.trace")
    with pytest.raises(UsageError, match="not asked to hold secrets"):
        recorder.record_pace_secret(12345)
    recorder.close()
    assert "12345" not in (tmp_path / "t.trace").read_text(encoding="utf-8")


def test_a_trace_without_the_secret_says_how_to_record_it(tmp_path: Path) -> None:
    path = tmp_path / "pace.trace"
    record(path, secrets=False)
    trace = read(path)
    observer = IsoSmObserver(recovery=PaceKeyRecovery([pace_password(CAN, "can")], ()))
    with pytest.raises(UsageError, match="--trace-pace-secret"):
        decode_trace(trace, observer)


def test_a_secret_of_another_session_does_not_verify(tmp_path: Path) -> None:
    path, other = tmp_path / "pace.trace", tmp_path / "other.trace"
    record(path, secrets=True, seed=1)
    _keys, given = record(other, secrets=True, seed=2)
    recovery = PaceKeyRecovery([pace_password(CAN, "can")], given)
    with pytest.raises(CryptogramError, match="authentication tokens"):
        decode_trace(read(path), IsoSmObserver(recovery=recovery))


def test_a_pace_with_another_password_kind_is_not_recomputed(tmp_path: Path) -> None:
    path = tmp_path / "pace.trace"
    record(path, secrets=True)  # PACE with the CAN
    recovery = PaceKeyRecovery([pace_password(MRZ, "mrz")], ())
    entries = decode_trace(read(path), IsoSmObserver(recovery=recovery))
    errors = {e.decoded.error for e in entries if e.decoded is not None}
    assert errors == {"no session"}
