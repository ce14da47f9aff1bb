"""GlobalPlatform card content and life cycle commands beyond ``cardwire.gp``: INSTALL [for load]
and LOAD, INSTALL [for personalization], STORE DATA, SET STATUS of the card, host and card side,
sans-IO (the same codec on both ends, as in ``cardwire.gp``).

Sources: GlobalPlatform Card Specification v2.3 (GPC) 11.5 INSTALL, 11.6 LOAD, 11.10 SET STATUS,
11.11 STORE DATA, 5.1.1 card life cycle.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

from cardwire.apdu import Command
from cardwire.errors import DecodeError, UsageError
from cardwire.gp import CLA_GP, INS_INSTALL, INS_SET_STATUS, read_install_fields

INS_LOAD = 0xE8
INS_STORE_DATA = 0xE2
# GPC 11.5.2.1 table 11-41: INSTALL P1 bits. b2 = for load, b6 = for personalization.
INSTALL_FOR_LOAD = 0x02
INSTALL_FOR_PERSONALIZATION = 0x20
LAST_BLOCK = 0x80  # GPC 11.6.2.1 (LOAD) and 11.11.2.1 (STORE DATA): P1 b8 = last block
SET_STATUS_CARD = 0x80  # GPC 11.10.2.1 table 11-84: P1 = the ISD, i.e. the card life cycle
MAX_BLOCK = 0xFF  # GPC 11.6.2.2: the block number is one byte, 00 first
DEFAULT_BLOCK_SIZE = 0xEF  # GlobalPlatformPro's default LOAD block: room for a C-MAC and padding


class CardLifeCycle(IntEnum):
    """GPC 5.1.1 table 11-5: the card life cycle states."""

    OP_READY = 0x01
    INITIALIZED = 0x07
    SECURED = 0x0F
    CARD_LOCKED = 0x7F
    TERMINATED = 0xFF


def card_transition_allowed(current: int, target: int) -> bool:
    """GPC 5.1.1: OP_READY -> INITIALIZED -> SECURED only forward (a step may be skipped, as
    GPC 5.1.1.1-5.1.1.3 describe each as irreversible), SECURED <-> CARD_LOCKED both ways,
    TERMINATED from every state and nothing out of it."""
    if current == CardLifeCycle.TERMINATED:
        return False
    if target == CardLifeCycle.TERMINATED:
        return True
    forward = (CardLifeCycle.OP_READY, CardLifeCycle.INITIALIZED, CardLifeCycle.SECURED)
    if current in forward and target in forward:
        return forward.index(target) > forward.index(current)
    locked = {CardLifeCycle.SECURED, CardLifeCycle.CARD_LOCKED}
    return {current, target} == locked


def set_card_status(state: CardLifeCycle) -> Command:
    """SET STATUS of the card (GPC 11.10.2: P1 80, P2 = the new state, no data)."""
    return Command(CLA_GP, INS_SET_STATUS, SET_STATUS_CARD, int(state))


def _fields(*values: bytes) -> bytes:
    for value in values:
        if len(value) > 0xFF:
            raise UsageError("an INSTALL field holds at most 255 bytes")
    return b"".join(bytes((len(value),)) + value for value in values)


@dataclass(frozen=True, slots=True)
class InstallForLoad:
    """INSTALL [for load] data (GPC 11.5.2.3.1 table 11-44): load file AID, Security Domain
    AID, load file data block hash, load parameters, load token (each length + value)."""

    load_file: bytes
    security_domain: bytes = b""
    hash: bytes = b""
    parameters: bytes = b""
    token: bytes = b""

    def encode(self) -> bytes:
        return _fields(self.load_file, self.security_domain, self.hash, self.parameters, self.token)

    @classmethod
    def decode(cls, data: bytes) -> InstallForLoad:
        return cls(*read_install_fields(data, 5))


def install_for_load(data: InstallForLoad) -> Command:
    """INSTALL [for load] (GPC 11.5.2.1: P1 02, P2 00)."""
    return Command(CLA_GP, INS_INSTALL, INSTALL_FOR_LOAD, 0x00, data.encode(), ne=256)


def load_blocks(block: bytes, size: int = DEFAULT_BLOCK_SIZE) -> Iterator[Command]:
    """The LOAD commands for a load file data block (GPC 11.6.2): blocks numbered from 00,
    P1 80 on the last one."""
    if not 1 <= size <= 0xFF:
        raise UsageError(f"LOAD block size must be 1..255, got {size}")
    pieces = [block[i : i + size] for i in range(0, len(block), size)] or [b""]
    if len(pieces) > MAX_BLOCK + 1:
        raise UsageError(f"{len(pieces)} LOAD blocks: more than 256, use larger blocks")
    for number, piece in enumerate(pieces):
        p1 = LAST_BLOCK if number == len(pieces) - 1 else 0x00
        yield Command(CLA_GP, INS_LOAD, p1, number, piece, ne=256)


def install_for_personalization(aid: bytes) -> Command:
    """INSTALL [for personalization] (GPC 11.5.2.3.4): the application STORE DATA goes to;
    the data field is the three empty fields around the application AID."""
    data = _fields(b"", b"", aid, b"", b"", b"")
    return Command(CLA_GP, INS_INSTALL, INSTALL_FOR_PERSONALIZATION, 0x00, data, ne=256)


def personalization_target(data: bytes) -> bytes:
    """The application AID of an INSTALL [for personalization] data field."""
    return read_install_fields(data, 6)[2]


class DataFormat(IntEnum):
    """STORE DATA P1 b5-b4 (GPC 11.11.2.1 table 11-89): the structure of the data."""

    NONE = 0x00
    DGI = 0x08
    BER_TLV = 0x10


def store_data(
    data: bytes, data_format: DataFormat, *, number: int = 0, last: bool = True
) -> Command:
    """STORE DATA (GPC 11.11.2): P1 = last block (b8) and the data structure, P2 = block."""
    if not 0 <= number <= MAX_BLOCK:
        raise UsageError(f"STORE DATA block number must be 0..255, got {number}")
    p1 = (LAST_BLOCK if last else 0x00) | int(data_format)
    return Command(CLA_GP, INS_STORE_DATA, p1, number, data, ne=256)


def parse_dgis(data: bytes) -> list[tuple[int, bytes]]:
    """DGI-formatted data (GPC 11.11.2.3 / EMV CPS): two-byte DGI, a length of one byte or
    FF followed by two bytes, the value."""
    out = []
    pos = 0
    while pos < len(data):
        if pos + 3 > len(data):
            raise DecodeError("DGI header truncated", pos)
        dgi, length, at = int.from_bytes(data[pos : pos + 2], "big"), data[pos + 2], pos + 3
        if length == 0xFF:
            if at + 2 > len(data):
                raise DecodeError("DGI length truncated", at)
            length, at = int.from_bytes(data[at : at + 2], "big"), at + 2
        value = data[at : at + length]
        if len(value) != length:
            raise DecodeError("DGI value truncated", at)
        out.append((dgi, value))
        pos = at + length
    return out


__all__ = [
    "INS_LOAD",
    "INS_STORE_DATA",
    "CardLifeCycle",
    "DataFormat",
    "InstallForLoad",
    "card_transition_allowed",
    "install_for_load",
    "install_for_personalization",
    "load_blocks",
    "parse_dgis",
    "personalization_target",
    "set_card_status",
    "store_data",
]
