"""Reference data with retry counters: the order of decrement, commit and comparison."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.errors import UsageError
from cardwire.sim.applet import CardStatus
from cardwire.sim.config_loader import export, load
from cardwire.sim.pin import (
    PinConfig,
    ReferenceData,
    pins_from_config,
    pins_to_config,
    tries_left_sw,
)


@dataclass(frozen=True)
class PinList:
    """A section holding only a ``pins`` list, as the file-system applet's holds one."""

    pins: tuple[PinConfig, ...] = ()


def load_pins(entries: object) -> dict[int, ReferenceData]:
    return pins_from_config(load(PinList, {"pins": entries}).pins)


def export_pins(pins: dict[int, ReferenceData]) -> object:
    return export(PinList(pins_to_config(pins)))["pins"]


def make_pin(tries: int = 3) -> ReferenceData:
    return ReferenceData(1, b"1234", max_tries=tries, min_length=4, max_length=8)


def answer(pin: ReferenceData, candidate: bytes, commit: Callable[[], None]) -> int:
    try:
        pin.check(candidate, commit)
    except CardStatus as status:
        return status.sw
    return 0x9000


def test_counter_is_persisted_before_the_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    pin = make_pin()
    events: list[str] = []

    def commit() -> None:
        events.append(f"commit tries={pin.tries_left}")

    def compare(a: bytes, b: bytes) -> bool:
        events.append("compare")
        return a == b

    monkeypatch.setattr(hmac, "compare_digest", compare)
    assert answer(pin, b"9999", commit) == 0x63C2
    assert events == ["commit tries=2", "compare"]
    events.clear()
    assert answer(pin, b"1234", commit) == 0x9000
    assert events == ["commit tries=1", "compare", "commit tries=3"]


@pytest.mark.parametrize(
    ("attempts", "answers"),
    [
        ([b"0000", b"1234"], [0x63C2, 0x9000]),
        ([b"0000", b"0000", b"1234"], [0x63C2, 0x63C1, 0x9000]),
        ([b"0000", b"0000", b"0000", b"1234"], [0x63C2, 0x63C1, 0x63C0, 0x6983]),
        ([b"123", b"123456789", b"1234"], [0x6A80, 0x6A80, 0x9000]),  # no try spent
        ([b"12345", b"1234"], [0x63C2, 0x9000]),  # a valid length, a wrong value
    ],
)
def test_attempt_sequences(attempts: list[bytes], answers: list[int]) -> None:
    pin = make_pin()
    commits: list[int] = []
    got = [answer(pin, a, lambda: commits.append(pin.tries_left)) for a in attempts]
    assert got == answers


def test_blocked_reference_is_never_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    pin = ReferenceData(1, b"1234", max_tries=3, tries_left=0)

    def compare(a: bytes, b: bytes) -> bool:
        raise AssertionError("a blocked reference must not be compared")

    monkeypatch.setattr(hmac, "compare_digest", compare)
    assert answer(pin, b"1234", lambda: None) == 0x6983
    assert pin.status_sw() == 0x6983
    assert pin.tries_left == 0


def test_status_and_reset() -> None:
    pin = make_pin()
    answer(pin, b"0000", lambda: None)
    assert pin.status_sw() == 0x63C2
    pin.reset_counter()
    assert pin.status_sw() == 0x63C3


def test_set_value_checks_the_length() -> None:
    pin = make_pin()
    pin.set_value(b"87654321")
    assert answer(pin, b"87654321", lambda: None) == 0x9000
    with pytest.raises(CardStatus) as status:
        pin.set_value(b"123")
    assert status.value.sw == 0x6A80


def test_repr_hides_the_value() -> None:
    assert "1234" not in repr(make_pin())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_tries": 0},
        {"max_tries": 16},  # 63Cx carries four bits
        {"max_tries": 3, "tries_left": 4},
        {"max_tries": 3, "min_length": 5},  # the value itself is too short
        {"max_tries": 3, "min_length": 6, "max_length": 4},
    ],
)
def test_bad_configuration(kwargs: dict[str, int]) -> None:
    with pytest.raises(UsageError):
        ReferenceData(1, b"1234", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("tries", "sw"), [(0, 0x63C0), (3, 0x63C3), (15, 0x63CF), (20, 0x63CF)])
def test_tries_left_sw(tries: int, sw: int) -> None:
    assert tries_left_sw(tries) == sw


@given(st.lists(st.binary(max_size=10), max_size=12))
def test_any_candidates_give_a_status_and_keep_the_counter_in_range(
    candidates: list[bytes],
) -> None:
    pin = make_pin()
    for candidate in candidates:
        sw = answer(pin, candidate, lambda: None)
        assert sw in {0x9000, 0x6983, 0x6A80} or sw & 0xFFF0 == 0x63C0
        assert 0 <= pin.tries_left <= pin.max_tries
        if sw == 0x9000:
            assert candidate == b"1234"
            assert pin.tries_left == pin.max_tries


def test_profile_form_round_trip() -> None:
    entries = [
        {
            "reference": 1,
            "name": "PIN",
            "value": {"text": "1234"},
            "max_tries": 3,
            "tries_left": 1,
            "min_length": 4,
            "max_length": 8,
            "unblocked_by": 2,
        },
        {"reference": 2, "value": {"hex": "00FF"}, "max_tries": 10},
    ]
    pins = load_pins(entries)
    assert pins[1].tries_left == 1
    assert pins[2].value == b"\x00\xff"
    exported = export_pins(pins)
    assert isinstance(exported, list)
    assert exported[0] == entries[0]
    assert export_pins(load_pins(exported)) == exported


@pytest.mark.parametrize(
    "entries",
    [
        {},
        ["1234"],
        [{"value": {"text": "1234"}, "max_tries": 3}],  # no reference
        [{"reference": 1, "value": {"text": "1234"}}],  # no max_tries
        [{"reference": 1, "value": {"text": "1234"}, "max_tries": 3, "tries_left": "3"}],
        [
            {"reference": 1, "value": {"text": "1234"}, "max_tries": 3},
            {"reference": 1, "value": {"text": "5678"}, "max_tries": 3},
        ],
    ],
)
def test_bad_profile_entries(entries: object) -> None:
    with pytest.raises(UsageError):
        load_pins(entries)
