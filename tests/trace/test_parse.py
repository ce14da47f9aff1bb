"""Reading traces: cardwire's format, scriptor output and the APDU log of ``pcscd -a``."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.errors import DecodeError
from cardwire.trace.parse import Exchange, ParsedTrace, Reset, TraceFormat, parse, read
from cardwire.tracing import Trace, format_trace

DATA = Path(__file__).parent / "data"
SELECT = bytes.fromhex("00A4040C0AF0636172647769726500")
GET_CHALLENGE = bytes.fromhex("0084000008")
# The two exchanges of the captured run (tests/trace/data/README.md).
CAPTURED = [(SELECT, bytes.fromhex("9000")), (GET_CHALLENGE, bytes.fromhex("BB3638AC09DA48EB9000"))]


def pairs(trace: ParsedTrace) -> list[tuple[bytes, bytes]]:
    return [(item.command, item.response) for item in trace.exchanges]


# --- cardwire's format -------------------------------------------------------------------------

LENIENT_CASES = [
    ("plain", "> 00A4040C\n< 9000\n", [("00A4040C", "9000")]),
    ("lower case, spaces, colons", ">00 a4:04 0c\n<  90:00", [("00A4040C", "9000")]),
    (
        "text after ' : ' ignored",
        "> 00B0000002 : READ\n< 1234 9000 : Normal processing.",
        [("00B0000002", "12349000")],
    ),
    (
        "blank lines and comments",
        "\n# hello\n\n> 00A4040C\n\n< 6A82\n# bye\n",
        [("00A4040C", "6A82")],
    ),
    ("leading indentation", "   > 00A4040C\n\t< 9000", [("00A4040C", "9000")]),
    (
        "two exchanges",
        "> 00A4040C\n< 9000\n> 00B00000\n< 6986",
        [
            ("00A4040C", "9000"),
            ("00B00000", "6986"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in LENIENT_CASES], ids=[c[0] for c in LENIENT_CASES]
)
def test_cardwire_format_is_read_leniently(text: str, expected: list[tuple[str, str]]) -> None:
    trace = parse(text)
    assert trace.source is TraceFormat.CARDWIRE
    assert pairs(trace) == [(bytes.fromhex(c), bytes.fromhex(r)) for c, r in expected]


def test_headers_and_reset_lines() -> None:
    text = (
        "# atr: 3b 88 01 00\n# reader: Virtual PCD 00 00\n# time: 2026-01-01T12:00:00+00:00\n"
        "# a note\n> 00A4040C\n< 9000\n# reset\n> 00A4040C\n< 9000\n# atr: 3B00\n"
    )
    trace = parse(text)
    assert trace.atr == bytes.fromhex("3B880100")
    assert trace.reader == "Virtual PCD 00 00"
    assert trace.time == "2026-01-01T12:00:00+00:00"
    assert [type(item) for item in trace.items] == [Exchange, Reset, Exchange]
    assert trace.items[1] == Reset(line=7)
    assert trace.comments == ("a note", "atr: 3B00")  # only the first header of a kind counts
    assert [item.line for item in trace.exchanges] == [5, 8]


MALFORMED = [
    ("response first", "< 9000", 1),
    ("two commands", "> 00A4040C\n> 00A4040C\n< 9000", 2),
    ("bad hex", "> 00A4040C\n< 90G0", 2),
    ("odd digits", "> 00A4040\n< 9000", 1),
    ("response shorter than SW", "> 00A4040C\n< 90", 2),
    ("command shorter than a header", "> 00A404\n< 9000", 1),
    ("unmarked line", "> 00A4040C\n< 9000\nhello", 3),
    ("command without response", "# x\n> 00A4040C\n", 2),
    ("reset inside an exchange", "> 00A4040C\n# reset\n< 9000", 2),
    ("bad atr header", "# atr: 3BXX\n> 00A4040C\n< 9000", 1),
]


@pytest.mark.parametrize(
    ("text", "line"), [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_malformed_input_names_the_line(text: str, line: int) -> None:
    with pytest.raises(DecodeError, match=rf"^trace line {line}: "):
        parse(text)


def test_undecodable_file_is_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "binary.trace"
    path.write_bytes(b"> 00A4\xff\n")
    with pytest.raises(DecodeError, match="not a UTF-8 text file"):
        read(path)


def test_written_traces_read_back(tmp_path: Path) -> None:
    written = Trace(exchanges=tuple(CAPTURED), atr=b"\x3b\x00", reader="r", time="t")
    path = tmp_path / "t.trace"
    path.write_text(format_trace(written), encoding="utf-8")
    back = read(path)
    assert back.to_trace() == written


_exchange = st.tuples(st.binary(min_size=4, max_size=40), st.binary(min_size=2, max_size=40))


@given(st.lists(_exchange, max_size=8), st.binary(max_size=20))
def test_round_trip_through_the_writer(exchanges: list[tuple[bytes, bytes]], atr: bytes) -> None:
    trace = Trace(exchanges=tuple(exchanges), atr=atr, reader="reader", time="now")
    assert parse(format_trace(trace)).to_trace() == trace


@given(st.text(alphabet="<># :0123456789ABCDEFabcdefxyz \n\t", max_size=200))
def test_any_text_gives_a_trace_or_a_decode_error(text: str) -> None:
    try:
        trace = parse(text)
    except DecodeError as exc:
        assert str(exc).startswith("trace line ")
    else:
        for item in trace.exchanges:
            assert len(item.command) >= 4 and len(item.response) >= 2


# --- scriptor output ---------------------------------------------------------------------------


def test_scriptor_output_reads_back() -> None:
    # Captured: scriptor (pcsc-tools 1.6.2) against the simulated card (data/README.md).
    trace = read(DATA / "scriptor_output.txt")
    assert trace.source is TraceFormat.SCRIPTOR
    assert trace.reader == "Virtual PCD 00 00"
    assert pairs(trace) == CAPTURED
    reset = trace.items[1]
    assert isinstance(reset, Reset)
    assert reset.atr == bytes.fromhex("3B88010073FE21DF0590006F")


# --- pcscd -a ----------------------------------------------------------------------------------


def test_real_pcscd_apdu_log() -> None:
    # Captured: `pcscd --foreground --apdu` (pcsc-lite 1.9.9) during the same scriptor run.
    trace = read(DATA / "pcscd_apdu.log")
    assert trace.source is TraceFormat.PCSCD
    assert pairs(trace) == CAPTURED
    assert [item.line for item in trace.exchanges] == [1, 3]


def test_pcscd_colour_log_with_thread_ids() -> None:
    # pcsc-lite src/debuglog.c log_line() with colours (pcscd -T): the time delta in cyan
    # ("\33[36m%.8d\33[0m"), then " [thread] ", the message; other lines are ignored.
    cyan, normal = "\x1b[36m", "\x1b[0m"
    text = (
        f"{cyan}00000000{normal} [140245] {normal}pcscdaemon.c:358:main() pcscd set to foreground\n"
        f"{cyan}00001234{normal} [140246] APDU: 00 84 00 00 08 \n"
        f"{cyan}00000200{normal} [140246] SW: BB 36 38 AC 09 DA 48 EB 90 00 \n"
    )
    trace = parse(text)
    assert trace.source is TraceFormat.PCSCD
    assert pairs(trace) == [CAPTURED[1]]


PCSCD_MALFORMED = [
    ("SW first", "00000000 SW: 90 00 \n", 1),
    ("two APDUs", "00000000 APDU: 00 A4 04 0C \n00000001 APDU: 00 A4 04 0C \n", 2),
    ("short APDU", "00000000 APDU: 00 A4 \n00000001 SW: 90 00 \n", 1),
]


@pytest.mark.parametrize(
    ("text", "line"), [c[1:] for c in PCSCD_MALFORMED], ids=[c[0] for c in PCSCD_MALFORMED]
)
def test_pcscd_malformed_names_the_line(text: str, line: int) -> None:
    with pytest.raises(DecodeError, match=rf"^trace line {line}: "):
        parse(text)


def test_pcscd_failed_transmit_is_skipped_with_a_note() -> None:
    # pcsc-lite src/ifdwrapper.c logs the receive buffer even when IFDHTransmitToICC failed.
    text = "00000000 APDU: 00 A4 04 0C \n00000001 SW: \n00000002 APDU: 00 84 00 00 08 \n"
    trace = parse(text)
    assert trace.exchanges == ()
    assert len(trace.comments) == 2
