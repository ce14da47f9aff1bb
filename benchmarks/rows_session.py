"""Whole sessions in memory: host Card -> layers -> MemoryTransport -> SimCard -> card OS -> applet.

- Session round: READ BINARY of 16 / 200 bytes under AES-128 secure messaging (ICAO Doc 9303-11
  9.8 profile): the host protects, the card unwraps, reads, wraps, the host unprotects.
- File read: a 60 KiB transparent EF read whole over AES-128 SM, in short APDUs (the largest
  chunk whose protected answer fits one short response) and in extended-length APDUs (MB/s).
- ePassport DG2: the simulated passport's 60 KiB EF.DG2 read over BAC (3DES SM), when the
  ePassport applet is present.

The AES session is set up in memory: a benchmark applet (the file-system applet plus one
proprietary command) installs :class:`IsoSmCard` on its channel, the host installs the matching
:class:`IsoSmHost` with ``card.secure()``; keys and SSC are fixed, as after a key agreement.

The floor of a session is the crypto of both sides for the APDUs the session really exchanged
(recorded once, then replayed): per protected object, the IV (AES) and a CBC operation on each
side; per message, the MAC computed by the sender and again by the receiver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks import floor_crypto as fc
from benchmarks.harness import Batch, Contender, Role, Row
from cardwire import tlv
from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.sim.applet import Applet, ChannelContext
from cardwire.sim.applets.filesystem import FileSystemApplet
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.sm.iso7816 import AesSuite, IsoSmCard, IsoSmHost
from cardwire.transport.memory import MemoryTransport

FAMILY_ROUND = "Session round"
FAMILY_FILE = "File read"
KENC = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")
KMAC = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
START_SSC = bytes(16)
BENCH_AID = bytes.fromhex("F0636172647769726542")
CLA_PROPRIETARY, INS_OPEN_SM = 0x80, 0x5E  # the benchmark applet's "start SM" command
BIG_FID, SMALL_FID = b"\x01\x02", b"\x01\x01"
FILE_SIZE = 60 * 1024
SHORT_RESPONSE = 256  # ISO 7816-4 5.1: a short answer carries at most 256 data bytes
ROUND_TARGET = 0.35  # issue 10: session round >= 0.35 of both sides' crypto floor


class BenchFileSystem(FileSystemApplet):
    """The file-system applet plus CLA 80 INS 5E: install the fixed AES session on the channel."""

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        if command.cla == CLA_PROPRIETARY and command.ins == INS_OPEN_SM:
            ctx.secure_session = IsoSmCard(AesSuite(KENC, KMAC), START_SSC)
            return Response()
        return super().process(ctx, command)


def _bench_applet(section: dict[str, Any]) -> Applet:
    return BenchFileSystem.from_config(section)


def bench_profile() -> Profile:
    files = [
        {
            "fid": "0102",
            "type": "transparent",
            "size": FILE_SIZE,
            "content": {"pattern": {"modulus": 251}},
            "access": {"read": "always", "update": "never"},
        },
        {
            "fid": "0101",
            "type": "transparent",
            "size": 256,
            "content": {"pattern": {"modulus": 251}},
            "access": {"read": "always", "update": "never"},
        },
    ]
    settings = {"mf": {"fid": "3F00", "files": files}}
    return Profile(CardOptions(extended_length=True), (AppletSpec("bench", BENCH_AID, settings),))


def open_aes_session(fid: bytes) -> Card:
    """A Card on a fresh bench card, AES SM on both sides, ``fid`` selected under SM."""
    sim = SimCard(bench_profile(), applet_types={"bench": _bench_applet})
    card = Card(MemoryTransport(sim))
    card.send(Command(CLA_PROPRIETARY, INS_OPEN_SM, 0, 0))
    card.secure(IsoSmHost(AesSuite(KENC, KMAC), START_SSC))
    card.select(fid)
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
    messages: list[Message], cipher: fc.FloorCipher, mac: Callable[[bytes], bytes], aes_iv: bool
) -> Callable[[], None]:
    """One pass of both sides' crypto for ``messages``: per message the sender's and the
    receiver's MAC, and (with data) IV + encryption on one side, IV + decryption on the other."""
    steps = [(bytes(m.cryptogram), bytes(m.mac_input)) for m in messages]
    ecb, encrypt, decrypt = cipher.ecb, cipher.cbc_encrypt, cipher.cbc_decrypt
    counter = bytes(16)
    zero_iv = bytes(cipher.block)

    def one_pass() -> None:
        for plain, mac_input in steps:
            mac(mac_input)
            mac(mac_input)
            if plain:
                if aes_iv:
                    decrypt(ecb(counter), encrypt(ecb(counter), plain))
                else:
                    decrypt(zero_iv, encrypt(zero_iv, plain))

    return one_pass


def floor_contender(messages: list[Message], suite: str, kenc: bytes, kmac: bytes) -> Contender:
    if suite == "aes":
        cipher = fc.aes(kenc)
        mac: Callable[[bytes], bytes] = fc.FloorCmac(kmac).mac
    else:
        cipher = fc.tdes(kenc)
        mac = fc.FloorRetailMac(kmac).mac
    one_pass = both_sides_floor(messages, cipher, mac, suite == "aes")

    def prepare(items: int) -> Batch:
        def batch() -> None:
            for _ in range(items):
                one_pass()

        return batch

    return Contender(Role.FLOOR, "floor", prepare)


# --- rows ---------------------------------------------------------------------------------------


def recorded_aes_session(work: Callable[[Card], object], fid: bytes) -> list[tuple[bytes, bytes]]:
    sim = SimCard(bench_profile(), applet_types={"bench": _bench_applet})
    recorder = RecordingTransport(MemoryTransport(sim))
    card = Card(recorder)
    card.send(Command(CLA_PROPRIETARY, INS_OPEN_SM, 0, 0))
    card.secure(IsoSmHost(AesSuite(KENC, KMAC), START_SSC))
    card.select(fid)
    recorder.pairs.clear()
    work(card)
    return list(recorder.pairs)


def session_round_row(size: int) -> Row:
    def work(card: Card) -> object:
        return card.read_binary(0, size)

    messages = message_costs(recorded_aes_session(work, SMALL_FID), 16)

    def prepare(items: int) -> Batch:
        card = open_aes_session(SMALL_FID)
        read = card.read_binary

        def batch() -> None:
            for _ in range(items):
                read(0, size)

        return batch

    return Row(
        family=FAMILY_ROUND,
        name="Session READ BINARY, AES-128 SM",
        variant=f"{size} B",
        unit="rounds/s",
        contenders=(
            Contender(Role.CARDWIRE, "cardwire", prepare),
            floor_contender(messages, "aes", KENC, KMAC),
        ),
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

    pairs = recorded_aes_session(work, BIG_FID)
    messages = message_costs(pairs, 16)
    apdus = len(pairs)

    def prepare(items: int) -> Batch:
        cards = [open_aes_session(BIG_FID) for _ in range(items)]

        def batch() -> None:
            for card in cards:
                if len(card.read_file(chunk=chunk)) != FILE_SIZE:
                    raise RuntimeError("the file read came back short")

        return batch

    return Row(
        family=FAMILY_FILE,
        name=f"60 KiB EF, AES-128 SM, {label}",
        variant=f"{apdus} APDUs",
        unit="MB/s",
        contenders=(
            Contender(Role.CARDWIRE, "cardwire", prepare),
            floor_contender(messages, "aes", KENC, KMAC),
        ),
        units_per_item=FILE_SIZE / 1e6,
    )


def rows(payloads: tuple[int, ...]) -> list[Row]:
    out = [session_round_row(size) for size in payloads]
    out.append(file_read_row("short APDUs", largest_short_chunk()))
    out.append(file_read_row("extended length", 65536))
    return out
