"""GlobalPlatform SCP02 round (i=15, three 3DES keys): the host protects a command.

Implementation options 15 and 55 have no R-MAC (GP Card Spec v2.3.1 E.1.1): the answer travels
plain, so a round is the command side only. The host session comes from cardwire's handshake
with fixed challenges against cardwire's card side; each timed batch starts a fresh host session
in the same state. No peer: the SCP02 hosts people use (GlobalPlatformPro, pySim) are not
installable Python libraries with a transport-free channel object.

Per round (E.4.4, E.4.6), level 03: the C-MAC (single DES CBC from the ICV over the padded
modified header and data, a final 3DES step: ISO 9797-1 MAC algorithm 3), the ICV of the next
command (the C-MAC encrypted with single DES, i b5), 3DES-CBC of the padded data under S-ENC.
Level 01: the C-MAC and the ICV only. The floor is exactly these calls.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from benchmarks import floor_crypto as fc
from benchmarks.harness import Batch, Contender, Role, Row
from benchmarks.sm_round import RoundScript, cardwire_round
from cardwire.apdu import Command, Response
from cardwire.sm.scp02 import (
    I_15,
    Scp02Card,
    Scp02CardSession,
    Scp02Handshake,
    Scp02HostSession,
    StaticKeys,
    derive_session_keys,
)

FAMILY = "SCP02 round"
HOST_CHALLENGE = bytes.fromhex("F0E1D2C3B4A59687")
CARD_CHALLENGE = bytes.fromhex("0123456789AB")
AID = bytes.fromhex("A000000151000000")
SEQUENCE_COUNTER = 1
CLA, INS, P1, P2 = 0x80, 0xE2, 0x90, 0x00  # STORE DATA-like case 3 command with the payload
PAYLOADS = (16, 200)  # short APDUs only: 200 B + padding + MAC still fits Lc


def open_sessions(level: int) -> tuple[Scp02HostSession, Scp02CardSession]:
    """A cardwire host and card session after the handshake with the fixed challenges."""
    card = Scp02Card([StaticKeys.default()], AID, option=I_15, rng=lambda n: CARD_CHALLENGE[:n])
    handshake = Scp02Handshake(
        StaticKeys.default(), level=level, option=I_15, rng=lambda n: HOST_CHALLENGE[:n]
    )
    answer = card.initialize_update(handshake.initialize_update(), SEQUENCE_COUNTER)
    external = handshake.external_authenticate(answer)
    response, card_session = card.external_authenticate(external)
    return handshake.complete(response), card_session


def script_of(level: int, payload: bytes) -> RoundScript:
    host, card = open_sessions(level)
    return RoundScript(Command(CLA, INS, P1, P2, payload), Response(b"", 0x9000), host, card)


def new_host(level: int) -> Scp02HostSession:
    host, _ = open_sessions(level)
    return host


def floor_step(level: int, data: bytes) -> Callable[[bytes], tuple[bytes, bytes]]:
    """One command's floor work from the ICV: returns (C-MAC, next ICV); with level 03 it
    also encrypts ``data``. ``data`` is the padded MAC input (header || Lc || payload)."""
    keys = derive_session_keys(StaticKeys.default(), SEQUENCE_COUNTER)
    first = fc.tdes(keys.c_mac[:8])  # the CBC part, the final step and the ICV: single DES
    cbc, ecb = first.cbc_encrypt, first.ecb
    decrypt_second = fc.tdes(keys.c_mac[8:16]).ecb_decrypt
    encrypt = fc.tdes(keys.enc).cbc_encrypt
    plain = bytes(fc.padded_size(len(data) - 5, 8))  # the payload's size, padded
    zero = bytes(8)

    def mac_only(icv: bytes) -> tuple[bytes, bytes]:
        mac = ecb(decrypt_second(cbc(icv, data)[-8:]))  # ISO 9797-1 MAC algorithm 3
        return mac, ecb(mac)

    def mac_and_encrypt(icv: bytes) -> tuple[bytes, bytes]:
        encrypt(zero, plain)
        return mac_only(icv)

    return mac_and_encrypt if level & 0x02 else mac_only


def floor_round(level: int, payload_size: int) -> Contender:
    # C-MAC input: CLA INS P1 P2 Lc || data, padded (ISO 9797-1 method 2)
    step = floor_step(level, bytes(fc.padded_size(5 + payload_size, 8)))

    def prepare(items: int) -> Batch:
        def batch() -> None:
            icv = bytes(8)
            for _ in range(items):
                _, icv = step(icv)

        return batch

    return Contender(Role.FLOOR, "floor", prepare)


def rows(payloads: tuple[int, ...]) -> list[Row]:
    out = []
    for level in (0x03, 0x01):
        for size in payloads:
            if size not in PAYLOADS:
                continue
            script = script_of(level, bytes(i & 0xFF for i in range(size)))
            out.append(
                Row(
                    family=FAMILY,
                    name=f"SCP02 i=15 level {level:02X} 3DES",
                    variant=f"{size} B",
                    unit="rounds/s",
                    contenders=(
                        cardwire_round(script, partial(new_host, level)),
                        floor_round(level, size),
                    ),
                )
            )
    return out
