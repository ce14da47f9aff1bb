"""The shell's commands through ``cardwire shell --sim`` with piped stdin (the click runner):
file navigation, FCP decoded, cat/get, writes, PINs, get-data/decode, B1 reads, and what it
says after a secure-messaging error. The interpreter alone for the PIN asked without echo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.card import ReadProgress
from cardwire.cli import cli
from cardwire.cli.shell_session import ShellSession
from cardwire.sim import open_card

OK = "sw: 9000 (normal processing: no further qualification)"


def run(script: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["shell", "--sim"], input=script)
    return result.exit_code, result.stdout, result.stderr


def test_select_by_path_shows_the_fcp_decoded_not_raw() -> None:
    code, out, err = run("select 3F00/5000/5003\n")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "file: EF 5003 transparent, 14 bytes, SFI 3, operational (activated); "
        "read: PIN, update: PIN, append: PIN",
        OK,
    ]


def test_a_path_stops_at_the_first_refusal() -> None:
    code, out, err = run("select 3F00/5099/5001\n")
    assert code == 1
    assert "sw: 6A82" in out
    assert "select 3F00/5099/5001: stopped at 5099" in err


def test_the_prompt_follows_path_parent_mf_and_applications() -> None:
    session = ShellSession(open_card())
    assert session.prompt == "cardwire[0]> "
    session.run_line("select 3F00/5000/5001")
    assert session.prompt == "cardwire[0:3F00/5000/5001]> "
    session.run_line("select ..")  # from an EF: the DF holding it
    assert session.prompt == "cardwire[0:3F00/5000]> "
    session.run_line("select ..")  # from a DF: its parent
    assert session.prompt == "cardwire[0:3F00]> "
    session.run_line("select 5000")
    session.run_line("select MF")
    assert session.prompt == "cardwire[0:3F00]> "
    session.run_line("select F0636172647769726502")
    session.run_line("select 6001")
    assert session.prompt == "cardwire[0:F0636172647769726502/6001]> "
    session.run_line("open-channel")
    session.run_line("channel 1")
    assert session.prompt == "cardwire[1]> "  # each channel has its own place


def test_ls_lists_the_files_seen_in_the_current_df() -> None:
    _, out, _ = run("select 3F00/5000\nls\nselect 5001\nselect 5002\nselect ..\nls\n")
    lines = out.splitlines()
    assert "(no file seen under 3F00/5000 yet; select one)" in lines
    assert lines[-2].startswith("5001  EF 5001 transparent, 29 bytes, SFI 1")
    assert lines[-1].startswith("5002  EF 5002 linear fixed, 4 records of 16 bytes")


def test_cat_reads_a_whole_transparent_ef_and_every_record() -> None:
    code, out, _ = run("select 3F00/5000/5006\ncat\nselect ../5005\ncat\n")
    assert code == 0
    expected = bytes(i % 251 for i in range(40000)).hex().upper()
    assert f"data: {expected}" in out.splitlines()
    assert "(40000 bytes)" in out
    assert '  text: "one"' in out and '  text: "three"' in out
    assert out.count("record ") == 3


def test_get_saves_an_ef_to_a_local_file(tmp_path: Path) -> None:
    target = tmp_path / "hello.bin"
    code, out, _ = run(f"get 3F00/5000/5001 {target}\n")
    assert code == 0
    assert target.read_bytes() == b"Hello from the cardwire card."
    assert f"29 bytes of 3F00/5000/5001 saved to {target}" in out


def _recording_bars(
    seen: dict[str, list[tuple[int, int | None]]],
) -> Callable[[str], AbstractContextManager[ReadProgress | None]]:
    @contextmanager
    def bars(label: str) -> Iterator[ReadProgress]:
        calls = seen.setdefault(label, [])
        yield lambda done, total: calls.append((done, total))

    return bars


def test_cat_reports_its_progress_out_of_the_fcp_size() -> None:
    seen: dict[str, list[tuple[int, int | None]]] = {}
    card = open_card(trace=True)
    session = ShellSession(card, read_bars=_recording_bars(seen))
    session.run_line("select 3F00/5000/5006")
    assert card.trace is not None
    before = len(card.trace.entries)
    assert not session.run_line("cat").failed
    calls = seen["EF 3F00/5000/5006"]
    assert calls[-1] == (40000, 40000)
    assert {total for _, total in calls} == {40000}  # the FCP's size, tag 80
    assert len(calls) == len(card.trace.entries) - before  # one call per READ BINARY


def test_cat_of_a_record_ef_reports_each_record() -> None:
    seen: dict[str, list[tuple[int, int | None]]] = {}
    session = ShellSession(open_card(), read_bars=_recording_bars(seen))
    session.run_line("select 3F00/5000/5005")
    assert not session.run_line("cat").failed
    assert seen["EF 3F00/5000/5005"] == [(3, None), (6, None), (11, None)]  # one, two, three


def test_update_binary_and_update_record_write_the_card() -> None:
    code, out, err = run(
        "select 3F00/5000/5008\nupdate-binary 3 414243\nread-binary 0 6\n"
        "select ../5005\nupdate-record 2 AABB\nread-record 2\n"
    )
    assert (code, err) == (0, "")
    assert "data: 000000414243" in out
    assert "data: AABB" in out


def test_change_pin_and_unblock_pin() -> None:
    code, _, err = run(
        "select 3F00/5000\nchange-pin 1 1234 4321\nverify 1 4321\n"
        "verify 1 0000\nverify 1 0000\nverify 1 0000\nunblock-pin 1 12345678 1234\n"
        "verify 1 1234\n"
    )
    assert code == 1  # the three wrong PINs
    assert err == ""
    code, out, _ = run(
        "select 3F00/5000\nchange-pin 1 1234 4321\nverify 1 4321\nunblock-pin 1 12345678 1234\n"
        "verify 1 1234\n"
    )
    assert code == 0
    assert out.count(OK) == 5


def test_verify_pads_with_ff_as_sim_chvs_need() -> None:
    session = ShellSession(open_card())
    session.run_line("select 3F00/5000")
    outcome = session.run_line("verify --pad-ff 1 1234")
    # the simulated card's PIN is 4-8 ASCII bytes: 1234 + FF FF FF FF is another PIN (63C2)
    assert outcome.failed and "sw: 63C2" in outcome.lines[-1]
    assert session.run_line("verify --pad-ff 1 123456789").lines == [
        "error: --pad-ff: the PIN has more than 8 bytes"
    ]


def test_verify_without_pin_asks_for_it() -> None:
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return "1234"

    session = ShellSession(open_card(), ask)
    session.run_line("select 3F00/5000")
    assert session.run_line("verify 1").lines == [OK]
    assert session.run_line("change-pin 1").lines == [OK]
    assert asked == ["PIN: ", "current PIN: ", "new PIN: "]


def test_get_data_and_decode_the_last_answer_with_tag_names() -> None:
    code, out, _ = run("select A000000151000000\nget-data 66\ndecode\ndecode icao\n")
    assert code == 0
    lines = out.splitlines()
    assert "66 card data (application 6, constructed) len 49" in lines
    assert "  73 card recognition data (application 19, constructed) len 47" in lines
    assert "66 DG6 (application 6, constructed) len 49" in lines


def test_decode_without_data_says_so() -> None:
    code, _, err = run("decode\n")
    assert code == 1
    assert "no answer with data to decode yet" in err


def test_an_odd_read_binary_prints_the_file_bytes_not_do53() -> None:
    code, out, _ = run("select 3F00/5000/5006\nread-binary 39990 4\n")
    assert code == 0
    expected = bytes(i % 251 for i in range(39990, 39994)).hex().upper()
    assert f"data: {expected}" in out.splitlines()
    assert "(the file bytes, from the DO 53 of the answer)" in out


def test_after_a_secure_messaging_error_the_shell_says_how_to_go_on() -> None:
    session = ShellSession(open_card())
    assert not session.run_line("open pace --can 123456").failed
    assert session.prompt == "cardwire[0 pace]> "
    # a protected SELECT of an application outside the ICAO ones (the echo applet): the chip
    # ends the PACE session and answers plain (docs/secure-messaging.md, "SELECT and secure
    # sessions"), which the host refuses
    outcome = session.run_line("select F0636172647769726503")
    assert outcome.failed
    assert "the pace session on channel 0 has ended" in outcome.lines[-1]
    assert "'open pace ...' for a new session, or 'close'" in outcome.lines[-1]
    assert session.prompt == "cardwire[0 pace ended]> "
    assert session.run_line("read-binary 0 4").failed  # still never plain by itself
    session.run_line("close")
    assert session.prompt == "cardwire[0]> "
    assert not session.run_line("select A0000002471001").failed


@pytest.mark.parametrize(
    "line",
    ["change-pin 1 1234 4321", "unblock-pin 1 12345678 1234", "verify --pad-ff 1 1234"],
)
def test_pin_lines_stay_out_of_the_history(line: str) -> None:
    from cardwire.cli.shell_cmd import fit_for_history

    assert not fit_for_history(line)
    assert fit_for_history(line.split(maxsplit=1)[0] + " 1")


def test_a_class_a0_answer_is_explained_as_gsm() -> None:
    code, out, _ = run("A0A40000023F00\n")
    assert code == 1
    assert out == "sw: 6E00 (GSM: wrong instruction class given in the command)\n"


def test_a_failed_open_leaves_no_session_in_the_prompt() -> None:
    session = ShellSession(open_card())
    session.run_line("open pace --can 123456")
    outcome = session.run_line("open pace --can 654321")  # wrong CAN: 6300
    assert outcome.failed
    assert not any("has ended" in line for line in outcome.lines)
    assert session.prompt == "cardwire[0]> "
