"""The file-system applet driven directly: ``select``/``process`` on channel contexts."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.crypto.cmac import aes_cmac
from cardwire.hexutil import parse_hex
from cardwire.sim.applet import CardStatus, ChannelContext
from cardwire.sim.applets.filesystem import ChannelState, FileSystemApplet, default_config
from cardwire.sim.card import SimCard
from cardwire.tlv import parse_one

KEY1 = bytes(range(16))  # the default profile's key 01 (docs/simulator.md)
HELLO = b"Hello from the cardwire card."
SECRET = b"top secret: 42"
SEED = 7


class FakeCard:
    """CardServices for tests: a seeded generator and a commit counter."""

    def __init__(self, seed: int = SEED) -> None:
        self._rng = random.Random(seed)
        self.commits = 0
        self._terminated = False

    def random(self, n: int) -> bytes:
        return self._rng.randbytes(n)

    def commit(self) -> None:
        self.commits += 1

    @property
    def terminated(self) -> bool:
        return self._terminated

    def terminate(self) -> None:
        self._terminated = True
        self.commit()


class Harness:
    """One applet, one fake card, channel contexts created on first use."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.card = FakeCard()
        self.applet = FileSystemApplet.from_config(config or default_config())
        self.contexts: dict[int, ChannelContext] = {}

    def ctx(self, channel: int = 0) -> ChannelContext:
        if channel not in self.contexts:
            state = self.applet.new_channel_state()
            self.contexts[channel] = ChannelContext(channel, self.card, self.applet, state)
        return self.contexts[channel]

    def send(self, apdu: str | bytes, channel: int = 0, *, secured: bool = False) -> Response:
        raw = parse_hex(apdu) if isinstance(apdu, str) else apdu
        ctx = self.ctx(channel)
        ctx.secured = secured
        try:
            return self.applet.process(ctx, Command.decode(raw))
        except CardStatus as status:
            return Response(status.data, status.sw)


def hexdata(text: bytes) -> str:
    return text.hex().upper()


def lc(data: bytes) -> str:
    return f"{len(data):02X}{hexdata(data)}"


SEL_APP1 = "00A4010C025000"
SEL_APP2 = "00A4010C026000"
VERIFY_PIN = "0020000104" + hexdata(b"1234")
WRONG_PIN = "0020000104" + hexdata(b"9999")

# Each case: a list of (APDU, expected SW, expected data or None for "not checked"), run on a
# fresh default card, channel 0.
Step = tuple[str, int, bytes | None]
CASES: dict[str, list[Step]] = {
    # --- SELECT (ISO/IEC 7816-4:2020 11.2.2) ---
    "select MF without data": [("00A4000C", 0x9000, b"")],
    "select MF by 3F00": [("00A4000C023F00", 0x9000, b"")],
    "select child DF": [(SEL_APP1, 0x9000, b"")],
    "select EF under current DF": [("00A4020C022F00", 0x9000, b"")],
    "P1=02 refuses a DF": [("00A4020C025000", 0x6A82, b"")],
    "P1=01 refuses an EF": [("00A4010C022F00", 0x6A82, b"")],
    "unknown FID": [("00A4000C021234", 0x6A82, b"")],
    "grandchild is not a child": [("00A4000C025001", 0x6A82, b"")],
    "P1=00 finds a sibling DF": [(SEL_APP1, 0x9000, None), ("00A4000C026000", 0x9000, b"")],
    "P1=00 finds the parent": [(SEL_APP1, 0x9000, None), ("00A4000C023F00", 0x9000, b"")],
    "parent of a DF": [(SEL_APP1, 0x9000, None), ("00A4030C", 0x9000, b"")],
    "MF has no parent": [("00A4030C", 0x6A82, b"")],
    "parent takes no data": [(SEL_APP1, 0x9000, None), ("00A4030C025000", 0x6700, b"")],
    "path from MF": [("00A4080C0450005003", 0x9000, b"")],
    "path from current DF": [(SEL_APP1, 0x9000, None), ("00A4090C025003", 0x9000, b"")],
    "path through an EF": [("00A4080C06500050015001", 0x6A82, b"")],
    "odd path length": [("00A4080C03500050", 0x6700, b"")],
    "DF name full": [("00A4040C0AF0636172647769726502", 0x9000, b"")],
    "DF name unknown": [("00A4040C05A000000001", 0x6A82, b"")],
    "FID of 3 bytes": [("00A4000C03500000", 0x6700, b"")],
    "P1 RFU": [("00A4050C025000", 0x6A86, b"")],
    "P2 RFU bits": [("00A4001C", 0x6A86, b"")],
    "occurrence with a FID": [("00A4000D023F00", 0x6A86, b"")],
    # --- READ BINARY B0 (11.3.3) ---
    "read without current EF": [("00B0000001", 0x6986, b"")],
    "read exactly": [
        (SEL_APP1, 0x9000, None),
        ("00A4020C025001", 0x9000, None),
        ("00B000001D", 0x9000, HELLO),
    ],
    "read from offset": [
        ("00A4080C0450005001", 0x9000, None),
        ("00B0000605", 0x9000, HELLO[6:11]),
    ],
    "read past the end": [
        ("00A4080C0450005001", 0x9000, None),
        ("00B0001400", 0x6282, HELLO[20:]),  # Le=00: Ne=256, 9 bytes available
    ],
    "offset at the end": [("00A4080C0450005001", 0x9000, None), ("00B0001D01", 0x6B00, b"")],
    "read by SFI": [(SEL_APP1, 0x9000, None), ("00B0810005", 0x9000, HELLO[:5])],
    "SFI with offset": [(SEL_APP1, 0x9000, None), ("00B0810605", 0x9000, HELLO[6:11])],
    "SFI not in current DF": [("00B0850005", 0x6A82, b"")],
    "SFI b7-b6 set": [(SEL_APP1, 0x9000, None), ("00B0C10005", 0x6A86, b"")],
    "SFI makes the EF current": [
        (SEL_APP1, 0x9000, None),
        ("00B0810001", 0x9000, None),
        ("00B0000105", 0x9000, HELLO[1:6]),
    ],
    "read binary on a record EF": [(SEL_APP1, 0x9000, None), ("00B0820001", 0x6981, b"")],
    "read binary with data": [("00A4020C022F00", 0x9000, None), ("00B000000100", 0x6700, b"")],
    "read protected by PIN": [(SEL_APP1, 0x9000, None), ("00B083000E", 0x6982, b"")],
    "read after VERIFY": [
        (SEL_APP1, 0x9000, None),
        (VERIFY_PIN, 0x9000, b""),
        ("00B083000E", 0x9000, SECRET),
    ],
    "read requiring SM, plain": [(SEL_APP1, 0x9000, None), ("00B0870001", 0x6982, b"")],
    # --- UPDATE / ERASE BINARY (11.3.5, 11.3.7) ---
    "update never": [("00A4020C022F00", 0x9000, None), ("00D6000001AA", 0x6986, b"")],
    "update needs the PIN": [(SEL_APP1, 0x9000, None), ("00D6810001AA", 0x6982, b"")],
    "update after VERIFY": [
        (SEL_APP1, 0x9000, None),
        (VERIFY_PIN, 0x9000, None),
        ("00D681000148", 0x9000, b""),  # "H" again, then read back "Je"
        ("00D6000001" + hexdata(b"J"), 0x9000, b""),
        ("00B0000005", 0x9000, b"Jello"),
    ],
    "update past the end": [(SEL_APP1, 0x9000, None), ("00D6883E03AABBCC", 0x6700, b"")],
    "update at the end": [(SEL_APP1, 0x9000, None), ("00D6884001AA", 0x6B00, b"")],
    "update without data": [(SEL_APP1, 0x9000, None), ("00D68800", 0x6700, b"")],
    "erase binary to the end": [
        (SEL_APP1, 0x9000, None),
        ("00D6880004A1A2A3A4", 0x9000, b""),
        ("000E8801", 0x9000, b""),  # SFI 8, from offset 1
        ("00B0000004", 0x9000, bytes.fromhex("A1000000")),
    ],
    "erase binary with end offset": [
        (SEL_APP1, 0x9000, None),
        ("00D6880004A1A2A3A4", 0x9000, b""),
        ("000E8801020003", 0x9000, b""),  # offsets 1 and 2; 3 is the first one kept
        ("00B0000004", 0x9000, bytes.fromhex("A10000A4")),
    ],
    "erase binary bad end offset": [(SEL_APP1, 0x9000, None), ("000E880101FF", 0x6700, b"")],
    "erase never": [(SEL_APP1, 0x9000, None), ("000E8600", 0x6986, b"")],
    # --- odd INS (B1 / D7 / 0F with DO 54 offsets and DO 53 data) ---
    "B1 by SFI in P2": [
        (SEL_APP1, 0x9000, None),
        ("00B10001035401060A", 0x9000, bytes.fromhex("5308") + HELLO[6:14]),
    ],
    "B1 current EF": [
        ("00A4080C0450005001", 0x9000, None),
        ("00B100000354011300", 0x6282, bytes.fromhex("530A") + HELLO[19:]),
    ],
    "B1 by FID": [
        (SEL_APP1, 0x9000, None),
        ("00B15001035401040A", 0x9000, bytes.fromhex("5308") + HELLO[4:12]),
    ],
    "B1 empty offset": [(SEL_APP1, 0x9000, None), ("00B1000102540004", 0x6A80, b"")],
    "B1 malformed data": [(SEL_APP1, 0x9000, None), ("00B10001025401", 0x6A80, b"")],
    "B1 two offsets": [(SEL_APP1, 0x9000, None), ("00B1000106540100540101" + "05", 0x6A80, b"")],
    "B1 offset past the end": [(SEL_APP1, 0x9000, None), ("00B1000103540140" + "05", 0x6B00, b"")],
    "B1 FID of a DF": [("00B150000354010005", 0x6981, b"")],
    "B1 unknown FID": [("00B112340354010005", 0x6A82, b"")],
    "D7 writes with DO 53": [
        (SEL_APP1, 0x9000, None),
        ("00D70008075401025302BEEF", 0x9000, b""),
        ("00B0880004", 0x9000, bytes.fromhex("0000BEEF")),
    ],
    "D7 without DO 53": [(SEL_APP1, 0x9000, None), ("00D7000803540102", 0x6A80, b"")],
    "0F erases between two offsets": [
        (SEL_APP1, 0x9000, None),
        ("00D6880004A1A2A3A4", 0x9000, b""),
        ("000F0008" + "06540101540103", 0x9000, b""),
        ("00B0000004", 0x9000, bytes.fromhex("A10000A4")),
    ],
    "0F without offsets erases all": [
        (SEL_APP1, 0x9000, None),
        ("00D6880004A1A2A3A4", 0x9000, b""),
        ("000F0008", 0x9000, b""),
        ("00B0000004", 0x9000, bytes(4)),
    ],
    # --- records (11.4) ---
    "read record by number": [(SEL_APP1, 0x9000, None), ("00B2021400", 0x9000, b"\x02" * 16)],
    "record not found": [(SEL_APP1, 0x9000, None), ("00B2051400", 0x6A83, b"")],
    "record number FF": [(SEL_APP1, 0x9000, None), ("00B2FF1400", 0x6A86, b"")],
    "records P1 to last": [
        (SEL_APP1, 0x9000, None),
        ("00B2031500", 0x9000, b"\x03" * 16 + b"\x04" * 16),
    ],
    "records last to P1": [
        (SEL_APP1, 0x9000, None),
        ("00B2031600", 0x9000, b"\x04" * 16 + b"\x03" * 16),
    ],
    "P2 b3-b1 = 111": [(SEL_APP1, 0x9000, None), ("00B2011700", 0x6A86, b"")],
    "first next previous last": [
        (SEL_APP1, 0x9000, None),
        ("00B2002800", 0x9000, b"one"),  # SFI 5; P2 b3-b1 = 000: first
        ("00B2002A00", 0x9000, b"two"),  # 010: next
        ("00B2002A00", 0x9000, b"three"),
        ("00B2002A00", 0x6A83, b""),  # no next record; the pointer stays
        ("00B2002B00", 0x9000, b"two"),  # 011: previous
        ("00B2002900", 0x9000, b"three"),  # 001: last
    ],
    "next without a current record is the first": [
        (SEL_APP1, 0x9000, None),
        ("00B2002A00", 0x9000, b"one"),
    ],
    "current record": [
        (SEL_APP1, 0x9000, None),
        ("00B2031400", 0x9000, b"\x03" * 16),
        ("00B2001400", 0x9000, b"\x03" * 16),  # P1 = 00: the current record
    ],
    "no current record": [(SEL_APP1, 0x9000, None), ("00B2001400", 0x6A83, b"")],
    "record identifier": [
        (SEL_APP1, 0x9000, None),
        ("00B2742800", 0x9000, b"two"),  # first record starting with "t"
        ("00B2742A00", 0x9000, b"three"),  # next one
        ("00B2742A00", 0x6A83, b""),
    ],
    "read record on a transparent EF": [(SEL_APP1, 0x9000, None), ("00B2010C00", 0x6981, b"")],
    "read record SFI 31": [(SEL_APP1, 0x9000, None), ("00B201FC00", 0x6A86, b"")],
    "read record without current EF": [("00B2010400", 0x6986, b"")],
    "update record needs PIN": [
        (SEL_APP1, 0x9000, None),
        ("00DC0114" + lc(bytes(16)), 0x6982, b""),
    ],
    "update record": [
        (SEL_APP1, 0x9000, None),
        (VERIFY_PIN, 0x9000, None),
        ("00DC0214" + lc(b"\xee" * 16), 0x9000, b""),
        ("00B2021400", 0x9000, b"\xee" * 16),
    ],
    "update record wrong size": [
        (SEL_APP1, 0x9000, None),
        (VERIFY_PIN, 0x9000, None),
        ("00DC0214" + lc(b"\xee" * 15), 0x6700, b""),
    ],
    "update record not found": [
        (SEL_APP1, 0x9000, None),
        (VERIFY_PIN, 0x9000, None),
        ("00DC0514" + lc(b"\xee" * 16), 0x6A83, b""),
    ],
    "update next record": [
        (SEL_APP1, 0x9000, None),
        ("00B2012C00", 0x9000, b"one"),
        ("00DC002A" + lc(b"deux"), 0x9000, b""),  # P2 b3-b1 = 010: next
        ("00B2022C00", 0x9000, b"deux"),
    ],
    "update record bad mode": [(SEL_APP1, 0x9000, None), ("00DC012D" + lc(b"x"), 0x6A86, b"")],
    "append to a full linear fixed EF": [
        (SEL_APP1, 0x9000, None),
        (VERIFY_PIN, 0x9000, None),
        ("00E20010" + lc(bytes(16)), 0x6A84, b""),
    ],
    "append to linear variable": [
        (SEL_APP1, 0x9000, None),
        ("00E20028" + lc(b"four"), 0x9000, b""),
        ("00B2002C00", 0x9000, b"four"),  # the appended record is the current one
        ("00B2042C00", 0x9000, b"four"),
    ],
    "append to cyclic": [
        (SEL_APP1, 0x9000, None),
        (VERIFY_PIN, 0x9000, None),
        ("00E20020" + lc(b"ABCDEFGH"), 0x9000, b""),
        ("00E20020" + lc(b"IJKLMNOP"), 0x9000, b""),
        ("00B2012400", 0x9000, b"IJKLMNOP"),  # record 1 is the newest
        ("00B2022400", 0x9000, b"ABCDEFGH"),
        ("00B2052400", 0x9000, bytes(8)),
        ("00B2062400", 0x6A83, b""),
    ],
    "append bad P1": [(SEL_APP1, 0x9000, None), ("00E20128" + lc(b"x"), 0x6A86, b"")],
    "append to transparent": [(SEL_APP1, 0x9000, None), ("00E20008" + lc(b"x"), 0x6981, b"")],
    "erase record": [
        (SEL_APP1, 0x9000, None),
        ("000C022C", 0x9000, b""),  # P2 b3-b1 = 100: record P1
        ("00B2022C00", 0x9000, bytes(3)),
        ("00B2032C00", 0x9000, b"three"),
    ],
    "erase records to the last": [
        (SEL_APP1, 0x9000, None),
        ("000C022D", 0x9000, b""),  # 101: from P1 up to the last
        ("00B2012D00", 0x9000, b"one" + bytes(3) + bytes(5)),
    ],
    "erase record bad mode": [(SEL_APP1, 0x9000, None), ("000C022E", 0x6A86, b"")],
    "erase record needs PIN": [(SEL_APP1, 0x9000, None), ("000C0114", 0x6982, b"")],
    # --- PINs (11.5.6, 11.5.7, 11.5.10) ---
    "verify status unverified": [("0020000100", 0x63C3, b"")],
    "verify status verified": [(VERIFY_PIN, 0x9000, b""), ("0020000100", 0x9000, b"")],
    "wrong PIN counts down": [
        (WRONG_PIN, 0x63C2, b""),
        (WRONG_PIN, 0x63C1, b""),
        (VERIFY_PIN, 0x9000, b""),
        (WRONG_PIN, 0x63C2, b""),  # a success restored the counter
    ],
    "PIN blocks": [
        (WRONG_PIN, 0x63C2, b""),
        (WRONG_PIN, 0x63C1, b""),
        (WRONG_PIN, 0x63C0, b""),
        (VERIFY_PIN, 0x6983, b""),
        ("0020000100", 0x6983, b""),
    ],
    "wrong PIN length": [("002000010331323300", 0x6A80, b""), ("0020000100", 0x63C3, b"")],
    "unknown reference": [("0020000304" + hexdata(b"1234"), 0x6A88, b"")],
    "verify bad P1": [("0020010104" + hexdata(b"1234"), 0x6A86, b"")],
    "verify reset with P1=FF": [
        (VERIFY_PIN, 0x9000, None),
        ("0020FF01", 0x9000, b""),
        ("0020000100", 0x63C3, b""),
    ],
    "a failed VERIFY drops the status": [
        (VERIFY_PIN, 0x9000, None),
        (WRONG_PIN, 0x63C2, b""),
        ("0020000100", 0x63C2, b""),
    ],
    "change PIN with the old one": [
        ("0024000108" + hexdata(b"12340000"), 0x9000, b""),
        ("0020FF01", 0x9000, b""),
        (VERIFY_PIN, 0x63C2, b""),
        ("0020000104" + hexdata(b"0000"), 0x9000, b""),
    ],
    "change PIN with a wrong old one": [
        ("0024000108" + hexdata(b"99990000"), 0x63C2, b""),
        (VERIFY_PIN, 0x9000, b""),
    ],
    "change PIN new value too short": [("0024000107" + hexdata(b"1234000"), 0x6A80, b"")],
    "change PIN P1=01 needs verification": [("0024010104" + hexdata(b"4321"), 0x6982, b"")],
    "change PIN P1=01": [
        (VERIFY_PIN, 0x9000, None),
        ("0024010106" + hexdata(b"654321"), 0x9000, b""),
        ("0020000106" + hexdata(b"654321"), 0x9000, b""),
    ],
    "change PUK (reference 02)": [
        ("0024000210" + hexdata(b"1234567887654321"), 0x9000, b""),
        ("002C010108" + hexdata(b"12345678"), 0x63C9, b""),
        ("002C010108" + hexdata(b"87654321"), 0x9000, b""),
    ],
    "reset retry counter with a new PIN": [
        (WRONG_PIN, 0x63C2, None),
        (WRONG_PIN, 0x63C1, None),
        (WRONG_PIN, 0x63C0, None),
        ("002C00010C" + hexdata(b"12345678") + hexdata(b"4444"), 0x9000, b""),
        ("0020000104" + hexdata(b"4444"), 0x9000, b""),
    ],
    "reset retry counter with the PUK only": [
        (WRONG_PIN, 0x63C2, None),
        ("002C010108" + hexdata(b"12345678"), 0x9000, b""),
        ("0020000100", 0x63C3, b""),
        (VERIFY_PIN, 0x9000, b""),
    ],
    "reset retry counter wrong PUK": [("002C010108" + hexdata(b"87654321"), 0x63C9, b"")],
    "reset retry counter bad P1": [("002C0301", 0x6A86, b"")],
    "reset retry counter of the PUK": [("002C010208" + hexdata(b"12345678"), 0x6985, b"")],
    # --- challenge and authentication (11.5.3-11.5.5) ---
    "challenge of 4 bytes": [("0084000004", 0x6700, b"")],
    "challenge bad P1": [("0084010008", 0x6A86, b"")],
    "external auth without challenge": [("0082000110" + "00" * 16, 0x6985, b"")],
    "external auth wrong cryptogram": [
        ("0084000010", 0x9000, None),
        ("0082000110" + "00" * 16, 0x6300, b""),
    ],
    "external auth short cryptogram": [("008200010800" + "00" * 7, 0x6700, b"")],
    "external auth unknown key": [("0082000210" + "00" * 16, 0x6A88, b"")],
    "internal auth without data": [("0088000100", 0x6700, b"")],
    "internal auth bad P1": [("0088010104" + "00" * 4, 0x6A86, b"")],
    # --- anything else ---
    "unknown INS": [("00CA000000", 0x6D00, b"")],
    "READ RECORD odd INS": [("00B3000400", 0x6D00, b"")],
    "proprietary class": [("80B0000001", 0x6E00, b"")],
}


@pytest.mark.parametrize("steps", CASES.values(), ids=CASES.keys())
def test_command_sequences(steps: list[Step]) -> None:
    harness = Harness()
    for i, (apdu, sw, data) in enumerate(steps):
        response = harness.send(apdu)
        assert response.sw == sw, f"step {i} {apdu}: {response.sw:04X}"
        if data is not None:
            assert response.data == data, f"step {i} {apdu}"


# --- SELECT answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(("p2", "tag"), [(0x00, 0x6F), (0x04, 0x62), (0x08, 0x64)])
def test_select_answers(p2: int, tag: int) -> None:
    response = Harness().send(f"00A401{p2:02X}025000")
    assert response.sw == 0x9000
    assert parse_one(response.data).tag == tag


def test_select_fcp_of_an_ef() -> None:
    response = Harness().send("00A40804045000500200")
    fcp = {o.tag: o.value for o in parse_one(response.data).children}
    assert fcp[0x83] == b"\x50\x02"
    assert fcp[0x88] == bytes((2 << 3,))
    assert fcp[0x82][0] & 0x07 == 0x02  # linear fixed


def test_select_by_partial_df_name_and_next_occurrence() -> None:
    harness = Harness()
    partial = bytes.fromhex("F063617264776972")  # F0 "cardwir": both applications
    first = harness.send("00A40400" + lc(partial) + "00")
    assert {o.tag: o.value for o in parse_one(first.data).children}[0x83] == b"\x50\x00"
    following = harness.send("00A40402" + lc(partial) + "00")  # P2 b2-b1 = 10: next
    assert {o.tag: o.value for o in parse_one(following.data).children}[0x83] == b"\x60\x00"
    assert harness.send("00A4040E" + lc(partial)).sw == 0x6A82  # no further occurrence
    assert harness.send("00A4040D" + lc(partial)).sw == 0x9000  # last
    assert harness.send("00A4040F" + lc(partial)).sw == 0x9000  # previous: back to 5000


def test_select_by_aid_answers_with_the_aid() -> None:
    harness = Harness()
    ctx = harness.ctx()
    harness.send(SEL_APP1)
    aid = bytes.fromhex("F0636172647769726500")
    response = harness.applet.select(ctx, Command(0x00, 0xA4, 0x04, 0x00, aid, 256))
    dos = {o.tag: o.value for o in parse_one(response.data).children}
    assert dos[0x84] == aid
    assert dos[0x83] == b"\x3f\x00"
    assert isinstance(ctx.state, ChannelState)
    assert ctx.state.current_df is harness.applet.mf  # selection by AID goes back to the MF
    none = harness.applet.select(ctx, Command(0x00, 0xA4, 0x04, 0x0C, aid))
    assert none.data == b""


def test_failed_select_keeps_the_current_file() -> None:
    harness = Harness()
    harness.send("00A4080C0450005001")
    assert harness.send("00A4020C029999").sw == 0x6A82
    assert harness.send("00B0000005").data == HELLO[:5]


# --- big file, odd INS ------------------------------------------------------------------------


def pattern(start: int, count: int) -> bytes:
    return bytes(i % 251 for i in range(start, start + count))  # EF 5006: byte i = i mod 251


def test_odd_read_binary_beyond_32767() -> None:
    harness = Harness()
    harness.send(SEL_APP1)
    # SFI 6 in P2; DO 54 = 8000 (offset 32768); Le = 00 (Ne = 256): DO 53 with 253 bytes.
    response = harness.send("00B10006045402800000")
    assert response.sw == 0x9000
    node = parse_one(response.data)
    assert node.tag == 0x53
    assert len(response.data) == 256
    assert node.value == pattern(32768, 253)


def test_odd_read_binary_extended_to_the_end() -> None:
    harness = Harness()
    harness.send(SEL_APP1)
    response = harness.send("00B1000600000454027000" + "0000")  # extended, Ne = 65536
    assert response.sw == 0x6282  # the end of the EF came before Ne bytes
    assert parse_one(response.data).value == pattern(0x7000, 40000 - 0x7000)


def test_even_read_binary_cannot_reach_offsets_above_32767() -> None:
    harness = Harness()
    harness.send("00A4080C0450005006")
    assert harness.send("00B07FFF02").data == pattern(32767, 2)
    # P1 b8 = 1 means "SFI in P1": 0xFF is not an offset of 65535.
    assert harness.send("00B0FFFF01").sw == 0x6A86


# --- security status is per channel -----------------------------------------------------------


def test_verification_on_one_channel_does_not_open_another() -> None:
    harness = Harness()
    for channel in (0, 1):
        harness.send(SEL_APP1, channel)
    assert harness.send(VERIFY_PIN, 1).sw == 0x9000
    assert harness.send("00B083000E", 1).data == SECRET
    assert harness.send("00B083000E", 0).sw == 0x6982
    assert harness.send("0020000100", 0).sw == 0x63C3
    # The retry counter is card-wide.
    assert harness.send(WRONG_PIN, 0).sw == 0x63C2
    assert harness.send("0020000100", 1).sw == 0x9000


def test_current_files_are_per_channel() -> None:
    harness = Harness()
    harness.send("00A4080C0450005001", 0)
    harness.send("00A4080C0460006001", 1)
    assert harness.send("00B0000005", 0).data == HELLO[:5]
    assert harness.send("00B0000006", 1).data == b"second"
    assert harness.send("00B0000001", 2).sw == 0x6986


def test_deselect_clears_the_security_status() -> None:
    harness = Harness()
    harness.send(VERIFY_PIN)
    harness.applet.deselect(harness.ctx())
    assert harness.send("0020000100").sw == 0x63C3


def test_secure_messaging_rule() -> None:
    harness = Harness()
    harness.send(SEL_APP1)
    assert harness.send("00B0870000", secured=True).data == b"protected by secure messaging"
    assert harness.send("00B0870000", secured=False).sw == 0x6982


# --- persistence: commits and exported state -----------------------------------------------------


@pytest.mark.parametrize(
    ("apdu", "commits"),
    [
        (WRONG_PIN, 1),  # the decrement, before the comparison
        (VERIFY_PIN, 2),  # the decrement, then the restored counter
        ("0020000100", 0),
        ("00D6880001AA", 1),
        ("000E8800", 1),
        ("00E20028" + lc(b"four"), 1),
        ("00DC012C" + lc(b"uno"), 1),
        ("000C012C", 1),
        ("00B0810001", 0),
        ("0084000008", 0),
        ("00D6884001AA", 0),  # refused: offset 64 is past the end
    ],
)
def test_changes_are_committed(apdu: str, commits: int) -> None:
    harness = Harness()
    harness.send(SEL_APP1)
    before = harness.card.commits
    response = harness.send(apdu)
    assert harness.card.commits - before == commits, f"{response.sw:04X}"


def test_refused_commands_change_nothing() -> None:
    harness = Harness()
    harness.send(SEL_APP1)
    before = harness.applet.export_state()
    for apdu in (
        "00D6810001AA",
        "00DC0114" + lc(bytes(16)),
        "000C0114",
        "00E20010" + lc(bytes(16)),
    ):
        assert harness.send(apdu).sw == 0x6982
    assert harness.applet.export_state() == before
    assert harness.card.commits == 0


def test_export_state_is_a_loadable_section() -> None:
    harness = Harness()
    harness.send(SEL_APP1)
    harness.send(WRONG_PIN)
    harness.send("00E20028" + lc(b"four"))
    harness.send("00D6880003ABCDEF")
    state = harness.applet.export_state()
    assert state["pins"][0]["tries_left"] == 2
    again = Harness(copy.deepcopy(state))
    assert again.applet.export_state() == state
    again.send(SEL_APP1)
    assert again.send("00B2042C00").data == b"four"
    assert again.send("00B0880003").data == bytes.fromhex("ABCDEF")
    assert again.send("0020000100").sw == 0x63C2


def test_default_config_exports_unchanged() -> None:
    config = default_config()
    exported = FileSystemApplet.from_config(config).export_state()
    assert FileSystemApplet.from_config(exported).export_state() == exported
    assert exported["aid"] == config["aid"]


@pytest.mark.parametrize(
    "change",
    [
        {"colour": "blue"},
        {"multiselectable": "yes"},
        {"pins": {}},
        {"keys": [{"reference": 1, "algorithm": "aes-128", "value": {"hex": "00"}}]},
        {"pins": [{"reference": 1, "value": {"text": "1234"}}]},  # max_tries missing
    ],
)
def test_bad_sections_are_refused(change: dict[str, Any]) -> None:
    from cardwire.errors import CardwireError

    with pytest.raises(CardwireError):
        FileSystemApplet.from_config({**default_config(), **change})


# --- challenge and authentication ----------------------------------------------------------------


def test_get_challenge_uses_the_card_generator() -> None:
    harness = Harness()
    expected = random.Random(SEED)
    assert harness.send("0084000008").data == expected.randbytes(8)
    assert harness.send("0084000010").data == expected.randbytes(16)


def test_internal_authenticate_answers_the_cmac() -> None:
    challenge = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    response = Harness().send("0088000110" + hexdata(challenge) + "00")
    assert response.sw == 0x9000
    assert response.data == aes_cmac(KEY1, challenge)


def key_protected_config() -> dict[str, Any]:
    config = default_config()
    config["mf"]["files"].append(
        {
            "fid": "7001",
            "type": "transparent",
            "content": {"text": "k"},
            "access": {"read": "key:1"},
        }
    )
    return config


def test_external_authenticate_grants_key_status_on_its_channel_only() -> None:
    harness = Harness(key_protected_config())
    harness.send("00A4020C027001", 0)
    harness.send("00A4020C027001", 1)
    assert harness.send("00B0000001", 0).sw == 0x6982
    challenge = harness.send("0084000010", 0).data
    cryptogram = aes_cmac(KEY1, challenge)
    assert harness.send("0082000110" + hexdata(cryptogram), 0).sw == 0x9000
    assert harness.send("00B0000001", 0).data == b"k"
    assert harness.send("00B0000001", 1).sw == 0x6982
    # The challenge is single use.
    assert harness.send("0082000110" + hexdata(cryptogram), 0).sw == 0x6985


def test_external_authenticate_uses_the_challenge_of_its_channel() -> None:
    harness = Harness(key_protected_config())
    challenge = harness.send("0084000010", 0).data
    cryptogram = aes_cmac(KEY1, challenge)
    assert harness.send("0082000110" + hexdata(cryptogram), 1).sw == 0x6985
    assert harness.send("0082000110" + hexdata(cryptogram), 0).sw == 0x9000


def test_failed_external_authenticate_consumes_the_challenge() -> None:
    harness = Harness()
    challenge = harness.send("0084000008").data
    assert harness.send("0082000110" + "00" * 16).sw == 0x6300
    assert harness.send("0082000110" + hexdata(aes_cmac(KEY1, challenge))).sw == 0x6985


# --- any command gives a status word -----------------------------------------------------------

KNOWN_INS = (
    0xA4,
    0xB0,
    0xB1,
    0xD6,
    0xD7,
    0x0E,
    0x0F,
    0xB2,
    0xDC,
    0xE2,
    0x0C,
    0x20,
    0x24,
    0x2C,
    0x84,
    0x88,
    0x82,
)

commands = st.builds(
    Command,
    cla=st.sampled_from([0x00, 0x04, 0x0C, 0x10, 0x40, 0x80]),
    ins=st.sampled_from((*KNOWN_INS, 0xCA, 0x00)),
    p1=st.integers(0, 255),
    p2=st.integers(0, 255),
    data=st.binary(max_size=24),
    ne=st.sampled_from([0, 1, 8, 16, 256, 65536]),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 2), commands), max_size=12))
def test_any_commands_give_a_status_word(sequence: list[tuple[int, Command]]) -> None:
    harness = Harness()
    for channel, command in sequence:
        ctx = harness.ctx(channel)
        ctx.secured = channel == 2
        try:
            response = harness.applet.process(ctx, command)
        except CardStatus as status:
            assert 0x6200 <= status.sw <= 0x6FFF
            continue
        assert response.sw in (0x9000, 0x6282)
        assert 0 <= harness.ctx(channel).channel <= 2


# --- end to end through the card OS (cardwire.sim.card.SimCard) -------------------------------


def card_exchange(card: SimCard, apdu: str) -> tuple[bytes, int]:
    raw = card.process(parse_hex(apdu))
    return raw[:-2], int.from_bytes(raw[-2:], "big")


def test_card_selects_the_file_system_by_default() -> None:
    card = SimCard(rng=random.Random(SEED).randbytes)
    assert card_exchange(card, "00A4080C0450005001") == (b"", 0x9000)
    assert card_exchange(card, "00B000001D") == (HELLO, 0x9000)
    # SELECT by DF name: no applet has this AID, the OS forwards it to the file system.
    assert card_exchange(card, "00A4040C0AF0636172647769726502")[1] == 0x9000
    assert card_exchange(card, "00B0810012") == (b"second application", 0x9000)


def test_card_keeps_security_status_per_channel() -> None:
    card = SimCard(rng=random.Random(SEED).randbytes)
    opened, sw = card_exchange(card, "0070000001")  # MANAGE CHANNEL open, card assigns
    assert sw == 0x9000
    channel = opened[0]
    assert 1 <= channel <= 3
    cla = f"{channel:02X}"
    assert card_exchange(card, "00A4080C0450005003")[1] == 0x9000
    assert card_exchange(card, cla + "A4080C0450005003")[1] == 0x9000
    assert card_exchange(card, cla + "20000104" + hexdata(b"1234"))[1] == 0x9000
    assert card_exchange(card, cla + "B000000E") == (SECRET, 0x9000)
    assert card_exchange(card, "00B000000E")[1] == 0x6982


def test_card_serves_long_odd_reads() -> None:
    card = SimCard(rng=random.Random(SEED).randbytes)
    card_exchange(card, "00A4010C025000")
    # Extended: Lc 0004 (DO 54 = 8000), Le 0000 (Ne = 65536); the EF ends first: 6282.
    data, sw = card_exchange(card, "00B10006" + "000004" + "54028000" + "0000")
    assert sw == 0x6282
    assert parse_one(data).value == pattern(0x8000, len(parse_one(data).value))
    assert len(parse_one(data).value) == 40000 - 0x8000


def test_card_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "card.yaml"
    card = SimCard(state_path=state, rng=random.Random(SEED).randbytes)
    card_exchange(card, "00A4010C025000")
    assert card_exchange(card, WRONG_PIN)[1] == 0x63C2
    assert card_exchange(card, "00D6880003C0FFEE")[1] == 0x9000
    again = SimCard(state_path=state, rng=random.Random(SEED).randbytes)
    card_exchange(again, "00A4010C025000")
    assert card_exchange(again, "00B0880003") == (bytes.fromhex("C0FFEE"), 0x9000)
    assert card_exchange(again, "0020000100")[1] == 0x63C2
