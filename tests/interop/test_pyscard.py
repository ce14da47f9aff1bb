"""Raw pyscard (a client nobody here wrote) against the simulated card behind pcscd + vpcd."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

FILESYSTEM_AID = bytes.fromhex("F0636172647769726500")  # shared card spec, applet 1
ECHO_AID = bytes.fromhex("F0636172647769726503")  # shared card spec, applet 2 (INS 00 echoes)


@pytest.fixture
def connection(pcsc_stack: PcscStack) -> Iterator[Any]:
    from smartcard.System import readers

    reader = next(r for r in readers() if str(r) == pcsc_stack.reader)
    connection = reader.createConnection()
    connection.connect()
    yield connection
    connection.disconnect()
    connection.release()


def send(connection: Any, apdu: bytes) -> tuple[bytes, int]:
    data, sw1, sw2 = connection.transmit(list(apdu))
    return bytes(data), (sw1 << 8) | sw2


def select_aid(aid: bytes) -> bytes:
    # ISO 7816-4 11.2.2: SELECT by DF name (P1=04), no response data (P2=0C)
    return bytes((0x00, 0xA4, 0x04, 0x0C, len(aid))) + aid


def test_atr_is_the_simulated_cards(connection: Any) -> None:
    from cardwire.sim.card import SimCard

    atr = bytes(connection.getATR())
    assert atr == SimCard().atr
    assert atr[0] == 0x3B  # ISO 7816-3 8.1: TS 3B, direct convention


def test_select_default_applet(connection: Any) -> None:
    assert send(connection, select_aid(FILESYSTEM_AID)) == (b"", 0x9000)


def test_extended_command_1000_bytes_in(connection: Any) -> None:
    assert send(connection, select_aid(ECHO_AID)) == (b"", 0x9000)
    data = bytes(range(256)) * 3 + bytes(range(232))
    # ISO 7816-4 5.1 case 4E: 00 Lc(2) data Le(2); Lc = Le = 03E8 (1000)
    apdu = b"\x00\x00\x00\x00\x00\x03\xe8" + data + b"\x03\xe8"
    assert send(connection, apdu) == (data, 0x9000)
    assert send(connection, select_aid(FILESYSTEM_AID))[1] == 0x9000


def test_extended_response_4000_bytes_out(connection: Any) -> None:
    assert send(connection, select_aid(FILESYSTEM_AID))[1] == 0x9000
    assert send(connection, bytes.fromhex("00A4000C025000"))[1] == 0x9000  # DF 5000 by FID
    # READ BINARY with SFI 6 (P1 = 80 | 06, ISO 7816-4 11.3.3), case 2E with Le = 0FA0 (4000)
    data, sw = send(connection, bytes.fromhex("00B08600000FA0"))
    assert sw == 0x9000
    assert data == bytes(i % 251 for i in range(4000))  # EF 5006: byte i = i mod 251


def test_short_apdus_get_short_answers(connection: Any) -> None:
    assert send(connection, bytes.fromhex("00A4000C025000"))[1] == 0x9000
    data, sw = send(connection, bytes.fromhex("00B0810000"))  # EF 5001 via SFI 1, Le 00
    # ISO 7816-4 table 5: 6282, end of file reached before reading Ne (256) bytes
    assert (data, sw) == (b"Hello from the cardwire card.", 0x6282)
