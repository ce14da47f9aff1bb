"""Decoding: command APDUs through ``Command.decode`` + ``encode``, and a deep BER-TLV parse.

No crypto here, so no floor: the rows report throughput only.
"""

from __future__ import annotations

from benchmarks.harness import Batch, Contender, Role, Row
from cardwire import tlv
from cardwire.apdu import Command

FAMILY = "Decoding"

# One APDU of each ISO 7816-4 case, short and extended (5.1), as they come off a wire.
SAMPLE_APDUS = (
    Command(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("A0000002471001")).encode(),  # 3S
    Command(0x00, 0xB0, 0x00, 0x00, ne=256).encode(),  # 2S
    Command(0x00, 0x84, 0x00, 0x00, ne=8).encode(),  # 2S
    Command(0x0C, 0xB0, 0x00, 0x10, bytes(32), ne=256).encode(),  # 4S
    Command(0x00, 0x20, 0x00, 0x01).encode(),  # 1
    Command(0x00, 0xB0, 0x00, 0x00, ne=65536).encode(),  # 2E
    Command(0x00, 0xD6, 0x00, 0x00, bytes(300)).encode(),  # 3E
    Command(0x00, 0x88, 0x00, 0x00, bytes(16), ne=1000).encode(),  # 4E
)


def nested_structure(target: int = 2048) -> bytes:
    """About ``target`` bytes of BER-TLV four levels deep (a CV-certificate-like shape)."""
    leaves = [
        tlv.Tlv(0x5F20, b"cardwire benchmark holder"),
        tlv.Tlv(0x5F25, bytes(6)),
        tlv.Tlv(0x5F24, bytes(6)),
        tlv.Tlv(0x42, b"DETESTCVCA00001"),
    ]
    key = tlv.Tlv.of(0x7F49, tlv.Tlv(0x06, bytes(10)), tlv.Tlv(0x86, bytes(65)))
    groups = []
    while True:
        group = tlv.Tlv.of(0x7F4E, *leaves, key, tlv.Tlv.of(0x65, tlv.Tlv.of(0x73, *leaves)))
        groups.append(group)
        body = tlv.Tlv.of(0x7F21, *groups).encode()
        if len(body) >= target:
            return body


def apdu_row() -> Row:
    def prepare(items: int) -> Batch:
        samples = SAMPLE_APDUS
        decode = Command.decode

        def batch() -> None:
            for _ in range(items):
                for raw in samples:
                    decode(raw).encode()

        return batch

    return Row(
        family=FAMILY,
        name="Command decode + encode",
        variant="8 APDUs",
        unit="APDUs/s",
        contenders=(Contender(Role.CARDWIRE, "cardwire", prepare),),
        units_per_item=len(SAMPLE_APDUS),
    )


def tlv_row() -> Row:
    data = nested_structure()

    def prepare(items: int) -> Batch:
        parse = tlv.parse

        def batch() -> None:
            for _ in range(items):
                parse(data, deep=True)

        return batch

    return Row(
        family=FAMILY,
        name="BER-TLV deep parse (4 levels)",
        variant=f"{len(data)} B",
        unit="parses/s",
        contenders=(Contender(Role.CARDWIRE, "cardwire", prepare),),
    )


def rows(payloads: tuple[int, ...]) -> list[Row]:
    return [apdu_row(), tlv_row()]
