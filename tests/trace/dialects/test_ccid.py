"""The USB CCID reader on captures built frame by frame (tests/trace/dialects/ccid_capture.py
names the specifications), each checked first by tshark's own USB CCID dissector."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.cli.app import cli
from cardwire.errors import DecodeError
from cardwire.trace.decode import decode_trace
from cardwire.trace.dialects import ccid
from cardwire.trace.iso_sm import IsoSmObserver
from cardwire.trace.model import Exchange, Reset, TraceFormat
from cardwire.trace.text import read

from .ccid_capture import (
    FEATURES_EXTENDED_APDU,
    FEATURES_TPDU,
    Capture,
    data_block,
    power_on,
    t1_block,
    xfr_block,
)

ATR = bytes.fromhex("3B88010073FE21DF0590006F")
SELECT = bytes.fromhex("00A4040C0AF0636172647769726501")
# An extended-length command and answer (ISO 7816-4 5.1: Lc 00 HH LL), split over two CCID
# messages each at extended APDU level.
LONG_COMMAND = bytes.fromhex("00DA0000000120") + bytes(range(256)) + bytes(range(32))
LONG_ANSWER = bytes(range(200)) * 2 + bytes.fromhex("9000")
# ICAO Doc 9303-11 Appendix D.3 and D.4 (BAC, then a READ BINARY under secure messaging).
ICAO = [
    ("0084000008", "4608F919887022129000"),
    (
        "008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728",
        "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D74499000",
    ),
    ("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "990290008E08FA855A5D4C50A8ED9000"),
    (
        "0CB000000D9701048E08ED6705417E96BA5500",
        "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
    ),
]

FORMATS = [
    (189, "<", "pcap"),
    (189, ">", "pcapng"),
    (220, "<", "pcapng"),
    (249, "<", "pcap"),
    (249, "<", "pcapng"),
]


def apdu_level(link: int, order: str) -> Capture:
    capture = Capture(link, order)
    capture.descriptor(FEATURES_EXTENDED_APDU)
    capture.exchange(power_on(0), data_block(0, ATR))
    capture.exchange(xfr_block(1, SELECT), data_block(1, bytes.fromhex("9000")))
    # CCID table 6.1-3: 01 begins and continues, 02 continues and ends; 6.2.1 the same for the
    # answer, which the host fetches with an empty XfrBlock of level 10h.
    capture.exchange(xfr_block(2, LONG_COMMAND[:200], level=1), data_block(2, b"", chain=0x10))
    capture.exchange(
        xfr_block(3, LONG_COMMAND[200:], level=2), data_block(3, LONG_ANSWER[:300], chain=1)
    )
    capture.exchange(xfr_block(4, b"", level=0x10), data_block(4, LONG_ANSWER[300:], chain=2))
    capture.exchange(power_on(5), data_block(5, ATR))
    for seq, (command, answer) in enumerate(ICAO, start=6):
        capture.exchange(
            xfr_block(seq, bytes.fromhex(command)), data_block(seq, bytes.fromhex(answer))
        )
    return capture


def write(tmp_path: Path, capture: Capture, container: str) -> Path:
    path = tmp_path / f"capture.{container}"
    path.write_bytes(capture.pcap() if container == "pcap" else capture.pcapng())
    return path


def tshark_ccid(path: Path) -> list[tuple[str, str]]:
    """(frame number, CCID message type) of every frame tshark dissects as USB CCID."""
    if shutil.which("tshark") is None:
        pytest.skip("no tshark (scripts/system-deps.sh installs it)")
    args = ["tshark", "-r", str(path), "-Y", "usbccid", "-T", "fields"]
    args += ["-e", "frame.number", "-e", "usbccid.bMessageType", "-E", "separator=|"]
    done = subprocess.run(args, capture_output=True, text=True, check=True, timeout=60)
    verbose = subprocess.run(
        ["tshark", "-r", str(path), "-V"], capture_output=True, text=True, check=True, timeout=60
    )
    assert "USB CCID" in verbose.stdout
    return [tuple(line.split("|")) for line in done.stdout.splitlines()]  # type: ignore[misc]


@pytest.mark.parametrize(("link", "order", "container"), FORMATS)
def test_apdu_level_capture_is_ccid_for_tshark_and_reads_back(
    tmp_path: Path, link: int, order: str, container: str
) -> None:
    path = write(tmp_path, apdu_level(link, order), container)
    dissected = tshark_ccid(path)
    types = [int(kind, 16) for _, kind in dissected]
    assert types[:4] == [0x62, 0x80, 0x6F, 0x80]  # power on, ATR, XfrBlock, DataBlock
    assert len(types) == 2 * (6 + len(ICAO))  # every CCID message, in order
    trace = read(path)
    assert trace.source is TraceFormat.CCID
    assert trace.header.atr == ATR
    expected = [
        Exchange(SELECT, bytes.fromhex("9000")),
        Exchange(LONG_COMMAND, LONG_ANSWER),
        Reset(ATR),
    ]
    expected += [Exchange(bytes.fromhex(c), bytes.fromhex(r)) for c, r in ICAO]
    assert list(trace.events) == expected
    # Each exchange names the frame of its (first) XfrBlock, as tshark numbers it.
    xfr_frames = [int(frame) for frame, kind in dissected if int(kind, 16) == 0x6F]
    assert trace.events[0].line == xfr_frames[0]


def test_tpdu_level_t1_blocks_are_reassembled(tmp_path: Path) -> None:
    capture = Capture(189)
    capture.descriptor(FEATURES_TPDU)
    capture.exchange(power_on(0), data_block(0, ATR))
    # ISO/IEC 7816-3 11.4.2: S(IFS request) first; then the command in two chained I-blocks
    # (M bit 20h), the card acknowledging the first with R(N(R)=1); a WTX in the middle of the
    # answer; the answer chained in two I-blocks, the host asking for the second with an
    # R-block, and the card's first block sent twice (a retransmission after an R-block).
    capture.exchange(xfr_block(1, t1_block(0xC1, b"\xfe")), data_block(1, t1_block(0xE1, b"\xfe")))
    capture.exchange(
        xfr_block(2, t1_block(0x20, LONG_COMMAND[:254])), data_block(2, t1_block(0x90, b""))
    )
    capture.exchange(
        xfr_block(3, t1_block(0x40, LONG_COMMAND[254:])), data_block(3, t1_block(0xC3, b"\x01"))
    )
    capture.exchange(
        xfr_block(4, t1_block(0xE3, b"\x01")), data_block(4, t1_block(0x20, LONG_ANSWER[:254]))
    )
    capture.exchange(
        xfr_block(5, t1_block(0x81, b"")), data_block(5, t1_block(0x20, LONG_ANSWER[:254]))
    )
    capture.exchange(
        xfr_block(6, t1_block(0x90, b"")), data_block(6, t1_block(0x40, LONG_ANSWER[254:]))
    )
    capture.exchange(
        xfr_block(7, t1_block(0x00, SELECT)), data_block(7, t1_block(0x00, b"\x90\x00"))
    )
    path = write(tmp_path, capture, "pcapng")
    assert [int(kind, 16) for _, kind in tshark_ccid(path)][2:4] == [0x6F, 0x80]
    trace = read(path)
    assert list(trace.events) == [
        Exchange(LONG_COMMAND, LONG_ANSWER),
        Exchange(SELECT, bytes.fromhex("9000")),
    ]


def test_a_bac_session_in_a_capture_decodes() -> None:
    trace = ccid.parse(apdu_level(189, "<").pcap())
    entries = decode_trace(trace, IsoSmObserver.from_mrz("L898902C", "690806", "940623"))
    decoded = [e.decoded for e in entries if e.decoded is not None]
    assert [d.mac_ok for d in decoded] == [True, True]
    assert decoded[1].plain_command == bytes.fromhex("00B0000004")


def test_cli_recognises_a_capture(tmp_path: Path) -> None:
    path = write(tmp_path, apdu_level(249, "<"), "pcapng")
    result = CliRunner().invoke(
        cli, ["trace", "decode", "--json", "--mrz", "L898902C,690806,940623", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert '"plain_command": "00B0000004"' in result.output


def test_garbage_names_the_frame(tmp_path: Path) -> None:
    data = apdu_level(189, "<").pcap()
    with pytest.raises(DecodeError, match=r"capture frame \d+: the packet is cut short"):
        ccid.parse(data[:-3])
    wrong_link = data[:20] + (1).to_bytes(4, "little") + data[24:]
    with pytest.raises(DecodeError, match="capture frame 1: link type 1 is not a USB capture"):
        ccid.parse(wrong_link)
    text = tmp_path / "text.trace"
    text.write_text("> 00A4040000\n< 9000\n")
    result = CliRunner().invoke(cli, ["trace", "decode", "--format", "ccid", str(text)])
    assert result.exit_code == 2
    assert "not a pcap or pcapng file" in result.output


def test_a_capture_without_ccid_is_refused() -> None:
    capture = Capture(189)
    capture.bulk(0x02, b"\x55\x53\x42\x43" + bytes(27))  # a mass-storage command block wrapper
    with pytest.raises(DecodeError, match="no CCID PC_to_RDR_XfrBlock"):
        ccid.parse(capture.pcap())
