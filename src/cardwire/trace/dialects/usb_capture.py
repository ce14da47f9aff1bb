"""USB captures in pcap or pcapng: the bulk transfers they carry, in wire order.

Containers (sans-IO, bytes in):

- pcap (libpcap's file format, draft-ietf-opsawg-pcap section 4): a 24-byte file header whose
  magic gives the byte order (A1B2C3D4 microseconds, A1B23C4D nanoseconds) and whose last
  field is the link type, then records of 16-byte header + captured bytes.
- pcapng (draft-ietf-opsawg-pcapng): blocks of type, total length, body, total length; the
  Section Header Block's byte-order magic 1A2B3C4D gives the byte order of its section, each
  Interface Description Block a link type, each Enhanced (type 6) or Simple (type 3) Packet
  Block a packet on an interface. Other blocks are skipped.

USB link types (tcpdump.org link-layer header types, Wireshark's packet-usb.c):

- 189 ``LINKTYPE_USB_LINUX`` and 220 ``LINKTYPE_USB_LINUX_MMAPPED``: Linux usbmon's
  ``struct usbmon_packet`` (Documentation/usb/usbmon.rst), 48 and 64 bytes, in the capturing
  host's byte order (the file's): id u64, type u8 ('S' submit, 'C' complete), transfer type u8
  (3 bulk), endpoint u8 (bit 7: IN), device u8, bus u16, setup flag, data flag, seconds s64,
  microseconds s32, status s32, length u32, captured length u32 at offset 36, then the setup
  bytes (and for 220 four more 32-bit fields); the data follows the header.
- 249 ``LINKTYPE_USBPCAP``: USBPcap's ``USBPCAP_BUFFER_PACKET_HEADER`` (desowin.org/usbpcap
  "Capture format"), little-endian and packed: header length u16, IRP id u64, status u32,
  function u16, info u8 (bit 0: PDO to FDO, the completion going up to the host), bus u16,
  device u16, endpoint u8 (bit 7: IN), transfer u8 (3 bulk), data length u32; the data follows
  the header length.

A bulk OUT transfer's bytes are taken from its submission (usbmon 'S'; USBPcap FDO to PDO),
a bulk IN transfer's from its completion (usbmon 'C'; USBPcap PDO to FDO): that is where the
data is on the wire, and a capture repeats nothing.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from cardwire.errors import DecodeError

LINKTYPE_USB_LINUX = 189
LINKTYPE_USB_LINUX_MMAPPED = 220
LINKTYPE_USBPCAP = 249
USB_LINK_TYPES = (LINKTYPE_USB_LINUX, LINKTYPE_USB_LINUX_MMAPPED, LINKTYPE_USBPCAP)
TRANSFER_BULK = 3  # usbmon and USBPcap: 0 isochronous, 1 interrupt, 2 control, 3 bulk
ENDPOINT_IN = 0x80  # USB 2.0 9.6.6: bit 7 of bEndpointAddress, 1 = IN (device to host)

_PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": "<",  # microseconds, little-endian
    b"\x4d\x3c\xb2\xa1": "<",  # nanoseconds
    b"\xa1\xb2\xc3\xd4": ">",
    b"\xa1\xb2\x3c\x4d": ">",
}
_PCAP_HEADER = 24
_PCAP_RECORD = 16
_PCAPNG_SHB = 0x0A0D0D0A
_PCAPNG_BOM = 0x1A2B3C4D
_PCAPNG_IDB = 1
_PCAPNG_SPB = 3
_PCAPNG_EPB = 6
_USBMON_HEADER = {LINKTYPE_USB_LINUX: 48, LINKTYPE_USB_LINUX_MMAPPED: 64}
_USBMON_SUBMIT = ord("S")
_USBMON_COMPLETE = ord("C")
_USBPCAP_MIN_HEADER = 27
_USBPCAP_UP = 0x01  # USBPCAP_INFO_PDO_TO_FDO


@dataclass(frozen=True, slots=True)
class Transfer:
    """The bytes of one bulk transfer on the wire: ``frame`` (from 1) in the capture."""

    frame: int
    device: tuple[int, int]  # (bus, device address)
    inbound: bool  # IN: from the device (the reader) to the host
    data: bytes


def is_capture(data: bytes) -> bool:
    """Whether ``data`` starts like a pcap or a pcapng file."""
    return data[:4] in _PCAP_MAGICS or (
        len(data) >= 4 and struct.unpack("<I", data[:4])[0] == _PCAPNG_SHB
    )


def _error(frame: int, problem: str) -> DecodeError:
    return DecodeError(f"capture frame {frame}: {problem}")


def _pcap(data: bytes) -> Iterator[tuple[int, int, bytes, str]]:
    order = _PCAP_MAGICS[data[:4]]
    if len(data) < _PCAP_HEADER:
        raise DecodeError("capture: the pcap file header is cut short")
    link = struct.unpack(order + "I", data[20:24])[0] & 0x0FFFFFFF  # upper bits: FCS info
    offset, frame = _PCAP_HEADER, 0
    while offset < len(data):
        frame += 1
        if offset + _PCAP_RECORD > len(data):
            raise _error(frame, "the record header is cut short")
        captured = struct.unpack(order + "I", data[offset + 8 : offset + 12])[0]
        start = offset + _PCAP_RECORD
        if start + captured > len(data):
            raise _error(frame, "the packet is cut short")
        yield frame, link, data[start : start + captured], order
        offset = start + captured


def _pcapng(data: bytes) -> Iterator[tuple[int, int, bytes, str]]:
    order = "<"
    links: list[int] = []
    offset, frame = 0, 0
    while offset < len(data):
        if offset + 12 > len(data):
            raise _error(frame + 1, "a pcapng block is cut short")
        kind = struct.unpack(order + "I", data[offset : offset + 4])[0]
        if kind == _PCAPNG_SHB:
            # The byte-order magic decides the order of this section (pcapng 4.1).
            bom = data[offset + 8 : offset + 12]
            order = "<" if struct.unpack("<I", bom)[0] == _PCAPNG_BOM else ">"
            if struct.unpack(order + "I", bom)[0] != _PCAPNG_BOM:
                raise _error(frame + 1, "a pcapng section header without its byte-order magic")
            links = []
        length = struct.unpack(order + "I", data[offset + 4 : offset + 8])[0]
        if length < 12 or length % 4 or offset + length > len(data):
            raise _error(frame + 1, f"a pcapng block of impossible length {length}")
        body = data[offset + 8 : offset + length - 4]
        if kind == _PCAPNG_IDB:
            links.append(struct.unpack(order + "H", body[:2])[0])
        elif kind in (_PCAPNG_EPB, _PCAPNG_SPB):
            frame += 1
            if kind == _PCAPNG_EPB:
                interface, captured = struct.unpack(order + "I", body[:4])[0], 0
                captured = struct.unpack(order + "I", body[12:16])[0]
                packet = body[20 : 20 + captured]
            else:  # a Simple Packet Block is on the first interface (pcapng 4.4)
                interface = 0
                packet = body[4:]
            if interface >= len(links):
                raise _error(frame, f"a packet on interface {interface}, which is not described")
            yield frame, links[interface], packet, order
        offset += length


def _usbmon(frame: int, link: int, packet: bytes, order: str) -> Transfer | None:
    size = _USBMON_HEADER[link]
    if len(packet) < size:
        raise _error(frame, f"the usbmon header needs {size} bytes, the packet has {len(packet)}")
    event, transfer, endpoint, device = packet[8], packet[9], packet[10], packet[11]
    bus = struct.unpack(order + "H", packet[12:14])[0]
    captured = struct.unpack(order + "I", packet[36:40])[0]
    inbound = bool(endpoint & ENDPOINT_IN)
    if transfer != TRANSFER_BULK or event != (_USBMON_COMPLETE if inbound else _USBMON_SUBMIT):
        return None
    return Transfer(frame, (bus, device), inbound, packet[size : size + captured])


def _usbpcap(frame: int, packet: bytes) -> Transfer | None:
    if len(packet) < _USBPCAP_MIN_HEADER:
        raise _error(frame, "the USBPcap header is cut short")
    header, _irp, _status, _function, info, bus, device, endpoint, transfer, length = struct.unpack(
        "<HQIHBHHBBI", packet[:_USBPCAP_MIN_HEADER]
    )
    inbound = bool(endpoint & ENDPOINT_IN)
    if transfer != TRANSFER_BULK or bool(info & _USBPCAP_UP) != inbound:
        return None
    return Transfer(frame, (bus, device), inbound, packet[header : header + length])


def bulk_transfers(data: bytes) -> Iterator[Transfer]:
    """Every bulk transfer carrying data in a pcap or pcapng USB capture, in wire order."""
    if not is_capture(data):
        raise DecodeError("capture: not a pcap or pcapng file")
    packets = _pcap(data) if data[:4] in _PCAP_MAGICS else _pcapng(data)
    for frame, link, packet, order in packets:
        if link not in USB_LINK_TYPES:
            raise _error(frame, f"link type {link} is not a USB capture (189, 220 or 249)")
        found = _usbpcap(frame, packet) if link == LINKTYPE_USBPCAP else None
        if link != LINKTYPE_USBPCAP:
            found = _usbmon(frame, link, packet, order)
        if found is not None and found.data:
            yield found


__all__ = ["USB_LINK_TYPES", "Transfer", "bulk_transfers", "is_capture"]
