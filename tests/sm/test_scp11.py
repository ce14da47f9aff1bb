"""SCP11 codec (GP Card Spec v2.3 Amendment F): Samsung/OpenSCP-Java's recorded SCP11a/c sessions
reproduced byte for byte on the host side (tests/vectors/scp11_openscp_sessions.json names the
files), and host against card for every variant, curve, key length and mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from scp11_pki import Pki

from cardwire.apdu import Command, Response
from cardwire.errors import CryptogramError, SecureChannelError, UsageError
from cardwire.sm.scp03 import Mode
from cardwire.sm.scp11 import (
    CURVES,
    Scp11Handshake,
    Variant,
    get_certificates_command,
    parse_certificates,
    parse_key_reference,
)

VECTORS = json.loads(
    (Path(__file__).parents[1] / "vectors" / "scp11_openscp_sessions.json").read_text()
)
SESSIONS = VECTORS["sessions"]


def private_key(hex_der: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_der_private_key(bytes.fromhex(hex_der), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_openscp_session_host_side(name: str) -> None:
    v: dict[str, Any] = SESSIONS[name]
    variant = Variant.of_kid(v["kid"])
    assert variant is not None
    get_data = get_certificates_command(v["kid"], v["kvn"])
    assert get_data.encode().hex().upper() == v["get_data_command"]
    chain = parse_certificates(bytes.fromhex(v["certificate_store"]))
    sd_key = chain[-1].public_key()
    assert isinstance(sd_key, ec.EllipticCurvePublicKey)
    esk = private_key(v["esk_oce"])
    handshake = Scp11Handshake(
        variant,
        sd_key,
        kvn=v["kvn"],
        oce_key=private_key(v["sk_oce"]),
        certificates=[bytes.fromhex(v["oce_certificate"])],
        oce_kid=v["oce_kid"],
        key_length=v["key_length"],
        mode=Mode(v["mode"]),
        ephemeral=lambda _curve: esk,
    )
    # OpenSCP chains the one certificate over three short APDUs (CLA 90, ISO 7816-4 5.3.3).
    pso = handshake.certificate_commands()
    assert len(pso) == 1
    pieces = [bytes.fromhex(c) for c in v["pso_commands"]]
    assert pso[0].data == b"".join(p[5:-1] for p in pieces)
    assert (pso[0].cla, pso[0].ins, pso[0].p1, pso[0].p2) == (0x80, 0x2A, v["kvn"], 0x10)
    assert handshake.authenticate().encode().hex().upper() == v["authenticate_command"]
    answer = bytes.fromhex(v["authenticate_response"])
    session = handshake.complete(Response(answer[:-2], 0x9000))
    plain = Command.decode(bytes.fromhex(v["get_status_plain_command"]))
    assert session.protect(plain).encode().hex().upper() == v["get_status_command"]
    wire = bytes.fromhex(v["get_status_response"])
    got = session.unprotect(Response(wire[:-2], int.from_bytes(wire[-2:])))
    assert got.data.hex().upper() == v["get_status_plain_response"][:-4]


def test_openscp_receipt_tampered_is_refused() -> None:
    v = SESSIONS["Scp11aP256Aes128S8"]
    chain = parse_certificates(bytes.fromhex(v["certificate_store"]))
    sd_key = chain[-1].public_key()
    assert isinstance(sd_key, ec.EllipticCurvePublicKey)
    esk = private_key(v["esk_oce"])
    handshake = Scp11Handshake(
        Variant.A,
        sd_key,
        kvn=3,
        oce_key=private_key(v["sk_oce"]),
        certificates=[bytes.fromhex(v["oce_certificate"])],
        ephemeral=lambda _curve: esk,
    )
    handshake.authenticate()
    answer = bytearray(bytes.fromhex(v["authenticate_response"])[:-2])
    answer[-1] ^= 1
    with pytest.raises(CryptogramError):
        handshake.complete(Response(bytes(answer), 0x9000))


def test_certificate_store_bare_and_wrapped() -> None:
    v = SESSIONS["Scp11aP256Aes128S8"]
    wrapped = bytes.fromhex(v["certificate_store"])
    chain = parse_certificates(wrapped)
    bare = b"".join(c.public_bytes(serialization.Encoding.DER) for c in chain)
    assert [c.subject for c in parse_certificates(bare)] == [c.subject for c in chain]
    assert parse_key_reference(bytes.fromhex("A6048302110300")[:6]) == (0x11, 0x03)


def open_pair(
    pki: Pki, variant: Variant, curve: str = "P-256", key_length: int = 16, mode: Mode = Mode.S8
) -> tuple[Any, Any]:
    card = pki.card(curve, mode)
    handshake = pki.handshake(variant, curve, key_length=key_length, mode=mode)
    for command in handshake.certificate_commands():
        assert card.perform_security_operation(command).sw == 0x9000
    answer, card_session = card.authenticate(handshake.authenticate())
    return handshake.complete(answer), card_session


@pytest.mark.parametrize("variant", list(Variant))
@pytest.mark.parametrize("curve", sorted(CURVES))
def test_host_against_card_every_variant_and_curve(variant: Variant, curve: str) -> None:
    host, card = open_pair(Pki.make(), variant, curve)
    command = Command(0x80, 0xF2, 0x80, 0x02, b"\x4f\x00", 256)
    assert card.unwrap(host.protect(command)) == command
    answer = Response(b"\xe3\x05\x4f\x03\xa0\x00\x00", 0x9000)
    assert host.unprotect(card.wrap(answer)) == answer
    assert card.oce_authenticated is (variant is not Variant.B)
    assert host.dek == card.dek


@pytest.mark.parametrize(("key_length", "mode"), [(16, Mode.S16), (24, Mode.S8), (32, Mode.S16)])
def test_host_against_card_key_lengths_and_s16(key_length: int, mode: Mode) -> None:
    host, card = open_pair(Pki.make(), Variant.A, key_length=key_length, mode=mode)
    wire = host.protect(Command(0x80, 0xCA, 0x00, 0x66, ne=256))
    assert len(wire.data) == int(mode)  # Amendment D 6.2.6: no data, nothing encrypted; the MAC
    assert card.unwrap(wire).data == b""


def test_card_refuses_an_oce_chain_from_another_ca() -> None:
    pki, stranger = Pki.make(), Pki.make(seed=2)
    card = pki.card("P-256", Mode.S8)
    handshake = stranger.handshake(Variant.A, "P-256", sd_key=pki.sd_public("P-256"))
    with pytest.raises(SecureChannelError) as caught:
        card.perform_security_operation(handshake.certificate_commands()[0])
    assert caught.value.card_sw == 0x6A80
    with pytest.raises(SecureChannelError) as caught:
        card.authenticate(handshake.authenticate())  # no accepted certificate: no 11a
    assert caught.value.card_sw == 0x6985


def test_card_refuses_unknown_key_reference_and_bad_data() -> None:
    pki = Pki.make()
    card = pki.card("P-256", Mode.S8)
    command = pki.handshake(Variant.B, "P-256").authenticate()
    for changed, sw in (
        (Command(command.cla, command.ins, 0x07, command.p2, command.data), 0x6A88),
        (Command(command.cla, 0x82, command.p1, command.p2, command.data), 0x6A86),
        (Command(command.cla, command.ins, command.p1, command.p2, command.data[:-1]), 0x6A80),
    ):
        with pytest.raises(SecureChannelError) as caught:
            card.authenticate(changed)
        assert caught.value.card_sw == sw


def test_host_needs_oce_key_for_11a_and_none_for_11b() -> None:
    pki = Pki.make()
    with pytest.raises(UsageError):
        Scp11Handshake(Variant.A, pki.sd_public("P-256"), kvn=1)
    with pytest.raises(UsageError):
        pki.handshake(Variant.B, "P-256", oce=True)


def test_card_refusal_is_a_secure_channel_error() -> None:
    handshake = Pki.make().handshake(Variant.B, "P-256")
    handshake.authenticate()
    with pytest.raises(SecureChannelError) as caught:
        handshake.complete(Response(b"", 0x6A88))
    assert caught.value.card_sw == 0x6A88
