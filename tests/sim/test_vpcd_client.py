"""The vpcd socket loop against a fake vpcd (a listening socket in the test): no pcscd needed."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from cardwire.sim.vpcd import encode_frame
from cardwire.sim.vpcd_client import VpcdClient, describe_command, describe_response

WAIT = 5.0  # seconds; every socket operation in these tests gives up after this


class EchoCard:
    atr = b"\x3b\x80\x80\x01\x01"

    def __init__(self) -> None:
        self.powered = True
        self.big_reply = False

    def power_on(self) -> bytes:
        self.powered = True
        return self.atr

    def power_off(self) -> None:
        self.powered = False

    def reset(self) -> bytes:
        return self.atr

    def process(self, apdu: bytes) -> bytes:
        if self.big_reply:
            return bytes(0x10000) + b"\x90\x00"
        return apdu[4:] + b"\x90\x00"


class FakeVpcd:
    """The listening side, as vpcd is: accepts the card and sends it frames."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(WAIT)
        self.port: int = self.listener.getsockname()[1]

    def accept(self) -> socket.socket:
        conn, _ = self.listener.accept()
        conn.settimeout(WAIT)
        return conn

    @staticmethod
    def read_frame(conn: socket.socket) -> bytes:
        def exactly(n: int) -> bytes:
            data = b""
            while len(data) < n:
                chunk = conn.recv(n - len(data))
                assert chunk, "card closed the connection"
                data += chunk
            return data

        size = int.from_bytes(exactly(2), "big")
        return exactly(size)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def vpcd() -> Iterator[FakeVpcd]:
    fake = FakeVpcd()
    yield fake
    fake.close()


@pytest.fixture
def card() -> EchoCard:
    return EchoCard()


@pytest.fixture
def client(vpcd: FakeVpcd, card: EchoCard) -> Iterator[tuple[VpcdClient, list[str]]]:
    connected: list[str] = []
    running = VpcdClient(
        card, "127.0.0.1", vpcd.port, retry_interval=0.05, on_connected=connected.append
    )
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    yield running, connected
    running.stop()
    thread.join(WAIT)
    assert not thread.is_alive(), "stop() did not end run()"


def test_answers_atr_polls_and_apdus_split_across_sends(
    vpcd: FakeVpcd, client: tuple[VpcdClient, list[str]], card: EchoCard
) -> None:
    conn = vpcd.accept()
    with conn:
        # Debian's vpcd sends the length and the payload separately (../shared/protocols.md).
        conn.sendall(b"\x00\x01")
        conn.sendall(b"\x04")
        assert vpcd.read_frame(conn) == card.atr
        conn.sendall(encode_frame(b"\x00\x00\x00\x00\x02\xab\xcd"))
        assert vpcd.read_frame(conn) == b"\x02\xab\xcd\x90\x00"
        # Power off has no reply; the next ATR poll is still answered (api.rst).
        conn.sendall(encode_frame(b"\x00") + encode_frame(b"\x04"))
        assert vpcd.read_frame(conn) == card.atr
        assert card.powered is False
    assert client[1] == [f"127.0.0.1:{vpcd.port}"]


def test_unknown_control_is_ignored(vpcd: FakeVpcd, client: tuple[VpcdClient, list[str]]) -> None:
    conn = vpcd.accept()
    with conn:
        conn.sendall(encode_frame(b"\x09") + encode_frame(b"\x00\x00\x00\x00"))
        assert vpcd.read_frame(conn) == b"\x90\x00"


def test_unframeable_response_becomes_6f00(
    vpcd: FakeVpcd, client: tuple[VpcdClient, list[str]], card: EchoCard
) -> None:
    card.big_reply = True
    conn = vpcd.accept()
    with conn:
        conn.sendall(encode_frame(b"\x00\xb0\x00\x00\x00\x00\x00"))
        assert vpcd.read_frame(conn) == b"\x6f\x00"


def test_reconnects_after_every_drop(
    vpcd: FakeVpcd, client: tuple[VpcdClient, list[str]], card: EchoCard
) -> None:
    vpcd.accept().close()
    conn = vpcd.accept()
    with conn:
        conn.sendall(encode_frame(b"\x04"))
        assert vpcd.read_frame(conn) == card.atr
    vpcd.accept().close()
    # The card reports a connection after vpcd accepted it: wait for the third report.
    deadline = time.monotonic() + WAIT
    while len(client[1]) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client[1] == [f"127.0.0.1:{vpcd.port}"] * 3


def test_stop_while_waiting_for_vpcd(card: EchoCard) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    waiting = VpcdClient(card, "127.0.0.1", port, retry_interval=0.05)
    thread = threading.Thread(target=waiting.run, daemon=True)
    thread.start()
    waiting.stop()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert waiting.stopped


def test_waiting_for_vpcd_is_said_once_then_connected(
    card: EchoCard, caplog: pytest.LogCaptureFixture
) -> None:
    # issue 18: `sim serve` says once that it waits for vpcd at HOST:PORT, not at every retry
    reports: list[str] = []
    with socket.socket() as refused:  # bound, not listening: every connect is refused
        refused.bind(("127.0.0.1", 0))
        port = refused.getsockname()[1]
        client = VpcdClient(
            card,
            "127.0.0.1",
            port,
            retry_interval=0.01,
            on_connected=lambda where: reports.append(f"connected {where}"),
            on_waiting=lambda where: reports.append(f"waiting {where}"),
        )
        caplog.set_level(logging.DEBUG, logger="cardwire.sim.vpcd")
        thread = threading.Thread(target=client.run, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + WAIT
            while caplog.text.count("cannot connect") < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert caplog.text.count("cannot connect") >= 3  # it retried several times
            refused.listen()
            refused.settimeout(WAIT)
            conn, _ = refused.accept()
            conn.close()
            while len(reports) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            client.stop()
            thread.join(WAIT)
    address = f"127.0.0.1:{port}"
    assert reports[:2] == [f"waiting {address}", f"connected {address}"]


@pytest.mark.parametrize(
    ("apdu", "shown"),
    [
        # VERIFY PIN 01 "1234" (ISO 7816-4 11.5.6): the PIN never reaches the log
        ("0020000104 31323334", "00200001 <5 bytes redacted>"),
        # CHANGE REFERENCE DATA, RESET RETRY COUNTER (ISO 7816-4 11.5.7, 11.5.10)
        ("0024000108 3132333435363738", "00240001 <9 bytes redacted>"),
        ("002C000108 3132333435363738", "002C0001 <9 bytes redacted>"),
        # GlobalPlatform PUT KEY
        ("80D8000103 AABBCC", "80D80001 <4 bytes redacted>"),
        # VERIFY without data (ask for the retry counter) and other commands stay readable
        ("00200001", "00200001"),
        ("00B0000010", "00B0000010"),
        ("00A4040C02 3F00", "00A4040C023F00"),
    ],
)
def test_secrets_are_redacted_in_the_log(apdu: str, shown: str) -> None:
    assert describe_command(bytes.fromhex(apdu)) == shown


def test_response_to_a_secret_command_shows_only_the_status_word() -> None:
    verify = bytes.fromhex("002000010431323334")
    assert describe_response(verify, b"\x31\x32\x90\x00") == "<2 bytes redacted> 9000"
    assert describe_response(verify, b"\x63\xc2") == "63C2"
    assert describe_response(b"\x00\xb0\x00\x00\x02", b"\x31\x32\x90\x00") == "31329000"


def test_exchange_log_has_no_pin(
    vpcd: FakeVpcd, client: tuple[VpcdClient, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="cardwire.sim.vpcd")
    conn = vpcd.accept()
    with conn:
        conn.sendall(encode_frame(bytes.fromhex("002000010431323334")))
        vpcd.read_frame(conn)
        conn.sendall(encode_frame(b"\x04"))
        vpcd.read_frame(conn)
    text = caplog.text
    assert "00200001 <5 bytes redacted>" in text
    assert "<5 bytes redacted> 9000" in text  # the echo double sends the PIN back
    assert "31323334" not in text
