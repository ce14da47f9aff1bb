"""The SCP02 benchmark row's floor does the library's work (benchmarks/rows_scp02.py).

Nothing here asserts a time: the floor's C-MAC and next ICV are checked against cardwire's
SCP02 codec, and the row's own host session against its kept card answers.
"""

from __future__ import annotations

from benchmarks import rows_scp02
from cardwire.apdu import Command
from cardwire.crypto.block import TripleDes
from cardwire.crypto.padding import pad
from cardwire.crypto.retail_mac import RetailMacKey
from cardwire.sm.scp02 import StaticKeys, derive_session_keys
from cardwire.sm.scp02.channel import c_mac


def test_floor_step_computes_the_c_mac_and_the_next_icv() -> None:
    keys = derive_session_keys(StaticKeys.default(), rows_scp02.SEQUENCE_COUNTER)
    command = Command(0x80, 0xE2, 0x90, 0x00, bytes(range(200)))
    icv = bytes.fromhex("0011223344556677")
    expected = c_mac(RetailMacKey(keys.c_mac), icv, 0x84, command)
    mac_input = pad(bytes((0x84, 0xE2, 0x90, 0x00, 208)) + command.data, 8)
    for level in (0x01, 0x03):
        mac, next_icv = rows_scp02.floor_step(level, mac_input)(icv)
        assert mac == expected
        assert next_icv == TripleDes(keys.c_mac[:8]).encrypt_block(expected)


def test_each_new_host_starts_in_the_state_the_card_expects() -> None:
    command = Command(0x80, 0xE2, 0x90, 0x00, bytes(range(16)))
    for level in (0x01, 0x03):
        host, card = rows_scp02.open_sessions(level)
        again = rows_scp02.new_host(level)
        for _ in range(3):
            protected = host.protect(command)
            assert again.protect(command) == protected  # a fresh host repeats the same bytes
            assert card.unwrap(protected) == command
    assert {row.variant for row in rows_scp02.rows((16, 200))} == {"16 B", "200 B"}
