"""yubikit's SCP03 (the PyPI yubikey-manager, pinned in the dev extra) against the simulated
Security Domain behind pcscd + vpcd: GET DATA before authenticating, SCP03 with the default keys
(README), GET STATUS and PUT KEY under the session, DELETE key by version (issue 17 defect 4),
including the key set in use and the last one with yubikit's delete_last."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import pytest

from cardwire import gp
from cardwire.sim.profile import KEYCARD_AID

if TYPE_CHECKING:
    from pcsc_stack import PcscStack

pytestmark = pytest.mark.interop

NEW_KEYS = (bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48)))


@pytest.fixture
def yubikit(pcsc_stack: PcscStack) -> Iterator[tuple[str, Any]]:
    """(client name and version, an unauthenticated SecurityDomainSession)."""
    pytest.importorskip("yubikit.securitydomain")
    from smartcard.System import readers
    from ykman.pcsc import ScardSmartCardConnection
    from yubikit.securitydomain import SecurityDomainSession

    reader = next(r for r in readers() if str(r) == pcsc_stack.reader)
    connection: Any = ScardSmartCardConnection(reader.createConnection())  # type: ignore[no-untyped-call]
    try:
        yield (
            f"yubikit (yubikey-manager {version('yubikey-manager')})",
            SecurityDomainSession(connection),
        )
    finally:
        connection.close()


def authenticate(session: Any, kvn: int, keys: tuple[bytes, bytes, bytes] | None = None) -> None:
    from yubikit.core.smartcard.scp import KeyRef, Scp03KeyParams, ScpKid, StaticKeys

    static = StaticKeys.default() if keys is None else StaticKeys(*keys)
    session.authenticate(Scp03KeyParams(KeyRef(ScpKid.SCP03, kvn), static))


def key_versions(session: Any) -> set[int]:
    # yubikit's get_key_information reads the C0 objects alone: the card answers class 00 that
    # way, as YubiKeys do (docs/scp11.md, "Decisions"); the SCP03 key sets are KID 01 with
    # AES keys (type 88); the SCP02 set (KVN 20) has DES keys (type 80).
    info = session.get_key_information()
    return {ref.kvn for ref, parts in info.items() if ref.kid == 0x01 and 0x88 in parts}


def test_yubikit_get_data_scp03_get_status(yubikit: tuple[str, Any]) -> None:
    client, session = yubikit
    assert key_versions(session) == {0x30}, client
    # yubikit parses the SCP02 key set's entries too (GPC 11.8.2.3: type 80, DES, 16 bytes).
    scp02 = {
        ref.kid: parts for ref, parts in session.get_key_information().items() if ref.kvn == 0x20
    }
    assert scp02 == {kid: {0x80: 16} for kid in (1, 2, 3)}, client
    assert session.get_data(0x9F7F)[:2] == b"\x9f\x7f", client  # CPLC
    authenticate(session, 0x30)
    # GET STATUS (GPC 11.4) is not in yubikit's API: sent through its SCP03 processor, with
    # search criteria 4F + the Keycard AID (the whole list answers 6310, more data, which
    # yubikit's send_apdu raises on).
    criteria = b"\x4f" + bytes((len(KEYCARD_AID),)) + KEYCARD_AID
    raw = session.protocol.send_apdu(0x80, 0xF2, 0x40, 0x02, criteria)
    entries = {entry.aid for entry in gp.parse_status(raw)}
    assert KEYCARD_AID in entries, f"{client}: GET STATUS gave {sorted(a.hex() for a in entries)}"


def test_yubikit_put_key_and_delete_key(yubikit: tuple[str, Any]) -> None:
    from yubikit.core.smartcard.scp import KeyRef, ScpKid, StaticKeys

    client, session = yubikit
    authenticate(session, 0x30)
    session.put_key(KeyRef(ScpKid.SCP03, 0x31), StaticKeys(*NEW_KEYS))
    assert key_versions(session) == {0x30, 0x31}, client
    session.delete_key(kvn=0x31)  # 80 E4 00 00 D2 01 31
    assert key_versions(session) == {0x30}, client
    session.put_key(KeyRef(ScpKid.SCP03, 0x31), StaticKeys(*NEW_KEYS))
    authenticate(session, 0x31, NEW_KEYS)
    session.delete_key(kvn=0x30)  # the other set; then the set in use, the last one
    session.delete_key(kvn=0x31, delete_last=True)  # 80 E4 00 01 D2 01 31
    authenticate(session, 0x30)  # back to the factory key set (docs/scp03.md)
    assert key_versions(session) == {0x30}, client
