"""Fuzz the card OS's fail-closed rules (issue 15) for every card-side protocol: random plain
APDUs (chained pieces with any header and data, OS commands, other channels, broken lengths,
unsupported classes) interleaved with the host's protected commands. Properties: no plain APDU
on the secured channel is ever answered 9000 as a chain piece, a refusal changes no card state
(what must change is excluded: a wrong PIN, the session ending), and once the card's session
has ended no protected command is accepted on it. ``TALLY`` holds the figures of the run
(docs/reliability.md, "Fail closed on the card")."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fuzz_budget import count, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

# tests/fuzz has no __init__.py, so pytest puts only this directory on sys.path: the shared
# rigs live one level up (tests/fail_closed.py, also used by tests/sim).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fail_closed import PROTOCOLS, RIGS, Rig, Tally

TALLY: dict[str, Tally] = {name: Tally() for name in PROTOCOLS}

OS_COMMANDS = [
    bytes.fromhex("0070000001"),  # MANAGE CHANNEL open
    bytes.fromhex("00C0000000"),  # GET RESPONSE, nothing pending
    bytes.fromhex("00A4020C023F00"),  # SELECT by file identifier
]

chained_piece = st.builds(
    lambda cla, ins, p1, p2, data: bytes((cla | 0x10, ins, p1, p2, len(data))) + data,
    st.sampled_from([0x00, 0x80, 0x04, 0x0C, 0x84]),
    st.integers(0, 255).filter(lambda i: i & 0xF0 not in (0x60, 0x90)),
    st.integers(0, 255),
    st.integers(0, 255),
    st.binary(min_size=1, max_size=16),
)
other_channel = st.builds(
    lambda cla, rest: bytes((cla,)) + rest,
    st.sampled_from([0x01, 0x11, 0x02, 0x41, 0x81, 0x91]),
    st.binary(min_size=3, max_size=12),
)
broken_length = st.builds(
    lambda header, data: header + bytes((len(data) + 1,)) + data,
    st.sampled_from([b"\x00\xd6\x00\x00", b"\x80\x20\x00\x00", b"\x0c\xb0\x00\x00"]),
    st.binary(max_size=8),
)
unsupported_class = st.builds(lambda rest: b"\xff" + rest, st.binary(min_size=3, max_size=8))
attack = st.one_of(
    st.tuples(st.just("chained"), chained_piece),
    st.tuples(st.just("os"), st.sampled_from(OS_COMMANDS)),
    st.tuples(st.just("other channel"), other_channel),
    st.tuples(st.just("broken length"), broken_length),
    st.tuples(st.just("unsupported class"), unsupported_class),
)


def _run(rig: Rig, attacks: list[tuple[str, bytes]]) -> Tally:
    tally = Tally()
    for kind, apdu in attacks:
        tally.attempts += 1
        alive_before = rig.card_session_alive()
        before = rig.snapshot()
        answer = rig.raw(apdu)
        if kind == "chained" and alive_before and answer.sw == 0x9000:
            tally.plaintext_accepted += 1  # a plain piece taken on a secured channel
        if answer.sw != 0x9000:
            tally.refusals += 1
            if rig.snapshot() != before:
                tally.state_changes += 1
        if not rig.card_session_alive():
            break
    if not rig.card_session_alive():
        before = rig.snapshot()
        tally.attempts += 1
        if rig.accepted(rig.target):
            tally.plaintext_accepted += 1  # the host's next command ran after the session ended
        else:
            tally.refusals += 1
        if rig.snapshot() != before:
            tally.state_changes += 1
    return tally


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_no_plaintext_is_accepted_and_no_refusal_changes_state(protocol: str) -> None:
    @fuzz_settings(25)
    @given(attacks=st.lists(attack, min_size=1, max_size=4))
    def check(attacks: list[tuple[str, bytes]]) -> None:
        count(f"fail closed {protocol}")
        tally = _run(RIGS[protocol](), attacks)
        TALLY[protocol].add(tally)
        assert tally.plaintext_accepted == 0
        assert tally.state_changes == 0

    check()
    assert TALLY[protocol].attempts > 0


def test_zz_report_the_tally(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the figures of this run (``pytest -s``) for docs/reliability.md."""
    with capsys.disabled():
        for name, tally in TALLY.items():
            print(f"\nfail closed {name}: {tally}")
    assert all(t.plaintext_accepted == 0 and t.state_changes == 0 for t in TALLY.values())
