"""USB CCID captures (usbmon or USBPcap, pcap or pcapng) read as a trace.

The bulk transfers (:mod:`cardwire.trace.dialects.usb_capture`) carry CCID messages (USB CCID
Device Class specification rev 1.1, section 6): a 10-byte header (bMessageType, dwLength
little-endian, bSlot, bSeq, three message-specific bytes) and dwLength bytes of abData; a
message longer than one transfer continues in the next transfers of the same direction.

- ``PC_to_RDR_XfrBlock`` (6Fh, 6.1.4) carries the command, ``RDR_to_PC_DataBlock`` (80h,
  6.2.1) with the same bSeq its answer; ``PC_to_RDR_IccPowerOn`` (62h, 6.1.1) is answered by a
  DataBlock holding the ATR: the first is the trace's ATR, every later one a reset.
- Short and extended APDU level (6.1.4, table 6.1-3 wLevelParameter; 6.2.1 bChainParameter):
  pieces 1 "begins, continues" and 3 "continues" are joined up to 0 "begins and ends" or 2
  "continues and ends"; 10h (an empty XfrBlock asking for the next piece) carries nothing.
- TPDU level with T=1 (ISO/IEC 7816-3 11.3): when every XfrBlock and every DataBlock answering
  one is a T=1 block (NAD, PCB, LEN, LEN bytes of INF, LRC: the XOR of the block) the capture
  is read at TPDU level: I-blocks (PCB bit 8 = 0) with the M bit (bit 6) set are chained up to
  the one without; a repeated I-block (the same N(S) again, after an R-block asked for it) is
  taken once; R-blocks and S-blocks (WTX, IFS, RESYNCH) carry no APDU bytes.

Other CCID messages (GetSlotStatus, SetParameters, escapes...) and the other USB devices of the
capture are left out: the trace is the first device and slot that sends an XfrBlock.
Malformed captures raise :class:`DecodeError` naming the capture frame.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cardwire.errors import DecodeError
from cardwire.trace.dialects.usb_capture import Transfer, bulk_transfers
from cardwire.trace.model import MIN_RESPONSE, Event, Exchange, Header, Reset, Trace, TraceFormat

CCID_HEADER = 10  # CCID 6.1 / 6.2: every bulk message starts with a 10-byte header
PC_TO_RDR_ICC_POWER_ON = 0x62  # CCID 6.1.1
PC_TO_RDR_XFR_BLOCK = 0x6F  # CCID 6.1.4
RDR_TO_PC_DATA_BLOCK = 0x80  # CCID 6.2.1
CHAIN_CONTINUES = (0x01, 0x03)  # CCID 6.1.4 table 6.1-3 / 6.2.1: more pieces follow
T1_PROLOGUE = 3  # ISO/IEC 7816-3 11.3.1: NAD, PCB, LEN
T1_I_BLOCK = 0x80  # bit 8 of PCB is 0 in an I-block
T1_MORE = 0x20  # I-block PCB bit 6: M, chaining (ISO/IEC 7816-3 11.3.2.2)
T1_SEND_SEQUENCE = 0x40  # I-block PCB bit 7: N(S)


@dataclass(frozen=True, slots=True)
class _Message:
    frame: int
    kind: int
    slot: int
    seq: int
    chain: int  # wLevelParameter of an XfrBlock, bChainParameter of a DataBlock
    data: bytes


def _messages(transfers: Iterator[Transfer], inbound: bool) -> Iterator[_Message]:
    """The CCID messages of one direction, joined across transfers (CCID 6: dwLength)."""
    buffer, first = b"", 0
    for transfer in transfers:
        if transfer.inbound != inbound:
            continue
        if not buffer:
            first = transfer.frame
        buffer += transfer.data
        while len(buffer) >= CCID_HEADER:
            length = struct.unpack("<I", buffer[1:5])[0]
            if len(buffer) < CCID_HEADER + length:
                break
            kind, slot, seq = buffer[0], buffer[5], buffer[6]
            if kind == PC_TO_RDR_XFR_BLOCK:
                chain = struct.unpack("<H", buffer[8:10])[0]
            else:
                chain = buffer[9]
            data = buffer[CCID_HEADER : CCID_HEADER + length]
            yield _Message(first, kind, slot, seq, chain, data)
            buffer, first = buffer[CCID_HEADER + length :], transfer.frame
    if buffer:
        raise DecodeError(f"capture frame {first}: a CCID message is cut short")


def _t1_block(data: bytes) -> bool:
    # ISO/IEC 7816-3 11.3.1: LEN counts the INF bytes; 11.4.2: LRC, the XOR of the whole block.
    if len(data) < T1_PROLOGUE + 1 or data[2] != len(data) - T1_PROLOGUE - 1:
        return False
    lrc = 0
    for byte in data:
        lrc ^= byte
    return lrc == 0


@dataclass
class _T1Side:
    """One side's I-block chain (ISO/IEC 7816-3 11.3.2.2, 11.6.2)."""

    pieces: bytes = b""
    last_sequence: int | None = None

    def block(self, data: bytes) -> bytes | None:
        """The APDU this block completes, or None."""
        pcb = data[1]
        if pcb & T1_I_BLOCK:
            return None  # R-block or S-block: no APDU bytes
        sequence = pcb & T1_SEND_SEQUENCE
        if sequence == self.last_sequence:
            return None  # the same I-block sent again (ISO/IEC 7816-3 11.6.2.3 rule 6)
        self.last_sequence = sequence
        self.pieces += data[T1_PROLOGUE:-1]
        if pcb & T1_MORE:
            return None
        whole, self.pieces = self.pieces, b""
        return whole


def _pairs(
    messages: Sequence[_Message], answers: Sequence[_Message]
) -> list[tuple[_Message, _Message]]:
    """Each request with the DataBlock answering it (CCID 6.2: the same bSeq and slot)."""
    waiting = {(a.slot, a.seq, n): a for n, a in enumerate(answers)}
    used: set[int] = set()
    out: list[tuple[_Message, _Message]] = []
    for message in messages:
        match = next(
            (
                (n, a)
                for (slot, seq, n), a in waiting.items()
                if n not in used
                and slot == message.slot
                and seq == message.seq
                and a.frame >= message.frame
            ),
            None,
        )
        if match is not None:
            used.add(match[0])
            out.append((message, match[1]))
    return out


def parse(data: bytes) -> Trace:
    """Read a USB CCID capture (pcap or pcapng) into the trace model."""
    transfers = list(bulk_transfers(data))
    device = next(
        (
            t.device
            for t in transfers
            if not t.inbound and t.data[:1] == bytes([PC_TO_RDR_XFR_BLOCK])
        ),
        None,
    )
    if device is None:
        raise DecodeError("capture: no CCID PC_to_RDR_XfrBlock (6F) in this USB capture")
    mine = [t for t in transfers if t.device == device]
    requests = [
        m
        for m in _messages(iter(mine), False)
        if m.kind in (PC_TO_RDR_XFR_BLOCK, PC_TO_RDR_ICC_POWER_ON)
    ]
    answers = [m for m in _messages(iter(mine), True) if m.kind == RDR_TO_PC_DATA_BLOCK]
    pairs = _pairs(requests, answers)
    slot = next(r.slot for r in requests if r.kind == PC_TO_RDR_XFR_BLOCK)
    pairs = [(r, a) for r, a in pairs if r.slot == slot]
    tpdu = all(
        _t1_block(r.data) and _t1_block(a.data)
        for r, a in pairs
        if r.kind == PC_TO_RDR_XFR_BLOCK and r.data
    )
    return _assemble(pairs, tpdu)


def _assemble(pairs: Sequence[tuple[_Message, _Message]], tpdu: bool) -> Trace:
    events: list[Event] = []
    atr = b""
    started = False
    host, card = _T1Side(), _T1Side()
    command: tuple[int, bytes] | None = None  # (frame, bytes so far)
    response = b""
    for request, answer in pairs:
        if request.kind == PC_TO_RDR_ICC_POWER_ON:
            if started:
                events.append(Reset(answer.data, request.frame))
            else:
                atr = answer.data
            started = True
            host, card, command, response = _T1Side(), _T1Side(), None, b""
            continue
        started = True
        if tpdu:
            whole = host.block(request.data)
            if whole is not None:
                command = (request.frame, whole)
            reply = card.block(answer.data)
            if reply is not None and command is not None:
                events.append(_exchange(command, reply))
                command = None
            continue
        if request.data:
            frame, so_far = command if command is not None else (request.frame, b"")
            command = (frame, so_far + request.data)
        if request.chain in CHAIN_CONTINUES:
            continue  # CCID table 6.1-3: the command continues in the next XfrBlock
        response += answer.data
        if answer.chain in CHAIN_CONTINUES:
            continue  # CCID 6.2.1: the response continues; the host asks with wLevel 10h
        if command is not None:
            events.append(_exchange(command, response))
        command, response = None, b""
    return Trace(tuple(events), Header(atr=atr), source=TraceFormat.CCID)


def _exchange(command: tuple[int, bytes], response: bytes) -> Exchange:
    frame, data = command
    if not data:
        raise DecodeError(f"capture frame {frame}: an empty command APDU")
    if len(response) < MIN_RESPONSE:  # ISO/IEC 7816-4 5.1: SW1 SW2
        raise DecodeError(f"capture frame {frame}: the answer has no SW1 SW2")
    return Exchange(data, response, frame)


__all__ = ["parse"]
