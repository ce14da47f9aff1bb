"""The Security Domain's SCP11 key store (scp11_keys.py) driven by cardwire's own SCP11a host:
PUT KEY of an OCE CA public key and of an SD private key, STORE DATA of the CA issuer, the
certificate chain and an allowlist in yubikit's layouts, GET DATA 00E0 / FF33 / FF34 / BF21,
and the saved state. The same commands run from yubikit in
tests/interop/test_clients_yubikit_scp11.py."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cardwire import gp
from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.crypto.block import Aes
from cardwire.errors import StatusError
from cardwire.handshakes.scp11 import open_scp11
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sim.applets.security_domain.scp11 import Scp11Config, Scp11TestPki
from cardwire.sim.card import SimCard
from cardwire.sm.scp11 import Scp11HostSession
from cardwire.tlv import parse, tlv
from cardwire.transport.memory import MemoryTransport

PKI = Scp11TestPki(Scp11Config())
DER = serialization.Encoding.DER
OCE_CHAIN = [PKI.oce_certificate.public_bytes(DER)]
P256 = 0x00  # the key parameter reference of P-256 (what yubikit's Curve.SECP256R1 sends)


def certificate(
    subject: str, key: ec.EllipticCurvePublicKey, signer: ec.EllipticCurvePrivateKey, serial: int
) -> x509.Certificate:
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "new CA")]))
        .public_key(key)
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365))
        .sign(signer, hashes.SHA256())
    )


def point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def put_public_key(kid: int, kvn: int, key: ec.EllipticCurvePublicKey) -> Command:
    # GPC 11.8.2: P1 00 (a new key), P2 the KID; KVN, B0 point, F0 curve, 00 (no KCV).
    data = bytes((kvn,)) + tlv(0xB0, point(key)) + tlv(0xF0, bytes((P256,))) + b"\x00"
    return Command(0x80, 0xD8, 0x00, kid, data, ne=256)


def put_private_key(kid: int, kvn: int, key: ec.EllipticCurvePrivateKey, dek: bytes) -> Command:
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    encrypted = Aes(dek).encrypt_cbc(bytes(16), scalar)
    data = bytes((kvn,)) + tlv(0xB1, encrypted) + tlv(0xF0, bytes((P256,))) + b"\x00"
    return Command(0x80, 0xD8, 0x00, kid, data, ne=256)


def store_data(data: bytes) -> Command:
    return Command(0x80, 0xE2, 0x90, 0x00, data)  # GPC 11.11: last block, BER-TLV


def ref(kid: int, kvn: int) -> bytes:
    return tlv(0xA6, tlv(0x83, bytes((kid, kvn))))


def scp11a(c: Card, **kwargs: object) -> Scp11HostSession:
    c.select(DEFAULT_AID)
    args: dict[str, object] = {"oce_key": PKI.oce_key, "certificates": OCE_CHAIN} | kwargs
    return open_scp11(c, "11a", **args)  # type: ignore[arg-type]


def card(state: Path | None = None) -> Card:
    return Card(MemoryTransport(SimCard(state_path=state)))


def key_refs(c: Card) -> set[tuple[int, int]]:
    return {(i.key_id, i.kvn) for i in gp.parse_key_information(c.send(gp.get_data(0xE0)).data)}


def test_a_new_oce_ca_key_then_scp11a_with_its_chain(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    c = card(state)
    scp11a(c)
    ca = ec.derive_private_key(0xC0FFEE, ec.SECP256R1())
    oce = ec.derive_private_key(0x0CE, ec.SECP256R1())
    assert c.send(put_public_key(0x10, 0x03, ca.public_key())).data == b"\x03"
    ski = x509.SubjectKeyIdentifier.from_public_key(ca.public_key()).digest
    # yubikit's store_ca_issuer: A6 {80 00 (KLOC), 42 SKI, 83 KID KVN}.
    c.send(store_data(tlv(0xA6, tlv(0x80, b"\x00") + tlv(0x42, ski) + tlv(0x83, b"\x10\x03"))))
    kloc = parse(c.send(Command(0x80, 0xCA, 0xFF, 0x33, ne=256)).data)
    assert [(n.tag, n.value) for n in kloc][-2:] == [(0x42, ski), (0x83, b"\x10\x03")]
    assert (0x10, 0x03) in key_refs(c)
    # A fresh card from the state file: the new key is kept, and an OCE chain under it opens
    # SCP11a with OCE key reference 10/03.
    chain = [certificate("new OCE", oce.public_key(), ca, 7).public_bytes(DER)]
    c = card(state)
    session = scp11a(c, oce_key=oce, certificates=chain, oce_kvn=0x03)
    assert session.active
    assert c.send(bytes.fromhex("80F28002024F00")).sw == 0x9000


def test_a_new_sd_key_with_its_chain_opens_scp11b() -> None:
    c = card()
    session = scp11a(c)
    sd = ec.derive_private_key(0x5D, ec.SECP256R1())
    assert c.send(put_private_key(0x13, 0x02, sd, session.dek)).data == b"\x02"
    cert = certificate("new SD", sd.public_key(), PKI.ca_key, 9).public_bytes(DER)
    c.send(store_data(ref(0x13, 0x02) + tlv(0xBF21, cert)))
    assert (0x13, 0x02) in key_refs(c)
    c.secure(None)
    c.select(DEFAULT_AID)
    opened = open_scp11(c, "11b", kvn=0x02)  # reads BF21 for 13/02, the stored chain
    assert opened.active and c.send(bytes.fromhex("80F28002024F00")).sw == 0x9000


def test_a_chain_for_another_key_is_refused() -> None:
    c = card()
    scp11a(c)
    other = certificate("other", PKI.oce_key.public_key(), PKI.ca_key, 5).public_bytes(DER)
    with pytest.raises(StatusError) as caught:
        c.send(store_data(ref(0x13, 0x01) + tlv(0xBF21, other)))
    assert caught.value.sw == 0x6A80


def test_the_allowlist_admits_only_its_serials() -> None:
    c = card()
    scp11a(c)
    serial = PKI.oce_certificate.serial_number.to_bytes(8, "big")
    c.send(store_data(ref(0x10, 0x01) + tlv(0x70, tlv(0x93, serial))))
    scp11a(c)  # the test OCE certificate's serial is on the list
    c.send(store_data(ref(0x10, 0x01) + tlv(0x70, tlv(0x93, b"\x01\x02"))))
    with pytest.raises(StatusError) as caught:
        scp11a(c)  # no longer
    assert caught.value.sw == 0x6982


CA_POINT = point(PKI.ca_key.public_key())


def put_key(p1: int, kid: int, kvn: int, public: bytes, curve: int = P256) -> Command:
    data = bytes((kvn,)) + tlv(0xB0, public) + tlv(0xF0, bytes((curve,))) + b"\x00"
    return Command(0x80, 0xD8, p1, kid, data)


@pytest.mark.parametrize(
    ("command", "sw"),
    [
        (put_key(0x00, 0x13, 0x05, CA_POINT), 0x6A80),  # a public key for an SD key
        (put_key(0x00, 0x10, 0x01, CA_POINT), 0x6A80),  # 10/01 exists
        (put_key(0x07, 0x10, 0x04, CA_POINT), 0x6A88),  # replaces 10/07: none
        (put_key(0x00, 0x10, 0x04, b"\x04" * 65), 0x6A80),  # not a point on P-256
        (put_key(0x00, 0x10, 0x04, CA_POINT, curve=0x04), 0x9484),  # brainpoolP256t1
        (store_data(ref(0x13, 0x09) + tlv(0x70, b"")), 0x6A88),  # no such key
    ],
)
def test_refusals(command: Command, sw: int) -> None:
    c = card()
    scp11a(c)
    assert c.send(command, check=False).sw == sw


def test_scp11b_cannot_store_data() -> None:
    c = card()
    c.select(DEFAULT_AID)
    open_scp11(c, "11b")
    assert c.send(store_data(ref(0x13, 0x01) + tlv(0x70, b"")), check=False).sw == 0x6982


def test_delete_key_by_kid_and_version() -> None:
    c = card()
    session = scp11a(c)
    sd = ec.derive_private_key(0x5D, ec.SECP256R1())
    c.send(put_private_key(0x13, 0x02, sd, session.dek))
    assert c.send(Command(0x80, 0xE4, 0x00, 0x00, bytes.fromhex("D00113D20102"))).data == b"\x00"
    assert (0x13, 0x02) not in key_refs(c) and (0x13, 0x01) in key_refs(c)
    gone = c.send(Command(0x80, 0xE4, 0x00, 0x00, bytes.fromhex("D00113D20102")), check=False)
    assert gone.sw == 0x6A88
