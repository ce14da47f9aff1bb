"""The one writer and the one reader: cardwire's format, scriptor output, ``pcscd -a`` logs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.errors import DecodeError
from cardwire.trace.decode import decode_trace
from cardwire.trace.model import FORMAT_VERSION, Exchange, Header, Reset, Trace, TraceFormat
from cardwire.trace.text import format_trace, parse, read, upgraded

DATA = Path(__file__).parent / "data"
SELECT = bytes.fromhex("00A4040C0AF0636172647769726500")
GET_CHALLENGE = bytes.fromhex("0084000008")
# The two exchanges of the captured run (tests/trace/data/README.md).
CAPTURED = [(SELECT, bytes.fromhex("9000")), (GET_CHALLENGE, bytes.fromhex("BB3638AC09DA48EB9000"))]


def pairs(trace: Trace) -> list[tuple[bytes, bytes]]:
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
    assert trace.header.atr == bytes.fromhex("3B880100")
    assert trace.header.reader == "Virtual PCD 00 00"
    assert trace.header.time == "2026-01-01T12:00:00+00:00"
    assert trace.header.version == 0  # written before the version header existed
    assert [type(item) for item in trace.events] == [Exchange, Reset, Exchange]
    assert trace.events[1] == Reset()
    assert trace.events[1].line == 7
    assert trace.comments == ("a note", "atr: 3B00")  # only the first header of a kind counts
    assert [item.line for item in trace.exchanges] == [5, 8]


MALFORMED = [
    ("response first", "< 9000", 1),
    ("two commands", "> 00A4040C\n> 00A4040C\n< 9000", 2),
    ("bad hex", "> 00A4040C\n< 90G0", 2),
    ("odd digits", "> 00A4040\n< 9000", 1),
    ("response shorter than SW", "> 00A4040C\n< 90", 2),
    ("empty command", "> \n< 9000", 1),
    ("empty command before an annotation", "> : SELECT\n< 9000", 1),
    ("unmarked line", "> 00A4040C\n< 9000\nhello", 3),
    ("command without response", "# x\n> 00A4040C\n", 2),
    ("reset inside an exchange", "> 00A4040C\n# reset\n< 9000", 2),
    ("bad atr header", "# atr: 3BXX\n> 00A4040C\n< 9000", 1),
    ("bad reset atr", "> 00A4040C\n< 9000\n# reset: 3BXX", 3),
    ("version not a number", "# version: one\n> 00A4040C\n< 9000", 1),
    ("version from the future", f"# x\n# version: {FORMAT_VERSION + 1}\n", 2),
    ("scriptor reset answer with bad hex", "> RESET\n< OK: 3BXX", 2),
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
    header = Header(version=FORMAT_VERSION, tool="t 1", atr=b"\x3b\x00", reader="r", time="t")
    written = Trace((*(Exchange(c, r) for c, r in CAPTURED), Reset(b"\x3b")), header)
    path = tmp_path / "t.trace"
    path.write_text(format_trace(written), encoding="utf-8")
    assert read(path) == written


def test_the_writer_writes_every_header_then_comments_then_events() -> None:
    trace = Trace(
        (Exchange(SELECT, b"\x90\x00"), Reset(), Reset(b"\x3b\x00")),
        Header(tool="cardwire 0.1.0", atr=b"\x3b\x00", reader="Virtual PCD 00 00"),
        comments=("atr: 3B01", "hello"),
    )
    assert format_trace(trace).splitlines() == [
        f"# version: {FORMAT_VERSION}",
        "# tool: cardwire 0.1.0",
        "# atr: 3B00",
        "# reader: Virtual PCD 00 00",
        "# time:",
        "# atr: 3B01",  # a comment: the header came first
        "# hello",
        "> 00A4040C0AF0636172647769726500",
        "< 9000",
        "# reset",
        "# reset: 3B00",
    ]
    assert parse(format_trace(trace)) == upgraded(trace)


_line = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20).map(
    lambda text: " ".join(text.split())
)
_comment = _line.filter(lambda text: text.partition(":")[0].strip().lower() != "reset")
_event = st.one_of(
    st.builds(Exchange, st.binary(min_size=1, max_size=40), st.binary(min_size=2, max_size=40)),
    st.builds(Reset, st.binary(max_size=33)),
)
_header = st.builds(
    Header,
    version=st.just(FORMAT_VERSION),
    tool=_line,
    atr=st.binary(max_size=33),
    reader=_line,
    time=_line,
)
_trace = st.builds(
    Trace,
    st.lists(_event, max_size=8).map(tuple),
    _header,
    st.lists(_comment, max_size=4).map(tuple),
)


@given(_trace)
def test_any_model_written_reads_back_as_the_same_model(trace: Trace) -> None:
    assert parse(format_trace(trace)) == trace


@given(_trace)
def test_the_written_text_is_a_fixed_point(trace: Trace) -> None:
    text = format_trace(trace)
    assert format_trace(parse(text)) == text


@given(st.text(alphabet="<># :0123456789ABCDEFabcdefxyz \n\t", max_size=200))
def test_any_text_gives_a_trace_or_a_decode_error(text: str) -> None:
    try:
        trace = parse(text)
    except DecodeError as exc:
        assert str(exc).startswith("trace line ")
    else:
        for item in trace.exchanges:
            assert len(item.command) >= 1 and len(item.response) >= 2


# --- scriptor output ---------------------------------------------------------------------------


def test_scriptor_output_reads_back() -> None:
    # Captured: scriptor (pcsc-tools 1.6.2) against the simulated card (data/README.md).
    trace = read(DATA / "scriptor_output.txt")
    assert trace.source is TraceFormat.SCRIPTOR
    assert trace.header.reader == "Virtual PCD 00 00"
    assert pairs(trace) == CAPTURED
    assert trace.events[1] == Reset(bytes.fromhex("3B88010073FE21DF0590006F"))


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
    ("empty APDU", "00000000 APDU: \n00000001 SW: 90 00 \n", 1),
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


# --- what the two old readers disagreed on (issue 16 item 2) -------------------------------------


def test_a_reset_line_is_an_event_never_a_comment() -> None:
    # The old library reader (tracing.parse_trace) kept "# reset" as a comment.
    trace = parse("> 00A4040C\n< 9000\n# reset\n# Reset: 3B00\n")
    assert trace.events[1:] == (Reset(), Reset(b"\x3b\x00"))
    assert trace.comments == ()


def test_annotated_lines_and_short_commands_read_in_every_consumer() -> None:
    # "< 9000 : ok" was refused by the old library reader, a 2-byte command by the old
    # decoder's reader: a trace keeps the wire as it went, so both read everywhere now.
    trace = parse("> 00A4 : too short\n< 6700 : Wrong length\n> 00\n< 6D00\n")
    assert pairs(trace) == [(b"\x00\xa4", b"\x67\x00"), (b"\x00", b"\x6d\x00")]
    assert [entry.decoded for entry in decode_trace(trace)] == [None, None]


# --- every accepted line shape ---------------------------------------------------------------

SHAPES = [
    ("command", "> 00A4040C", None),
    ("command without space", ">00a4040c", None),
    ("command with annotation", "> 00A4040C : SELECT", None),
    ("atr header", "# atr: 3B 00", Header(atr=b"\x3b\x00")),
    ("reader header", "# reader:  Virtual PCD 00 00 ", Header(reader="Virtual PCD 00 00")),
    ("time header", "# time: 2026-01-01T12:00:00+00:00", Header(time="2026-01-01T12:00:00+00:00")),
    ("tool header", "# tool: cardwire 0.1.0", Header(tool="cardwire 0.1.0")),
    ("version header", "# Version: 1", Header(version=1)),
    ("empty header", "# reader:", Header()),
]


@pytest.mark.parametrize(("line", "header"), [c[1:] for c in SHAPES], ids=[c[0] for c in SHAPES])
def test_every_header_and_command_shape(line: str, header: Header | None) -> None:
    text = f"{line}\n< 9000\n" if header is None else f"{line}\n> 00A4040C\n< 9000\n"
    trace = parse(text)
    assert pairs(trace) == [(bytes.fromhex("00A4040C"), b"\x90\x00")]
    assert trace.header == (header or Header())


RESPONSE_SHAPES: list[tuple[str, str]] = [
    ("plain", "< 6A82"),
    ("spaces and colons", "< 6a 82"),
    ("annotation", "< 6A82 : File or application not found."),
    ("indented", "\t<6A:82"),
]


_RESPONSE_IDS = [c[0] for c in RESPONSE_SHAPES]


@pytest.mark.parametrize("line", [c[1] for c in RESPONSE_SHAPES], ids=_RESPONSE_IDS)
def test_every_response_shape(line: str) -> None:
    assert pairs(parse(f"> 00A4040C\n{line}")) == [(bytes.fromhex("00A4040C"), b"\x6a\x82")]


def test_scriptor_reset_without_an_atr_and_forced_dialects() -> None:
    text = "Using T=1 protocol\n> RESET\n< failed\nexit\n"
    assert parse(text).events == (Reset(),)
    with pytest.raises(DecodeError, match=r"^trace line 1: expected"):
        parse(text, TraceFormat.CARDWIRE)
    pcscd = (DATA / "pcscd_apdu.log").read_text(encoding="utf-8")
    assert parse(pcscd, TraceFormat.PCSCD).source is TraceFormat.PCSCD
    # A '#' line makes it cardwire's format, where a pcscd line is malformed.
    with pytest.raises(DecodeError, match=r"^trace line 2: expected"):
        parse("# only a comment\n00000000 APDU: 00 A4\n")


def test_existing_traces_in_the_repository_still_read() -> None:
    trace = read(DATA / "keycard_session.trace")
    assert trace.header.version == 0 and trace.header.reader == "cardwire simulated card"
    assert len(trace.exchanges) >= 2
