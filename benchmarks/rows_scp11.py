"""GlobalPlatform SCP11b handshake (P-256, AES-128, S8), host side: INTERNAL AUTHENTICATE built,
the card's answer checked and the session keys derived (GP Card Spec v2.3 Amendment F 3.1,
7.6). After it, SCP11 wraps as SCP03 level 33: that round is the SCP03 row.

Each handshake generates an ephemeral P-256 key (the work every host does) and then uses a fixed
one, so that one answer of cardwire's card side (the simulated Security Domain's test key) fits
every handshake: cardwire's :class:`Scp11Handshake` and yubikit's ``ScpState.scp11_init`` (its
``ec.generate_private_key`` seen through a shim that does the same) verify the same receipt.

Per handshake: key generation, the point encoded, the card's point decoded, two ECDH (ShSee,
ShSes: the host's ephemeral key twice under SCP11b, Amendment F 3.1.1), the X9.63 KDF with
SHA-256 for five AES-128 keys (3.1.2), and the receipt's AES-CMAC checked. The floor is exactly
these ``cryptography`` calls.
"""

from __future__ import annotations

import hmac
from types import SimpleNamespace
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from benchmarks import floor_crypto as fc
from benchmarks.harness import Batch, Contender, Role, Row
from cardwire.apdu import Response
from cardwire.sim.applets.security_domain.scp11 import Scp11Config, Scp11TestPki
from cardwire.sm.scp11 import Scp11Card, Scp11Handshake, Variant

FAMILY = "SCP11 handshake"
PKI = Scp11TestPki(Scp11Config())
CURVE = ec.SECP256R1()
HOST_EPHEMERAL = ec.derive_private_key(0x5C11B, CURVE)  # fixed, so one card answer fits all
CARD_EPHEMERAL = ec.derive_private_key(0xCA2D, CURVE)
KVN = 0x01


def _fixed(curve: ec.EllipticCurve) -> ec.EllipticCurvePrivateKey:
    ec.generate_private_key(curve)  # the work of a fresh key, then the fixed one
    return HOST_EPHEMERAL


def card_answer() -> tuple[bytes, Response]:
    """The command data of INTERNAL AUTHENTICATE and the card's answer to it."""
    host = Scp11Handshake(Variant.B, PKI.sd_key.public_key(), kvn=KVN, ephemeral=_fixed)
    command = host.authenticate()
    card = Scp11Card({(Variant.B.kid, KVN): PKI.sd_key}, ephemeral=lambda _: CARD_EPHEMERAL)
    response, _ = card.authenticate(command)
    host.complete(response)  # it verifies
    return command.data, response


def cardwire_handshake(response: Response) -> Contender:
    sd_key = PKI.sd_key.public_key()

    def prepare(items: int) -> Batch:
        def batch() -> None:
            for _ in range(items):
                host = Scp11Handshake(Variant.B, sd_key, kvn=KVN, ephemeral=_fixed)
                host.authenticate()
                host.complete(response)

        return batch

    return Contender(Role.CARDWIRE, "cardwire", prepare)


def floor_handshake(command_data: bytes, response: Response) -> Contender:
    sd_key = PKI.sd_key.public_key()
    card_object, receipt = response.data[:-18], response.data[-16:]  # 5F49 ..., then 86 10 ...
    card_point = card_object[3:]  # 5F49 41 04...
    shared_info = bytes((0x3C, 0x88, 16))  # Amendment F 3.1.2: key usage, type, length

    def prepare(items: int) -> Batch:
        def batch() -> None:
            for _ in range(items):
                ec.generate_private_key(CURVE)
                key = HOST_EPHEMERAL
                key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
                card = ec.EllipticCurvePublicKey.from_encoded_point(CURVE, card_point)
                secret = key.exchange(ec.ECDH(), card) + key.exchange(ec.ECDH(), sd_key)
                keys = X963KDF(hashes.SHA256(), 80, shared_info).derive(secret)
                mac = fc.FloorCmac(keys[:16]).mac(command_data + card_object)
                if not hmac.compare_digest(mac, receipt):
                    raise RuntimeError("the floor's receipt does not verify")

        return batch

    return Contender(Role.FLOOR, "floor", prepare)


def yubikit_handshake(response: Response) -> Contender | None:
    """yubikit's ScpState.scp11_init against the same answer (its send_apdu returns it)."""
    try:
        from yubikit.core.smartcard import scp
    except ImportError:
        return None
    answer = response.data
    # yubikit calls ec.generate_private_key inside scp11_init: the shim does what _fixed does.
    shim = SimpleNamespace(**{name: getattr(ec, name) for name in dir(ec) if name[:1] != "_"})
    shim.generate_private_key = _fixed
    params = scp.Scp11KeyParams(scp.KeyRef(Variant.B.kid, KVN), PKI.sd_key.public_key())

    def send_apdu(cla: int, ins: int, p1: int, p2: int, data: bytes) -> bytes:
        return answer

    def prepare(items: int) -> Batch:
        module: Any = scp  # yubikit is untyped

        def batch() -> None:
            real, module.ec = module.ec, shim
            try:
                for _ in range(items):
                    scp.ScpState.scp11_init(send_apdu, params)
            finally:
                module.ec = real

        return batch

    return Contender(Role.PEER, "yubikit 5.9", prepare)


def rows(payloads: tuple[int, ...]) -> list[Row]:
    del payloads  # a handshake carries no payload
    command_data, response = card_answer()
    contenders = [cardwire_handshake(response), floor_handshake(command_data, response)]
    peer = yubikit_handshake(response)
    if peer is not None:
        contenders.append(peer)
    return [
        Row(
            family=FAMILY,
            name="SCP11b P-256 AES-128",
            variant="host",
            unit="handshakes/s",
            contenders=tuple(contenders),
        )
    ]
