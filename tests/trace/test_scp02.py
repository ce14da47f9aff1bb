"""Decoding SCP02 in traces: osmocom pySim's recorded SCP02 session (tests/unittests/
test_globalplatform.py, SCP02_Test: INITIALIZE UPDATE, EXTERNAL AUTHENTICATE, four C-MACed
APDUs at level 01) decodes to the plain APDUs; a tampered C-MAC fails its exchange only."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.cli import cli
from cardwire.errors import SecureChannelError
from cardwire.sm.scp02 import StaticKeys
from cardwire.trace.decode import decode_trace
from cardwire.trace.scp02 import Scp02TraceObserver
from cardwire.trace.text import parse

KEYS = ("100102030405060708090a0b0c0d0e0f", "101102030405060708090a0b0c0d0e0f",
        "102102030405060708090a0b0c0d0e0f")  # fmt: skip
CASES = [
    ("80F22002", "84F220020814DB34FA4341DCA8"),
    ("80CA006600", "84CA00660855ED7C5FF069512B00"),
    ("80F220020A4F0212345C054F9F70C5", "84F22002124F0212345C054F9F70C58FC1B380C4228AF8"),
    ("80F28002024F0000", "84F280020A4F003B95F09317DE6A4E00"),
]
TRACE = [
    "> 805020000840A62C37FA6304F800",
    "< 00000000000000000000700200016B4524ABEE7CF32EA3838BC148F39000",
    "> 8482010010BA6961667737C5BCEBECE14C7D6A4376",
    "< 9000",
]


def observer() -> Scp02TraceObserver:
    enc, mac, dek = (bytes.fromhex(k) for k in KEYS)
    return Scp02TraceObserver(StaticKeys(enc, mac, dek, 0))


def trace(cases: list[tuple[str, str]]) -> str:
    lines = TRACE + [line for _, wire in cases for line in (f"> {wire}", "< 9000")]
    return "\n".join(lines) + "\n"


def test_pysim_session_decodes() -> None:
    entries = decode_trace(parse(trace(CASES)), observer())
    decoded = [entry.decoded for entry in entries[2:]]
    assert all(d is not None and d.mac_ok for d in decoded)
    assert [(d.plain_command or b"").hex().upper() for d in decoded if d] == [p for p, _ in CASES]


def test_a_bad_c_mac_fails_one_exchange_and_decoding_goes_on() -> None:
    cases = list(CASES)
    cases[1] = (cases[1][0], cases[1][1][:-4] + "FF00")
    decoded = [entry.decoded for entry in decode_trace(parse(trace(cases)), observer())[2:]]
    assert [bool(d and d.mac_ok) for d in decoded] == [True, False, True, True]


def test_wrong_keys_are_an_error() -> None:
    wrong = Scp02TraceObserver(StaticKeys(bytes(16), bytes(16), bytes(16), 0))
    with pytest.raises(SecureChannelError):
        decode_trace(parse(trace(CASES)), wrong)


def test_trace_decode_scp02_option(tmp_path: Path) -> None:
    path = tmp_path / "scp02.trace"
    path.write_text(trace(CASES))
    result = CliRunner().invoke(
        cli, ["trace", "decode", "--json", "--scp02", ",".join(KEYS), str(path)]
    )
    assert result.exit_code == 0, result.stderr
    assert "80F220020A4F0212345C054F9F70C5" in result.stdout.upper()
