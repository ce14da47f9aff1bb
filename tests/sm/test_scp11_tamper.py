"""SCP11 tamper matrix (GP Card Spec v2.3 Amendment F): every single-bit flip of the key
agreement (command and answer: a wrong receipt or a refused command), of a protected command and
of a protected response is detected; replayed and reordered commands too. After the handshake
SCP11 is SCP03's channel at level 33 (tests/sm/test_scp03_tamper.py covers that codec for every
level); here the chaining value starts at the receipt, so the matrix runs again for it.

Not covered, as for SCP03: Le is outside the C-MAC, and the channel bits of CLA are zeroed for
the MAC (such flips are left out)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from scp11_pki import Pki

from cardwire.apdu import Command, Response
from cardwire.cla import channel_of
from cardwire.errors import DecodeError, SecureChannelError, SessionClosedError
from cardwire.sm.scp03 import Mode
from cardwire.sm.scp11 import (
    Scp11Card,
    Scp11CardSession,
    Scp11Handshake,
    Scp11HostSession,
    Variant,
)

PKI = Pki.make()
HOST_EPHEMERAL = ec.derive_private_key(0x1234567, ec.SECP256R1())
CARD_EPHEMERAL = ec.derive_private_key(0x7654321, ec.SECP256R1())
COMMAND = Command(0x80, 0xF2, 0x80, 0x02, b"\x4f\x00", 256)
ANSWER = Response(bytes(range(24)), 0x9000)


def flips(raw: bytes, limit: int) -> list[bytes]:
    return [
        raw[:i] + bytes((raw[i] ^ (1 << bit),)) + raw[i + 1 :]
        for i in range(limit)
        for bit in range(8)
    ]


def handshake_parts(variant: Variant) -> tuple[Scp11Card, Scp11Handshake, Command]:
    card = PKI.card("P-256", Mode.S8)
    card.ephemeral = lambda _curve: CARD_EPHEMERAL
    handshake = PKI.handshake(variant, "P-256")
    handshake._ephemeral = HOST_EPHEMERAL  # fixed: the flips below replay one exchange
    for command in handshake.certificate_commands():
        card.perform_security_operation(command)
    return card, handshake, handshake.authenticate()


def open_pair(variant: Variant) -> tuple[Scp11HostSession, Scp11CardSession]:
    card, handshake, command = handshake_parts(variant)
    answer, session = card.authenticate(command)
    return handshake.complete(answer), session


@pytest.mark.parametrize("variant", list(Variant))
def test_every_bit_flip_of_the_key_agreement_is_detected(variant: Variant) -> None:
    _, _, command = handshake_parts(variant)
    for flipped in flips(command.data, len(command.data)):
        card, handshake, _ = handshake_parts(variant)
        tampered = Command(command.cla, command.ins, command.p1, command.p2, flipped, 256)
        try:
            answer, _session = card.authenticate(tampered)
        except SecureChannelError:
            continue  # refused by the card (bad template, point not on the curve)
        with pytest.raises(SecureChannelError):
            handshake.complete(answer)


@pytest.mark.parametrize("variant", list(Variant))
def test_every_bit_flip_of_the_card_answer_is_detected(variant: Variant) -> None:
    card, _, command = handshake_parts(variant)
    answer, _ = card.authenticate(command)
    for flipped in flips(answer.data, len(answer.data)):
        _, handshake, _ = handshake_parts(variant)
        with pytest.raises(SecureChannelError):
            handshake.complete(Response(flipped, 0x9000))


@pytest.mark.parametrize("variant", list(Variant))
def test_every_bit_flip_of_a_protected_command_is_detected(variant: Variant) -> None:
    host, _ = open_pair(variant)
    wire = host.protect(COMMAND)
    raw = wire.encode()
    for flipped in flips(raw, len(raw) - 1):  # the last byte is Le, outside the C-MAC
        host, card = open_pair(variant)
        host.protect(COMMAND)
        try:
            tampered = Command.decode(flipped)
        except DecodeError:
            continue
        if channel_of(tampered.cla) != channel_of(wire.cla):
            continue
        with pytest.raises(SecureChannelError):
            card.unwrap(tampered)
        assert not card.active


@pytest.mark.parametrize("variant", list(Variant))
def test_every_bit_flip_of_a_protected_response_is_detected(variant: Variant) -> None:
    host, card = open_pair(variant)
    card.unwrap(host.protect(COMMAND))
    raw = card.wrap(ANSWER).encode()
    for flipped in flips(raw, len(raw)):
        host, card = open_pair(variant)
        card.unwrap(host.protect(COMMAND))
        with pytest.raises(SecureChannelError):
            host.unprotect(Response.decode(flipped))
        assert not host.active
        with pytest.raises(SessionClosedError):
            host.protect(COMMAND)


def test_replayed_and_reordered_commands_are_detected() -> None:
    host, card = open_pair(Variant.B)
    first = host.protect(COMMAND)
    card.unwrap(first)
    with pytest.raises(SecureChannelError):
        card.unwrap(first)
    host, card = open_pair(Variant.B)
    host.protect(COMMAND)
    with pytest.raises(SecureChannelError):
        card.unwrap(host.protect(COMMAND))


def test_a_session_from_another_handshake_does_not_verify() -> None:
    host, _ = open_pair(Variant.A)
    _, other_card = open_pair(Variant.C)
    with pytest.raises(SecureChannelError):
        other_card.unwrap(host.protect(COMMAND))
