"""Whole sessions in memory: host Card -> layers -> MemoryTransport -> SimCard -> card OS -> applet.

The card is the built-in simulated card; its ePassport applet holds a 60 KiB EF.DG2. The host
selects the application, runs PACE with the CAN (ICAO Doc 9303-11 4.4, ECDH generic mapping,
AES-128) and installs the secure session with ``card.secure()``; the card holds its side on the
channel. One session serves a whole row: the send sequence counters simply go on.

- Session round: READ BINARY of 16 / 200 bytes of EF.DG2 under AES-128 secure messaging: the
  host protects, the card unwraps, reads, wraps, the host unprotects.
- File read: the whole 60 KiB EF.DG2, in short APDUs (the largest chunk whose protected answer
  fits one short response, READ BINARY B1 past offset 32767) and in extended-length APDUs.

The floor of a session is the crypto of both sides for the APDUs the session really exchanges
(recorded once on a separate card, then replayed by size): per message the MAC computed by the
sender and again by the receiver; per data object an IV and a CBC operation on each side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from benchmarks import floor_crypto as fc
from benchmarks.harness import Batch, Contender, Role, Row
from cardwire import tlv
from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.handshakes.pace import open_pace, select_application
from cardwire.sim.applets.epassport.config import large_dg2_config
from cardwire.sim.applets.epassport.lds import DG2_SIZE, EF_DG2, EPASSPORT_AID
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.transport.base import Transport
from cardwire.transport.memory import MemoryTransport

FAMILY_ROUND = "Session round"
FAMILY_FILE = "File read"
CAN = "123456"  # the simulated passport's default CAN (docs/simulator.md)
SHORT_RESPONSE = 256  # ISO 7816-4 5.1: a short answer carries at most 256 data bytes
ROUND_TARGET = 0.35  # issue 10: session round >= 0.35 of both sides' crypto floor


def large_dg2_profile() -> Profile:
    """The ePassport with the 60 KB synthetic DG2 (the default passport's DG2 is below 32 KB)."""
    section = {k: v for k, v in large_dg2_config().items() if k not in ("type", "aid")}
    return Profile(CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, section),))


def open_passport(wrap: Callable[[MemoryTransport], Transport] | None = None) -> Card:
    """A Card on a fresh simulated card (its transport wrapped by ``wrap``, if given):
    ePassport selected, PACE done, EF.DG2 selected."""
    wire = MemoryTransport(SimCard(large_dg2_profile()))
    card = Card(wire if wrap is None else wrap(wire))
    select_application(card, EPASSPORT_AID)
    session = open_pace(card, CAN)
    if not repr(session).startswith("IsoSmHost(aes128,"):  # the repr names the suite
        raise RuntimeError(f"PACE gave {session!r}, expected AES-128 secure messaging")
    card.secure(session)
    card.select(EF_DG2.to_bytes(2, "big"))
    return card


# --- recording and the floor ------------------------------------------------------------------


class RecordingTransport:
    """A transport that keeps every (command, response) pair passing through it."""

    def __init__(self, inner: MemoryTransport) -> None:
        self.inner = inner
        self.pairs: list[tuple[bytes, bytes]] = []

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    @property
    def name(self) -> str:
        return self.inner.name

    def transmit(self, apdu: bytes) -> bytes:
        answer = self.inner.transmit(apdu)
        self.pairs.append((apdu, answer))
        return answer

    def reset(self, cold: bool = False) -> bytes:
        return self.inner.reset(cold)

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True)
class Message:
    """The crypto one protected message costs: its cryptogram and its MAC input sizes."""

    cryptogram: int  # bytes to encrypt / decrypt (0: no data object)
    mac_input: int  # bytes MACed, padding included


def message_costs(pairs: list[tuple[bytes, bytes]], block: int) -> list[Message]:
    """Per protected command and response: the ICAO 9303-11 9.8.6 MAC input size
    (SSC || [pad(header)] || data objects, padded) and the cryptogram size."""
    messages = []
    for raw_command, raw_response in pairs:
        command, response = Command.decode(raw_command), Response.decode(raw_response)
        if not command.cla & 0x0C:
            continue  # not protected (a plain continuation)
        messages.append(_cost(command.data, block, header=True))
        if response.data:
            messages.append(_cost(response.data, block, header=False))
    return messages


def _cost(body: bytes, block: int, *, header: bool) -> Message:
    objects = tlv.parse(body)
    cryptogram = 0
    for node in objects:
        if node.tag == 0x87:
            cryptogram = len(node.value) - 1
        elif node.tag == 0x85:
            cryptogram = len(node.value)
    covered = len(body) - 10  # everything before DO8E (8E 08 + 8 bytes)
    mac_input = fc.padded_size(block + (block if header else 0) + covered, block)
    return Message(cryptogram, mac_input)


def both_sides_floor(
    messages: list[Message], cipher: fc.FloorCipher, mac: Callable[[bytes], bytes]
) -> Callable[[], None]:
    """One pass of both sides' crypto for ``messages``: per message the sender's and the
    receiver's MAC, and (with data) IV = E(SSC) + encryption on one side, IV + decryption on
    the other."""
    steps = [(bytes(m.cryptogram), bytes(m.mac_input)) for m in messages]
    ecb, encrypt, decrypt = cipher.ecb, cipher.cbc_encrypt, cipher.cbc_decrypt
    counter = bytes(16)

    def one_pass() -> None:
        for plain, mac_input in steps:
            mac(mac_input)
            mac(mac_input)
            if plain:
                decrypt(ecb(counter), encrypt(ecb(counter), plain))

    return one_pass


def floor_contender(messages: list[Message], kenc: bytes, kmac: bytes) -> Contender:
    """The AES suite's floor (ICAO 9303-11 9.8.6.2): CMAC, IV = E(SSC), CBC."""
    one_pass = both_sides_floor(messages, fc.aes(kenc), fc.FloorCmac(kmac).mac)

    def prepare(items: int) -> Batch:
        def batch() -> None:
            for _ in range(items):
                one_pass()

        return batch

    return Contender(Role.FLOOR, "floor", prepare)


# --- rows ---------------------------------------------------------------------------------------


def recorded(work: Callable[[Card], object]) -> list[tuple[bytes, bytes]]:
    """The APDU pairs ``work`` exchanges on a fresh passport session (after the set-up)."""
    recorders: list[RecordingTransport] = []

    def recording(wire: MemoryTransport) -> RecordingTransport:
        recorders.append(RecordingTransport(wire))
        return recorders[0]

    card = open_passport(recording)
    recorders[0].pairs.clear()
    work(card)
    return list(recorders[0].pairs)


def floor_of(pairs: list[tuple[bytes, bytes]]) -> Contender:
    """Both sides' AES-128 crypto for ``pairs`` (the keys do not change the cost)."""
    return floor_contender(message_costs(pairs, 16), bytes(16), bytes(range(16)))


def session_round_row(size: int) -> Row:
    def work(card: Card) -> object:
        return card.read_binary(0, size)

    card = open_passport()  # one session for the whole row: the counters go on

    def prepare(items: int) -> Batch:
        read = card.read_binary

        def batch() -> None:
            for _ in range(items):
                read(0, size)

        return batch

    return Row(
        family=FAMILY_ROUND,
        name="Session READ BINARY, PACE AES-128 SM",
        variant=f"{size} B",
        unit="rounds/s",
        contenders=(Contender(Role.CARDWIRE, "cardwire", prepare), floor_of(recorded(work))),
        target_floor=ROUND_TARGET,
    )


def largest_short_chunk(block: int = 16, mac_length: int = 8) -> int:
    """The most plain bytes whose protected answer (DO87, DO99, DO8E) fits a short response."""
    best = 0
    for size in range(1, SHORT_RESPONSE):
        do87 = fc.tlv_size(1 + fc.padded_size(size, block))
        if do87 + 4 + 2 + mac_length <= SHORT_RESPONSE:
            best = size
    return best


def file_read_row(label: str, chunk: int) -> Row:
    def work(card: Card) -> object:
        return card.read_file(chunk=chunk)

    pairs = recorded(work)
    card = open_passport()

    def prepare(items: int) -> Batch:
        read_file = card.read_file

        def batch() -> None:
            for _ in range(items):
                if len(read_file(chunk=chunk)) != DG2_SIZE:
                    raise RuntimeError("EF.DG2 came back short")

        return batch

    return Row(
        family=FAMILY_FILE,
        name=f"EF.DG2 60 KiB, PACE AES-128 SM, {label}",
        variant=f"{len(pairs)} APDU{'s' if len(pairs) > 1 else ''}",
        unit="MB/s",
        contenders=(Contender(Role.CARDWIRE, "cardwire", prepare), floor_of(pairs)),
        units_per_item=DG2_SIZE / 1e6,
    )


def rows(payloads: tuple[int, ...]) -> list[Row]:
    out = [session_round_row(size) for size in payloads]
    out.append(file_read_row("short APDUs", largest_short_chunk()))
    out.append(file_read_row("extended length", 65536))
    return out
