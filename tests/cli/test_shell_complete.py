"""Tab completion of ``cardwire shell``: the candidates for each kind of word, and readline
on a pseudo-terminal (what a user sees when pressing Tab), with the prompt following along."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardwire.cli.shell_complete import candidates
from cardwire.cli.shell_session import ShellSession
from cardwire.sim import open_card
from pty_session import PtySession


def test_command_names_and_options() -> None:
    session = ShellSession(open_card())
    assert candidates(session, "up") == ["update-binary", "update-record"]
    assert candidates(session, "verify --p") == ["--pad-ff"]
    assert candidates(session, "frob x") == []


def test_protocols_then_their_options() -> None:
    session = ShellSession(open_card())
    assert candidates(session, "open ") == [
        "bac",
        "counter",
        "keycard",
        "pace",
        "scp02",
        "scp03",
        "scp11",
    ]
    assert "--can" in candidates(session, "open pace --")
    assert candidates(session, "open pace --ca") == ["--can"]


def test_files_seen_so_far_channels_and_dictionaries() -> None:
    session = ShellSession(open_card())
    assert candidates(session, "select 50") == []
    session.run_line("select 3F00/5000/5001")
    session.run_line("select ../5002")
    assert candidates(session, "select 500") == ["5000", "5001", "5002"]
    assert "3F00/5000/5001" in candidates(session, "select 3F00/5000/")
    assert candidates(session, "select .") == [".."]
    session.run_line("open-channel")
    assert candidates(session, "channel ") == ["0", "1"]
    assert candidates(session, "decode i") == ["iso7816", "icao"]


def test_relative_parent_paths() -> None:
    # issue 18: `../` paths complete from the DF that `..` selects, as the shell resolves it
    session = ShellSession(open_card())
    session.run_line("select 3F00/5000/5001")
    session.run_line("select ../5002")
    assert candidates(session, "select ../") == ["../..", "../5001", "../5002"]
    assert candidates(session, "select ../500") == ["../5001", "../5002"]
    assert candidates(session, "select ../../") == ["../../..", "../../5000"]
    assert candidates(session, "select ../../5000/") == ["../../5000/5001", "../../5000/5002"]
    assert candidates(session, "get ../5001") == ["../5001"]
    session.run_line("select ..")  # now in DF 5000: `..` is the MF
    assert candidates(session, "select ../") == ["../..", "../5000"]


def test_relative_path_completes_on_a_terminal(tmp_path: Path) -> None:
    shell = PtySession("shell", "--sim", home=tmp_path)
    try:
        shell.expect(r"cardwire\[0\]> $")
        shell.send("select 3F00/5000/5001\r")
        shell.expect(r"cardwire\[0:3F00/5000/5001\]> $")
        shell.send("select ../../50\t")
        shell.expect(r"select \.\./\.\./5000 $")
        shell.send("\x15select ../5002\r")  # Ctrl-U: drop the line; 5002 is seen now
        shell.expect(r"cardwire\[0:3F00/5000/5002\]> $")
        shell.send("select ../500\t\t")  # two Tabs: the list of the candidates
        screen = shell.expect(r"\.\./5001 +\.\./5002")
        shell.send("\x15exit\r")
        shell.read_all()
    finally:
        shell.close()
    assert screen


def test_local_file_names_for_get(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dump.bin").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    assert candidates(ShellSession(open_card()), "get 5001 du") == ["dump.bin"]


def test_tab_completes_on_a_terminal_and_the_prompt_follows(tmp_path: Path) -> None:
    shell = PtySession("shell", "--sim", home=tmp_path)
    try:
        shell.expect(r"cardwire\[0\]> $")
        shell.send("sel\t")
        shell.expect(r"select $")
        shell.send("3F00/5000/5001\r")
        shell.expect(r"cardwire\[0:3F00/5000/5001\]> $")
        shell.send("select 500\t\t")  # two Tabs: the list of the candidates
        screen = shell.expect(r"5000 +5001")
        shell.send("\x15")  # Ctrl-U: drop the line
        shell.send("open pa\t")
        shell.expect(r"open pace $")
        shell.send("--c\t")
        shell.expect(r"--can $")
        shell.send("123456\r")
        shell.expect(r"cardwire\[0:3F00/5000/5001 pace\]> $")
        shell.send("exit\r")
        shell.read_all()
    finally:
        shell.close()
    assert screen


def test_a_pin_left_off_is_asked_without_echo(tmp_path: Path) -> None:
    shell = PtySession("shell", "--sim", home=tmp_path)
    try:
        shell.expect(r"cardwire\[0\]> $")
        shell.send("select 3F00/5000\r")
        shell.expect(r"cardwire\[0:3F00/5000\]> $")
        shell.send("verify 1\r")
        shell.expect(r"PIN: $")
        shell.send("1234\r")
        screen = shell.expect(r"cardwire\[0:3F00/5000\]> $")
        shell.send("exit\r")
        shell.read_all()
    finally:
        shell.close()
    assert "sw: 9000" in screen
    assert "1234" not in screen
    assert "1234" not in (tmp_path / ".cardwire_history").read_text()
