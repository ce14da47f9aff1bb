"""Each foreign reader on a sample of its tool's output (tests/trace/samples/README.md names the
sources), autodetected; garbage in each format is a one-line error naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardwire.errors import DecodeError
from cardwire.sm.scp03 import StaticKeys
from cardwire.trace.decode import decode_trace
from cardwire.trace.model import TraceFormat
from cardwire.trace.scp03 import Scp03TraceObserver
from cardwire.trace.text import parse, read

SAMPLES = Path(__file__).parent.parent / "samples"
# The yubikit SCP03 session: SELECT ISD, GET DATA CPLC, INITIALIZE UPDATE, EXTERNAL
# AUTHENTICATE, then GET DATA 0066 under C-MAC/C-DEC/R-MAC/R-ENC.
PLAIN_GET_DATA = bytes.fromhex("00CA0066")


@pytest.mark.parametrize(
    ("name", "source", "exchanges"),
    [
        ("ykman_scp03.log", TraceFormat.YKMAN, 8),  # 61xx + GET RESPONSE on the wire
        ("gpp_debug.log", TraceFormat.GPP, 5),  # javax.smartcardio joined the 61xx pieces
        ("pysim_apdu_trace.txt", TraceFormat.PYSIM, 5),
    ],
)
def test_scp03_session_sample_reads_and_decodes(
    name: str, source: TraceFormat, exchanges: int
) -> None:
    trace = read(SAMPLES / name)
    assert trace.source is source
    assert len(trace.exchanges) == exchanges
    assert trace.exchanges[0].command == bytes.fromhex("00A4040008A000000151000000")
    entries = decode_trace(trace, Scp03TraceObserver(StaticKeys.default()))
    decoded = [entry.decoded for entry in entries if entry.decoded is not None]
    assert len(decoded) == 1 and decoded[0].mac_ok
    assert decoded[0].plain_command == PLAIN_GET_DATA
    assert decoded[0].plain_response is not None
    assert decoded[0].plain_response.startswith(bytes.fromhex("6631"))  # yubikit's plaintext


def test_gpp_header_gives_reader_and_atr() -> None:
    trace = read(SAMPLES / "gpp_debug.log")
    assert trace.header.reader == "Virtual PCD 00 00"
    assert trace.header.atr == bytes.fromhex("3B88010073FE21DF0590006F")


def test_opensc_debug_log_multiline_dumps() -> None:
    trace = read(SAMPLES / "opensc_debug.log")
    assert trace.source is TraceFormat.OPENSC
    assert len(trace.exchanges) == 52  # opensc-tool's card-driver probing, then -s APDUs
    assert trace.exchanges[0].command == bytes.fromhex("00A4040007627601FF000000")
    assert trace.exchanges[0].response == bytes.fromhex("6A82")
    # A 17-byte command spans two dump lines.
    assert trace.exchanges[2].command == bytes.fromhex("00A404000BE82B0601040181C31F020100")
    assert trace.exchanges[-1].command == bytes.fromhex("0084000008")
    assert len(trace.exchanges[-1].response) == 10


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("A>> T=1 (4+0000) 00A40400 0G\nA<< (0000+2) (1ms) 9000\n", 1),
        ("x\nDEBUG [ykman.pcsc] SEND: 00a4\nDEBUG RECV: zz SW=9000\n", 3),
        ("-> 00a4040000 \n<- 9000: 6f0\n", 2),
        ("-> 00a4040000 \n-> x\n", 2),
        ("Outgoing APDU (4 bytes):\n00 A4 ....\n", 2),
    ],
)
def test_garbage_is_one_line_error_naming_the_line(text: str, line: int) -> None:
    with pytest.raises(DecodeError) as raised:
        parse(text)
    message = str(raised.value)
    assert f"trace line {line}:" in message and "\n" not in message


def test_format_is_forced() -> None:
    text = (SAMPLES / "pysim_apdu_trace.txt").read_text()
    assert parse(text, TraceFormat.PYSIM).source is TraceFormat.PYSIM
    # Read as cardwire's own format, pySim's "->" lines are not cardwire lines.
    with pytest.raises(DecodeError, match="trace line 1:"):
        parse(text, TraceFormat.CARDWIRE)
