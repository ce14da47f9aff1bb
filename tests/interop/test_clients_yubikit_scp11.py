"""yubikit's SCP11 (the PyPI yubikey-manager, pinned in the dev extra) against the simulated
Security Domain behind pcscd + vpcd (GP Amendment F): yubikit reads the certificate store
(GET DATA BF21), opens SCP11b with the SD key of its last certificate, runs GET DATA and GET
STATUS under the session, and the card refuses PUT KEY (SCP11b does not authenticate the OCE).
Over SCP03, yubikit stores a new OCE CA key and its issuer with standard GP commands (PUT KEY,
STORE DATA), then opens SCP11a and SCP11c with an OCE certificate that CA signed and puts keys
(an SCP03 key set, an SCP11b key with its chain) that get_key_information then lists."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cardwire import gp
from cardwire.sim.applets.security_domain.scp11 import Scp11Config, Scp11TestPki

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop


@pytest.fixture
def session(pcsc_stack: PcscStack) -> Iterator[Any]:
    pytest.importorskip("yubikit.securitydomain")
    from smartcard.System import readers
    from ykman.pcsc import ScardSmartCardConnection
    from yubikit.securitydomain import SecurityDomainSession

    reader = next(r for r in readers() if str(r) == pcsc_stack.reader)
    connection: Any = ScardSmartCardConnection(reader.createConnection())  # type: ignore[no-untyped-call]
    try:
        yield SecurityDomainSession(connection)
    finally:
        connection.close()


def scp11b(session: Any) -> None:
    from yubikit.core.smartcard.scp import KeyRef, Scp11KeyParams, ScpKid

    ref = KeyRef(ScpKid.SCP11b, 0x01)
    chain = session.get_certificate_bundle(ref)
    assert chain, "the certificate store is empty"
    session.authenticate(Scp11KeyParams(ref, chain[-1].public_key()))


def test_yubikit_scp11b_get_data_and_get_status(session: Any) -> None:
    scp11b(session)
    assert session.get_data(0x9F7F)[:2] == b"\x9f\x7f"  # CPLC, under SCP11b
    raw = session.protocol.send_apdu(0x80, 0xF2, 0x80, 0x02, b"\x4f\x00")  # the ISD
    assert [entry.aid for entry in gp.parse_status(raw)] == [bytes.fromhex("A000000151000000")]


def test_yubikit_put_key_over_scp11b_is_refused(session: Any) -> None:
    from yubikit.core.smartcard import ApduError
    from yubikit.core.smartcard.scp import KeyRef, ScpKid, StaticKeys

    scp11b(session)
    with pytest.raises(ApduError) as caught:
        session.put_key(KeyRef(ScpKid.SCP03, 0x31), StaticKeys(bytes(16), bytes(16), bytes(16)))
    assert caught.value.sw == 0x6982


OCE_KID = 0x10  # the OCE CA key's KID (yubikit's examples and reset; Amendment F KLOC)
# The OCE's own CA, unknown to the card until yubikit stores it (KID 10, KVN 03).
OCE_CA = ec.derive_private_key(0xCA11, ec.SECP256R1())
OCE_KEY = ec.derive_private_key(0x0CE11, ec.SECP256R1())
PKI = Scp11TestPki(Scp11Config())  # the card's own keys (SD key 11/13/15, version 01)


def oce_certificate() -> x509.Certificate:
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "yubikit OCE")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "yubikit OCE CA")]))
        .public_key(OCE_KEY.public_key())
        .serial_number(0x11A)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365))
        .sign(OCE_CA, hashes.SHA256())
    )


def store_oce_ca(session: Any) -> None:
    """Over SCP03 with the default keys: PUT KEY of the OCE CA public key (KID 10, KVN 03) and
    STORE DATA of its issuer (yubikit's store_ca_issuer)."""
    from yubikit.core.smartcard.scp import KeyRef, Scp03KeyParams, ScpKid, StaticKeys

    session.authenticate(Scp03KeyParams(KeyRef(ScpKid.SCP03, 0x30), StaticKeys.default()))
    session.put_key(KeyRef(OCE_KID, 0x03), OCE_CA.public_key())
    ski = x509.SubjectKeyIdentifier.from_public_key(OCE_CA.public_key()).digest
    session.store_ca_issuer(KeyRef(OCE_KID, 0x03), ski)
    assert session.get_supported_ca_identifiers(kloc=True)[KeyRef(OCE_KID, 0x03)] == ski


def scp11_with_oce(session: Any, kid: int) -> None:
    from yubikit.core.smartcard.scp import KeyRef, Scp11KeyParams

    ref = KeyRef(kid, 0x01)
    chain = session.get_certificate_bundle(ref)
    params = Scp11KeyParams(
        ref,
        chain[-1].public_key(),
        oce_ref=KeyRef(OCE_KID, 0x03),
        sk_oce_ecka=OCE_KEY,
        certificates=[oce_certificate()],
    )
    session.authenticate(params)


def sd_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """A certificate for a new SD key, signed by the card's test CA (the KLCC)."""
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "new SD key")]))
        .issuer_name(PKI.ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(0x5D)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365))
        .sign(PKI.ca_key, hashes.SHA256())
    )


def scp11b_with(session: Any, ref: Any) -> None:
    from yubikit.core.smartcard.scp import Scp11KeyParams

    chain = session.get_certificate_bundle(ref)
    session.authenticate(Scp11KeyParams(ref, chain[-1].public_key()))
    assert session.get_data(0x9F7F)[:2] == b"\x9f\x7f"


@pytest.mark.parametrize("kid", [0x11, 0x15], ids=["11a", "11c"])
def test_yubikit_puts_keys_over_scp11a_and_scp11c(session: Any, kid: int) -> None:
    from yubikit.core.smartcard.scp import KeyRef, ScpKid, StaticKeys

    store_oce_ca(session)
    scp11_with_oce(session, kid)
    scp03 = KeyRef(ScpKid.SCP03, 0x35)
    session.put_key(scp03, StaticKeys(bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48))))
    sd_key = ec.derive_private_key(0x5D11, ec.SECP256R1())
    sd_ref = KeyRef(ScpKid.SCP11b, 0x02)
    session.put_key(sd_ref, sd_key)  # B1, the scalar under S-DEK
    session.store_certificate_bundle(sd_ref, [PKI.ca_certificate, sd_certificate(sd_key)])
    info = session.get_key_information()  # the C0 objects alone under class 00, as a YubiKey
    assert info[scp03] == {0x88: 16}
    assert info[sd_ref] == {0xB1: 32, 0xF0: 1}
    assert info[KeyRef(OCE_KID, 0x03)] == {0xB0: 65, 0xF0: 1}
    # The new SCP11b key opens a session from its stored chain; then clean up for other tests.
    scp11b_with(session, sd_ref)
    scp11_with_oce(session, kid)
    session.delete_key(kvn=0x35)
    session.delete_key(kid=ScpKid.SCP11b, kvn=0x02)
    session.delete_key(kid=OCE_KID, kvn=0x03)
    assert set(session.get_key_information()).isdisjoint({scp03, sd_ref})
