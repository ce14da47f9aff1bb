"""Tamper matrix for PACE (issue 12): a bit flipped in the data of any MSE:Set AT or GENERAL
AUTHENTICATE message, in either direction, or in a status word, stops the exchange (the host
raises, or the card refuses); neither side ever ends with keys the other does not share. Then
bit flips in the secure messaging that PACE starts are detected on both sides.

The CLA byte and Le are the card OS's business (chaining and response length), so flips there
are left to the OS tests; every byte from INS to the end of the data field is flipped here (in
long DH values every fifth byte).
"""

from __future__ import annotations

import random

import pytest

from cardwire.apdu import Command, Response
from cardwire.errors import CryptogramError, DecodeError, SecureChannelError, StatusError
from cardwire.sm.base import Rng
from cardwire.sm.card_access import PaceInfo
from cardwire.sm.pace import PaceCard, PaceHost, PaceOutcome, PacePassword, PasswordType

CAN = PacePassword.from_text(PasswordType.CAN, "123456")
DH_AES = PaceInfo("0.4.0.127.0.7.2.2.4.1.2", 2, 0)  # RFC 5114 1024-bit group: fast
ECDH_3DES = PaceInfo("0.4.0.127.0.7.2.2.4.2.1", 2, 13)  # brainpoolP256r1
MESSAGES = 10  # MSE and four GENERAL AUTHENTICATE, each a command and a response


def seeded(seed: int) -> Rng:
    return random.Random(seed).randbytes


def flipped_positions(raw: bytes, *, command: bool) -> list[tuple[int, int]]:
    """(byte, bit) pairs to flip: every byte from INS on (commands: up to the data's end),
    every byte of a response; the bit cycles so that each bit position is covered."""
    if command:
        parsed = Command.decode(raw)
        start, end = 1, len(raw) - (1 if parsed.ne else 0)
    else:
        start, end = 0, len(raw)
    indexes = list(range(start, end))
    if end - start > 40:
        # Long messages (DH values): every byte of the headers and the last 12 bytes, every
        # fifth byte in between (five is coprime with eight, so every bit position is hit).
        indexes = [i for i in indexes if i < start + 12 or i >= end - 12 or i % 5 == 0]
    return [(index, index % 8) for index in indexes]


def reference_messages(info: PaceInfo) -> list[bytes]:
    messages: list[bytes] = []
    host = PaceHost(CAN, info, seeded(1))
    card = PaceCard([info], {PasswordType.CAN: CAN}, seeded(2))
    command: Command | None = host.start()
    while command is not None:
        messages.append(command.encode())
        response = card.process(command)
        messages.append(response.encode())
        command = host.receive(response)
    assert len(messages) == MESSAGES
    return messages


def run_with_flip(info: PaceInfo, target: int, byte: int, bit: int) -> tuple[PaceHost, PaceCard]:
    """Replay the reference exchange with one bit flipped in message ``target``; the host
    must raise. Returns both sides for inspection."""
    host = PaceHost(CAN, info, seeded(1))
    card = PaceCard([info], {PasswordType.CAN: CAN}, seeded(2))
    command: Command | None = host.start()
    index = 0
    with pytest.raises((StatusError, DecodeError, CryptogramError)):
        while command is not None:
            raw = command.encode()
            if index == target:
                raw = raw[:byte] + bytes((raw[byte] ^ (1 << bit),)) + raw[byte + 1 :]
            try:
                response = card.process(Command.decode(raw))
            except DecodeError:
                response = Response(sw=0x6700)  # what the card OS answers to a broken APDU
            raw_response = response.encode()
            if index + 1 == target:
                position = byte
                raw_response = (
                    raw_response[:position]
                    + bytes((raw_response[position] ^ (1 << bit),))
                    + raw_response[position + 1 :]
                )
            index += 2
            command = host.receive(Response.decode(raw_response))
    return host, card


@pytest.mark.parametrize("target", range(MESSAGES))
def test_every_flip_in_the_dh_exchange_is_detected(target: int) -> None:
    raw = reference_messages(DH_AES)[target]
    for byte, bit in flipped_positions(raw, command=target % 2 == 0):
        host, card = run_with_flip(DH_AES, target, byte, bit)
        if card.outcome is PaceOutcome.ESTABLISHED:
            # Only a flip in the chip's last answer gets past the chip: the terminal refused it.
            assert target == MESSAGES - 1
        with pytest.raises(Exception, match="not completed"):
            _ = host.result


@pytest.mark.parametrize("target", range(MESSAGES))
def test_sampled_flips_in_the_ecdh_3des_exchange_are_detected(target: int) -> None:
    raw = reference_messages(ECDH_3DES)[target]
    positions = flipped_positions(raw, command=target % 2 == 0)
    for byte, bit in positions[:: max(1, len(positions) // 6)]:
        _host, card = run_with_flip(ECDH_3DES, target, byte, bit)
        assert card.outcome is not PaceOutcome.ESTABLISHED or target == MESSAGES - 1


def established(info: PaceInfo) -> tuple[PaceHost, PaceCard]:
    host = PaceHost(CAN, info, seeded(3))
    card = PaceCard([info], {PasswordType.CAN: CAN}, seeded(4))
    host.establish(card.process)
    assert card.session is not None
    return host, card


@pytest.mark.parametrize("cipher", [1, 2, 3, 4], ids=["3des", "aes128", "aes192", "aes256"])
def test_flips_in_the_secure_messaging_after_pace_are_detected(cipher: int) -> None:
    info = PaceInfo(f"0.4.0.127.0.7.2.2.4.1.{cipher}", 2, 0)
    host = PaceHost(CAN, info, seeded(3))
    card = PaceCard([info], {PasswordType.CAN: CAN}, seeded(4))
    host.establish(card.process)
    keys = card.keys
    assert keys is not None
    assert keys == host.result.keys
    plain = Command(0x00, 0xD6, 0x00, 0x00, b"\x01\x02\x03", ne=0)
    wire = host.result.session.protect(plain).encode()
    for index in range(5, len(wire) - 1):  # the SM data objects (after CLA INS P1 P2 Lc)
        changed = wire[:index] + bytes((wire[index] ^ (1 << (index % 8)),)) + wire[index + 1 :]
        session = keys.card_session()  # a fresh card session with SSC 0, as after PACE
        with pytest.raises(SecureChannelError):
            session.unwrap(Command.decode(changed))
        assert not session.active
    card_session = keys.card_session()
    assert card_session.unwrap(Command.decode(wire)) == plain
    answer = card_session.wrap(Response(b"\xaa\xbb")).encode()
    for index in range(len(answer) - 2):
        changed = (
            answer[:index] + bytes((answer[index] ^ (1 << (index % 8)),)) + answer[index + 1 :]
        )
        host_session = keys.host_session()
        host_session.protect(plain)
        with pytest.raises(SecureChannelError):
            host_session.unprotect(Response.decode(changed))
        assert not host_session.active
