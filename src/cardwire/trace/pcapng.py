"""Write a trace as pcapng that Wireshark shows as ISO 7816 APDUs with no user setting.

There is no ISO 7816 link type, so each APDU goes in Wireshark's exported-PDU encapsulation
(LINKTYPE_WIRESHARK_UPPER_PDU, 252), whose tags name the ``iso7816`` dissector and the direction
(Wireshark epan/exported_pdu.h: EXP_PDU_TAG_DISSECTOR_NAME 12, EXP_PDU_TAG_P2P_DIRECTION 35;
the dissector reads a packet sent to the card as a command, one received as a response).
Decoded plain values go in each packet's comment (pcapng ``opt_comment``). The blocks are the
pcapng file format's (IETF draft-ietf-opsawg-pcapng: Section Header, Interface Description,
Enhanced Packet), written little-endian. Sans-IO: :func:`pcapng_bytes` returns bytes.
"""

from __future__ import annotations

import struct

from cardwire.hexutil import to_hex
from cardwire.trace.decode import DecodedExchange

LINKTYPE_UPPER_PDU = 252
_SHB, _IDB, _EPB = 0x0A0D0D0A, 0x00000001, 0x00000006  # pcapng block types
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_OPT_END, _OPT_COMMENT = 0, 1
_TAG_END, _TAG_DISSECTOR_NAME, _TAG_P2P_DIRECTION = 0, 12, 35
P2P_SENT, P2P_RECEIVED = 0, 1  # epan/packet_info.h P2P_DIR_SENT / P2P_DIR_RECV
_DISSECTOR = b"iso7816"


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


def _block(kind: int, body: bytes) -> bytes:
    length = 12 + len(body)  # type, length, body, length again
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + _padded(value)


def _exported(payload: bytes, direction: int) -> bytes:
    name = _padded(_DISSECTOR)
    tags = struct.pack(">HH", _TAG_DISSECTOR_NAME, len(name)) + name
    tags += struct.pack(">HHI", _TAG_P2P_DIRECTION, 4, direction)
    return tags + struct.pack(">HH", _TAG_END, 0) + payload


def _packet(data: bytes, microseconds: int, comment: str) -> bytes:
    body = struct.pack(
        "<IIIII", 0, microseconds >> 32, microseconds & 0xFFFFFFFF, len(data), len(data)
    )
    body += _padded(data)
    if comment:
        body += _option(_OPT_COMMENT, comment.encode()) + _option(_OPT_END, b"")
    return _block(_EPB, body)


def _comment(entry: DecodedExchange, command: bool) -> str:
    decoded = entry.decoded
    if decoded is None:
        return f"trace line {entry.line}" if command else ""
    if command:
        plain = decoded.plain_command
        text = f"plain command {to_hex(plain)}" if plain is not None else "command not decoded"
    else:
        plain = decoded.plain_response
        text = f"plain response {to_hex(plain)}" if plain is not None else "response not decoded"
    if decoded.error and (not command or decoded.plain_command is None):
        text += f" ({decoded.error})"
    return text


def pcapng_bytes(entries: list[DecodedExchange]) -> bytes:
    """One section, one exported-PDU interface, two packets (command, response) an exchange,
    1 ms apart in wire order; the decoded plain values as packet comments."""
    out = _block(_SHB, struct.pack("<IHHq", _BYTE_ORDER_MAGIC, 1, 0, -1))
    out += _block(_IDB, struct.pack("<HHI", LINKTYPE_UPPER_PDU, 0, 0))
    clock = 0
    for entry in entries:
        for data, direction, is_command in (
            (entry.command, P2P_SENT, True),
            (entry.response, P2P_RECEIVED, False),
        ):
            clock += 1000
            out += _packet(_exported(data, direction), clock, _comment(entry, is_command))
    return out


__all__ = ["LINKTYPE_UPPER_PDU", "pcapng_bytes"]
