"""yubikit's SCP11b (the PyPI yubikey-manager, pinned in the dev extra) against the simulated
Security Domain behind pcscd + vpcd (GP Amendment F): yubikit reads the certificate store
(GET DATA BF21), opens SCP11b with the SD key of its last certificate, runs GET DATA and GET
STATUS under the session, and the card refuses PUT KEY (SCP11b does not authenticate the OCE)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from cardwire import gp

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
