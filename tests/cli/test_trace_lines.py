"""``cardwire trace decode`` output: plain lines when piped (one exchange per line, greppable),
a rich table fitted to the terminal, JSON entries with their trace line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cardwire.cli import cli
from pty_session import PtySession

VECTORS = json.loads(
    (Path(__file__).parent.parent / "vectors" / "icao_9303_11_appendix_d.json").read_text()
)
D3, D4 = VECTORS["d3_authentication"], VECTORS["d4_secure_messaging"]
MRZ = "L898902C,690806,940623"
TRACE = (
    "# reader: test\n"
    f"> {D3['get_challenge']}\n< {D3['rnd_ic']}9000\n"
    f"> {D3['external_authenticate']}\n< {D3['resp_data']}9000\n"
    + "".join(f"> {s['protected_command']}\n< {s['protected_response']}\n" for s in D4)
)


def _trace(tmp_path: Path) -> Path:
    path = tmp_path / "icao.trace"
    path.write_text(TRACE, encoding="utf-8")
    return path


def test_piped_output_is_one_line_per_exchange_with_plain_values_and_mac(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["trace", "decode", "--mrz", MRZ, str(_trace(tmp_path))])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 + len(D4)
    assert lines[0] == f"2  {D3['get_challenge']}  {D3['rnd_ic']}9000"
    for line, step in zip(lines[2:], D4, strict=True):
        fields = line.split("  ")
        assert fields[1:] == [
            step["protected_command"],
            step["protected_response"],
            "plain",
            fields[4],
            step["plain_response"],
            "mac ok",
        ]
    # greppable: no box drawing, no field wrapped onto another line
    assert not any(ch in result.stdout for ch in "┃│━─")
    assert [line.split("  ")[0] for line in lines] == ["2", "4", "6", "8", "10", "12"][: len(lines)]


def test_a_failed_mac_says_so_on_its_line(tmp_path: Path) -> None:
    bad = D4[0]["protected_response"]
    bad = bad[:-6] + ("00" if bad[-6:-4] != "00" else "11") + bad[-4:]
    path = tmp_path / "bad.trace"
    path.write_text(TRACE.replace(D4[0]["protected_response"], bad), encoding="utf-8")
    result = CliRunner().invoke(cli, ["trace", "decode", "--mrz", MRZ, str(path)])
    assert "plain  -  -  mac FAILED" in result.stdout.splitlines()[2]


def test_json_entries_carry_their_trace_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["trace", "decode", "--json", str(_trace(tmp_path))])
    assert [entry["line"] for entry in json.loads(result.stdout)][:3] == [2, 4, 6]


def test_a_terminal_gets_a_table_within_80_columns(tmp_path: Path) -> None:
    session = PtySession("trace", "decode", "--mrz", MRZ, str(_trace(tmp_path)), columns=80)
    try:
        screen = session.read_all()
    finally:
        session.close()
    assert "MAC" in screen and "ok" in screen
    assert "┃" in screen
    assert max(len(line) for line in screen.splitlines()) <= 80
