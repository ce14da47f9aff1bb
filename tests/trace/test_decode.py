"""The decode driver: 61xx reassembly, resets, JSON shape, errors with trace lines."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.errors import CryptogramError, DecodeError, MacError, StatusError
from cardwire.trace.decode import DecodedExchange, decode_trace
from cardwire.trace.observers import Decoded, Observer
from cardwire.trace.text import parse


@dataclass
class RecordingObserver:
    """Records what it is fed; 'decodes' commands with CLA 0C by echoing them."""

    name: str = "recording"
    fed: list[tuple[bytes, bytes]] = field(default_factory=list)
    resets: int = 0
    raises: Exception | None = None

    def exchange(self, command: bytes, response: bytes) -> Decoded | None:
        if self.raises is not None:
            raise self.raises
        self.fed.append((command, response))
        if command[0] != 0x0C:
            return None
        return (
            Decoded(command, response, True) if response[-2:] == b"\x90\x00" else Decoded.failed()
        )

    def reset(self) -> None:
        self.resets += 1

    def session_keys(self) -> list[tuple[str, bytes]]:
        return []


def test_continuations_are_joined_and_kept_as_their_own_entries() -> None:
    text = "> 0CB0000000\n< 11226102\n> 00C0000002\n< 33446101\n> 00C0000001\n< 559000\n"
    observer = RecordingObserver()
    entries = decode_trace(parse(text), observer)
    assert observer.fed == [(bytes.fromhex("0CB0000000"), bytes.fromhex("11223344559000"))]
    assert [entry.continuation for entry in entries] == [False, True, True]
    assert entries[0].decoded == Decoded(
        bytes.fromhex("0CB0000000"), bytes.fromhex("11223344559000"), True
    )
    assert [entry.decoded for entry in entries[1:]] == [None, None]
    assert [entry.line for entry in entries] == [1, 3, 5]


def test_61xx_not_followed_by_get_response_is_fed_as_it_is() -> None:
    text = "> 0CB0000000\n< 11226102\n> 0CB0000000\n< 9000\n"
    observer = RecordingObserver()
    entries = decode_trace(parse(text), observer)
    assert observer.fed[0] == (bytes.fromhex("0CB0000000"), bytes.fromhex("11226102"))
    assert entries[0].decoded == Decoded.failed()
    assert len(entries) == 2


def test_resets_reach_the_observer() -> None:
    observer = RecordingObserver()
    decode_trace(parse("# reset\n> 00A4040C\n< 9000\n# reset\n"), observer)
    assert observer.resets == 2


def test_json_shape() -> None:
    text = "> 00A4040C\n< 9000\n> 0CB0000000\n< 9000\n> 0CB0000000\n< 6988\n"
    entries = decode_trace(parse(text), RecordingObserver())
    assert [entry.to_json() for entry in entries] == [
        {"command": "00A4040C", "response": "9000"},
        {
            "command": "0CB0000000",
            "response": "9000",
            "plain_command": "0CB0000000",
            "plain_response": "9000",
            "mac_ok": True,
        },
        {
            "command": "0CB0000000",
            "response": "6988",
            "plain_command": None,
            "plain_response": None,
            "mac_ok": False,
            "error": "MAC mismatch",
        },
    ]


def test_without_an_observer_nothing_is_decoded() -> None:
    entries = decode_trace(parse("> 0CB0000000\n< 11226101\n> 00C0000001\n< 339000\n"))
    assert [(entry.decoded, entry.continuation) for entry in entries] == [
        (None, False),
        (None, True),
    ]


@pytest.mark.parametrize(
    ("error", "expected_type", "message"),
    [
        (DecodeError("bad bytes", 3), DecodeError, "trace line 2: bad bytes (at offset 3)"),
        (MacError("nope"), MacError, "trace line 2: nope"),
        (StatusError(0x6A82, "file not found"), StatusError, "card answered 6A82: file not found"),
    ],
)
def test_observer_errors_get_the_trace_line(
    error: Exception, expected_type: type[Exception], message: str
) -> None:
    observer = RecordingObserver(raises=error)
    with pytest.raises(expected_type) as caught:
        decode_trace(parse("\n> 00A4040C\n< 9000\n"), observer)
    assert str(caught.value) == message


@given(
    st.lists(
        st.tuples(st.binary(min_size=4, max_size=12), st.binary(min_size=2, max_size=12)),
        max_size=10,
    )
)
def test_every_exchange_gets_exactly_one_entry(exchanges: list[tuple[bytes, bytes]]) -> None:
    text = "".join(f"> {c.hex()}\n< {r.hex()}\n" for c, r in exchanges)
    entries = decode_trace(parse(text), RecordingObserver())
    assert [(e.command, e.response) for e in entries] == exchanges
    assert all(isinstance(e, DecodedExchange) for e in entries)


def _observers() -> list[Observer]:
    from cardwire.sm.scp03 import StaticKeys
    from cardwire.trace.iso_sm import IsoSmObserver
    from cardwire.trace.keycard import KeycardObserver
    from cardwire.trace.scp03 import Scp03TraceObserver

    return [
        IsoSmObserver.from_keys("3des", bytes(16), bytes(16), bytes(8)),
        IsoSmObserver.from_mrz("L898902C", "690806", "940623"),
        Scp03TraceObserver(StaticKeys.default()),
        KeycardObserver.from_keys(bytes(32), bytes(32), bytes(16)),
    ]


_command = st.one_of(
    st.binary(min_size=4, max_size=60),
    st.tuples(st.sampled_from([0x0C, 0x84, 0x80, 0x00]), st.binary(min_size=3, max_size=60)).map(
        lambda parts: bytes((parts[0],)) + parts[1]
    ),
)


@given(st.lists(st.tuples(_command, st.binary(min_size=2, max_size=60)), max_size=8))
def test_any_exchanges_give_entries_or_a_typed_error(exchanges: list[tuple[bytes, bytes]]) -> None:
    text = "".join(f"> {c.hex()}\n< {r.hex()}\n" for c, r in exchanges)
    for observer in _observers():
        try:
            entries = decode_trace(parse(text), observer)
        except (DecodeError, CryptogramError) as exc:
            assert str(exc).startswith("trace line ")
        else:
            assert len(entries) == len(exchanges)
            for entry in entries:
                if entry.decoded is not None and not entry.decoded.mac_ok:
                    assert entry.decoded.plain_command is None
