"""``cardwire sim serve`` as a process against a fake vpcd: ATR, APDUs, SIGTERM saves, exit 0."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardwire.cli import cli
from cardwire.cli.sim_serve_cmd import parse_address, slot_state_path
from cardwire.errors import UsageError
from cardwire.sim.card import SimCard
from cardwire.sim.vpcd import encode_frame

WAIT = 20.0  # seconds: the server process imports cardwire before it connects


def read_frame(conn: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            assert chunk, "the card closed the connection"
            data += chunk
        return data

    return exactly(int.from_bytes(exactly(2), "big"))


def exchange(conn: socket.socket, payload: bytes) -> bytes:
    conn.sendall(encode_frame(payload))
    return read_frame(conn)


def test_serve_answers_vpcd_and_saves_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(WAIT)
        port = listener.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-c", "from cardwire.cli import main; main()", "sim", "serve",
             "--vpcd", f"127.0.0.1:{port}", "--state", str(state)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            conn, _ = listener.accept()
            conn.settimeout(WAIT)
            with conn:
                assert exchange(conn, b"\x04") == SimCard().atr  # vpcd api.rst: 04 = get ATR
                # VERIFY PIN 01 with a wrong PIN: 63C2, and the counter change is card state
                assert exchange(conn, bytes.fromhex("002000010430303030")) == b"\x63\xc2"
                conn.sendall(encode_frame(b"\x02"))  # reset: no reply
                assert exchange(conn, b"\x04") == SimCard().atr
        finally:
            os.kill(server.pid, signal.SIGTERM)
            _, stderr = server.communicate(timeout=WAIT)
    assert server.returncode == 0, stderr
    assert f"connected 127.0.0.1:{port}" in stderr.decode()
    reloaded = SimCard.from_files(None, state)
    assert reloaded.process(bytes.fromhex("0020000100")) == b"\x63\xc2"  # 2 tries left


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("127.0.0.1:35963", ("127.0.0.1", 35963)),
        ("localhost:4000", ("localhost", 4000)),
        ("10.0.0.2", ("10.0.0.2", 35963)),
        ("[::1]:35964", ("::1", 35964)),
    ],
)
def test_parse_address(text: str, address: tuple[str, int]) -> None:
    assert parse_address(text) == address


@pytest.mark.parametrize("text", ["host:port", "host:0", "host:70000"])
def test_bad_address_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--vpcd"):
        parse_address(text)


def test_bad_address_exits_2() -> None:
    result = CliRunner().invoke(cli, ["sim", "serve", "--vpcd", "localhost:x"])
    assert result.exit_code == 2
    assert "--vpcd" in result.output


@pytest.mark.parametrize(
    ("state", "slot", "path"),
    [
        (None, 1, None),
        (Path("card.json"), 0, Path("card.json")),
        (Path("dir/card.json"), 1, Path("dir/card.slot1.json")),
        (Path("card.yaml"), 2, Path("card.slot2.yaml")),
    ],
)
def test_each_slot_has_its_own_state_file(state: Path | None, slot: int, path: Path | None) -> None:
    assert slot_state_path(state, slot) == path


def test_serve_with_a_profile_that_is_not_utf8_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "card.yaml"
    path.write_bytes(b"card:\n  atr: \xff\n")
    result = CliRunner().invoke(cli, ["sim", "serve", "--profile", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [f"error: {path}: not a UTF-8 text file (at offset 13)"]
