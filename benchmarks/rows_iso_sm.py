"""ISO/IEC 7816-4 secure messaging round: the host protects a command and unprotects the answer.

The command is a case 4 INTERNAL AUTHENTICATE carrying the payload, the answer carries the same
number of bytes; both are protected in combined mode (DO87 / DO97 / DO99 / DO8E, ICAO Doc
9303-11 9.8). The card's answers are computed once with cardwire's card side; every timed batch
starts a fresh host session from the same keys and SSC, so the same answers verify again.

Floor per round (ICAO 9303-11 9.8.6): command IV = E(SSC) (AES only), CBC encryption of the
padded payload, the command MAC; the response MAC, response IV (AES), CBC decryption.
"""

from __future__ import annotations

from functools import partial

from benchmarks import floor_crypto as fc
from benchmarks.harness import Batch, Contender, Role, Row
from benchmarks.sm_round import RoundScript, cardwire_round
from cardwire.apdu import Command, Response
from cardwire.sm.iso7816 import IsoSmCard, IsoSmHost, SmSuite, make_suite

FAMILY = "ISO SM round"
KENC = bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5F3B3F1A5B2C3D4E5F60718293A4B5C6D")
KMAC = bytes.fromhex("F1CB1F1FB5ADF208806B89DC579DC1F8A1B2C3D4E5F60718293A4B5C6D7E8F90")
SUITES = {"3des": 16, "aes128": 16, "aes256": 32}  # key length per suite
LABELS = {"3des": "3DES", "aes128": "AES-128", "aes256": "AES-256"}
INS_INTERNAL_AUTHENTICATE = 0x88
TARGETS = {16: 0.5, 200: 0.6}  # issue 10: AES rounds >= 0.5 of floor at 16 B, 0.6 at 200 B


def _ssc(suite: str) -> bytes:
    return bytes(8 if suite == "3des" else 16)


def _make_suite(suite: str) -> SmSuite:
    size = SUITES[suite]
    return make_suite(suite, KENC[:size], KMAC[:size])


def new_host(suite: str) -> IsoSmHost:
    return IsoSmHost(_make_suite(suite), _ssc(suite))


def script_of(suite: str, payload: bytes) -> RoundScript:
    """The card's protected answers to the INTERNAL AUTHENTICATE carrying ``payload``."""
    command = Command(0x00, INS_INTERNAL_AUTHENTICATE, 0, 0, payload, ne=256)
    card = IsoSmCard(_make_suite(suite), _ssc(suite))
    return RoundScript(command, Response(payload, 0x9000), new_host(suite), card)


def floor_round(suite: str, payload_size: int) -> Contender:
    block = 8 if suite == "3des" else 16
    size = SUITES[suite]
    cipher = fc.tdes(KENC[:16]) if suite == "3des" else fc.aes(KENC[:size])
    mac = fc.FloorRetailMac(KMAC[:16]) if suite == "3des" else fc.FloorCmac(KMAC[:size])
    padded = fc.padded_size(payload_size, block)
    do87 = fc.tlv_size(1 + padded)
    # ICAO 9303-11 9.8.6.1: MAC input = pad(SSC || pad(header) || DO87 || DO97) for the command,
    # pad(SSC || DO87 || DO99) for the response.
    command_mac_input = bytes(fc.padded_size(block + block + do87 + 3, block))
    response_mac_input = bytes(fc.padded_size(block + do87 + 4, block))
    plain = bytes(padded)
    ssc = bytes(16)
    zero_iv = bytes(block)
    truncate = suite != "3des"

    def prepare(items: int) -> Batch:
        ecb, cbc_encrypt, cbc_decrypt, mac_of = (
            cipher.ecb,
            cipher.cbc_encrypt,
            cipher.cbc_decrypt,
            mac.mac,
        )

        if truncate:

            def batch() -> None:
                for _ in range(items):
                    cryptogram = cbc_encrypt(ecb(ssc), plain)
                    mac_of(command_mac_input)
                    mac_of(response_mac_input)
                    cbc_decrypt(ecb(ssc), cryptogram)

        else:

            def batch() -> None:
                for _ in range(items):
                    cryptogram = cbc_encrypt(zero_iv, plain)
                    mac_of(command_mac_input)
                    mac_of(response_mac_input)
                    cbc_decrypt(zero_iv, cryptogram)

        return batch

    return Contender(Role.FLOOR, "floor", prepare)


def rows(payloads: tuple[int, ...]) -> list[Row]:
    out = []
    for suite in SUITES:
        for size in payloads:
            script = script_of(suite, bytes(i & 0xFF for i in range(size)))
            cardwire = cardwire_round(script, partial(new_host, suite))
            out.append(
                Row(
                    family=FAMILY,
                    name=f"ISO SM {LABELS[suite]}",
                    variant=f"{size} B",
                    unit="rounds/s",
                    contenders=(cardwire, floor_round(suite, size)),
                    target_floor=None if suite == "3des" else TARGETS.get(size),
                )
            )
    return out
