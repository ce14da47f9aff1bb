"""Build USB CCID captures frame by frame (there is no USB reader here), for the CCID reader's
tests; tshark's own USB CCID dissector checks them (test_ccid.py).

Sources of each layout:
- CCID messages: USB CCID Device Class specification rev 1.1, 6.1.1 PC_to_RDR_IccPowerOn, 6.1.4
  PC_to_RDR_XfrBlock (wLevelParameter, table 6.1-3), 6.2.1 RDR_to_PC_DataBlock
  (bChainParameter); the class descriptor of 5.1 (54 bytes, dwFeatures levels: 00010000h TPDU,
  00040000h short and extended APDU).
- usbmon: Linux Documentation/usb/usbmon.rst, ``struct usbmon_packet`` (48 bytes; 64 with the
  mmap fields), link types 189 / 220.
- USBPcap: desowin.org/usbpcap/captureformat.html, ``USBPCAP_BUFFER_PACKET_HEADER`` (27 bytes;
  28 with the control stage), link type 249.
- pcap / pcapng: draft-ietf-opsawg-pcap 4, draft-ietf-opsawg-pcapng 4.1-4.3.
- T=1 blocks: ISO/IEC 7816-3 11.3 (NAD PCB LEN INF LRC).

The configuration descriptor goes first (GET_DESCRIPTOR as the host asks it on plug-in, USB 2.0
9.4.3): it is what tells Wireshark the bulk endpoints belong to a smart-card interface (class
0Bh), so tshark dissects them as USB CCID with no setting.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

BULK_OUT = 0x02
BULK_IN = 0x82
FEATURES_TPDU = 0x00010000
FEATURES_EXTENDED_APDU = 0x00040000


def xfr_block(seq: int, data: bytes, level: int = 0, slot: int = 0) -> bytes:
    return struct.pack("<BIBBBH", 0x6F, len(data), slot, seq, 0, level) + data


def data_block(seq: int, data: bytes, chain: int = 0, slot: int = 0) -> bytes:
    return struct.pack("<BIBBBBB", 0x80, len(data), slot, seq, 0, 0, chain) + data


def power_on(seq: int, slot: int = 0) -> bytes:
    return struct.pack("<BIBBBBB", 0x62, 0, slot, seq, 0, 0, 0)


def t1_block(pcb: int, inf: bytes, nad: int = 0) -> bytes:
    block = bytes([nad, pcb, len(inf)]) + inf
    lrc = 0
    for byte in block:
        lrc ^= byte
    return block + bytes([lrc])


def configuration(features: int) -> bytes:
    interface = bytes([9, 4, 0, 0, 3, 0x0B, 0, 0, 0])
    ccid = struct.pack(
        "<BBHBBIIIBIIBIIIIIBBHBB",
        54, 0x21, 0x0110, 0, 7, 3, 4000, 4000, 0, 10752, 10752, 0, 254, 0, 0,
        features, 65544, 0xFF, 0xFF, 0, 0, 1,
    )  # fmt: skip
    endpoints = bytes([7, 5, 0x81, 3, 8, 0, 16, 7, 5, BULK_OUT, 2, 64, 0, 0])
    endpoints += bytes([7, 5, BULK_IN, 2, 64, 0, 0])
    body = interface + ccid + endpoints
    return struct.pack("<BBHBBBBB", 9, 2, 9 + len(body), 1, 1, 0, 0x80, 50) + body


@dataclass
class Capture:
    """USB packets of one device (bus 1, address 5) in one link type and byte order."""

    link: int  # 189, 220 or 249
    order: str = "<"
    packets: list[bytes] = field(default_factory=list)
    _urb: int = 0x1000

    def _usbmon(
        self, event: str, transfer: int, endpoint: int, data: bytes, setup: bytes, urb: int
    ) -> bytes:
        o = self.order
        flag_setup = 0 if setup else ord("-")
        flag_data = 0 if data else ord("<" if event == "S" else ">")
        header = struct.pack(
            o + "QBBBBHbbqiiII",
            urb, ord(event), transfer, endpoint, 5, 1, flag_setup, flag_data,
            0, 0, 0, len(data), len(data),
        ) + setup.ljust(8, b"\x00")  # fmt: skip
        if self.link == 220:
            header += struct.pack(o + "iiII", 0, 0, 0, 0)
        return header + data

    def _usbpcap(
        self, up: bool, transfer: int, endpoint: int, data: bytes, stage: int | None
    ) -> bytes:
        size = 27 if stage is None else 28
        header = struct.pack(
            "<HQIHBHHBBI", size, self._urb, 0, 0x09, int(up), 1, 5, endpoint, transfer, len(data)
        )
        if stage is not None:
            header += bytes([stage])
        return header + data

    def descriptor(self, features: int) -> None:
        answer = configuration(features)
        setup = struct.pack("<BBHHH", 0x80, 6, 0x0200, 0, len(answer))  # USB 2.0 9.4.3
        self._urb += 1
        if self.link == 249:
            self.packets.append(self._usbpcap(False, 2, 0x80, setup, 0))
            self.packets.append(self._usbpcap(True, 2, 0x80, answer, 3))
        else:
            self.packets.append(self._usbmon("S", 2, 0x80, b"", setup, self._urb))
            self.packets.append(self._usbmon("C", 2, 0x80, answer, b"", self._urb))

    def bulk(self, endpoint: int, data: bytes) -> None:
        """One bulk transfer: submission and completion, the data where the wire has it."""
        self._urb += 1
        inbound = bool(endpoint & 0x80)
        if self.link == 249:
            self.packets.append(self._usbpcap(False, 3, endpoint, b"" if inbound else data, None))
            self.packets.append(self._usbpcap(True, 3, endpoint, data if inbound else b"", None))
        else:
            self.packets.append(
                self._usbmon("S", 3, endpoint, b"" if inbound else data, b"", self._urb)
            )
            self.packets.append(
                self._usbmon("C", 3, endpoint, data if inbound else b"", b"", self._urb)
            )

    def exchange(self, request: bytes, answer: bytes) -> None:
        self.bulk(BULK_OUT, request)
        self.bulk(BULK_IN, answer)

    def pcap(self) -> bytes:
        o = self.order
        out = struct.pack(o + "IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, self.link)
        for index, packet in enumerate(self.packets):
            out += struct.pack(o + "IIII", 1_700_000_000, index * 1000, len(packet), len(packet))
            out += packet
        return out

    def pcapng(self) -> bytes:
        o = self.order

        def block(kind: int, body: bytes) -> bytes:
            body = body.ljust((len(body) + 3) // 4 * 4, b"\x00")
            return (
                struct.pack(o + "II", kind, len(body) + 12)
                + body
                + struct.pack(o + "I", len(body) + 12)
            )

        out = block(0x0A0D0D0A, struct.pack(o + "IHHq", 0x1A2B3C4D, 1, 0, -1))
        out += block(1, struct.pack(o + "HHI", self.link, 0, 65535))
        for index, packet in enumerate(self.packets):
            stamp = 1_700_000_000_000_000 + index * 1000
            head = struct.pack(
                o + "IIIII", 0, stamp >> 32, stamp & 0xFFFFFFFF, len(packet), len(packet)
            )
            out += block(6, head + packet)
        return out
