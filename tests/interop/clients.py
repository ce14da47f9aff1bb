"""Helpers for the client tests (tests/interop/test_clients_*.py): run a program nobody here
wrote, with a deadline, and name it with its version in every failure message."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pcsc_stack import give_up

CLIENT_TIMEOUT = 60  # seconds for one client run
CONSOLE_OUTPUT_LIMIT = 1_000_000  # bytes of a console client's output kept
NODE_DIR = Path(__file__).with_name("node")  # package.json + package-lock.json (pinned)


def debian_version(package: str) -> str:
    """``package version`` as dpkg has it installed (scripts/system-deps.sh installs it)."""
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        give_up(f"Debian package {package} is not installed (run scripts/system-deps.sh as root)")
    return f"{package} {done.stdout.strip()}"


def run_client(
    client: str,
    *command: str,
    stdin: str | None = None,
    cwd: Path | None = None,
    home: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one client command; a missing binary is a skip (a failure under CI=true)."""
    if shutil.which(command[0]) is None:
        give_up(f"{client}: no {command[0]} binary")
    extra = {**(env or {}), **({} if home is None else {"HOME": str(home)})}
    try:
        return subprocess.run(
            command,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=CLIENT_TIMEOUT,
            check=False,
            cwd=cwd,
            env={**os.environ, **extra} if extra else None,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        raise AssertionError(
            f"{client}: no exit within {CLIENT_TIMEOUT} s: {out[-3000:]}"
        ) from None


def said(client: str, done: subprocess.CompletedProcess[str]) -> str:
    """The failure message: the client, its version, its exit status and its own words."""
    return f"{client} exited {done.returncode}: {done.stderr.strip()} {done.stdout.strip()}"


def run_console_client(
    client: str, *command: str, answers: str, home: Path, output: Path
) -> tuple[int | None, str]:
    """Run a console client that reads its answers with ``fgets`` and loops on end of input
    (cardpeek): the answers are written to a pipe that stays open, so once they are used up
    the client blocks instead of spinning, and it is killed at the deadline. Returns its exit
    status (None when killed) and its output (stdout and stderr, from ``output``)."""
    if shutil.which(command[0]) is None:
        give_up(f"{client}: no {command[0]} binary")
    with output.open("wb") as sink:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HOME": str(home)},
        )
        assert process.stdin is not None
        process.stdin.write(answers.encode())
        process.stdin.flush()
        try:
            status: int | None = process.wait(timeout=CLIENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            status = None
        finally:
            process.stdin.close()
    with output.open("rb") as written:  # bounded: a client gone wrong may write without end
        return status, written.read(CONSOLE_OUTPUT_LIMIT).decode(errors="replace")


def ended(client: str, status: int | None) -> str:
    """How a run_console_client run ended, for failure messages."""
    if status is None:
        return f"{client}: no exit within {CLIENT_TIMEOUT} s (killed)"
    return f"{client} exited {status}"
