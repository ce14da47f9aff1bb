"""SCP02 handshake pieces both sides compute: the session keys and cryptograms of one
INITIALIZE UPDATE exchange and the EXTERNAL AUTHENTICATE command (GP Card Spec v2.3.1 E.5)."""

from __future__ import annotations

from dataclasses import dataclass

from cardwire.apdu import Command
from cardwire.crypto.retail_mac import RetailMacKey
from cardwire.sm.scp02.channel import c_mac
from cardwire.sm.scp02.constants import ZERO_ICV, Option, SecurityLevel
from cardwire.sm.scp02.crypto import card_cryptogram, derive_session_keys, host_cryptogram
from cardwire.sm.scp02.keys import SessionKeys, StaticKeys
from cardwire.sm.scp03 import INS_EXTERNAL_AUTHENTICATE, secure_cla


@dataclass(frozen=True, slots=True)
class Exchange:
    """The secrets of one INITIALIZE UPDATE exchange."""

    keys: StaticKeys
    session_keys: SessionKeys
    option: Option
    card_cryptogram: bytes
    host_cryptogram: bytes


def exchange(
    keys: StaticKeys, option: Option, sequence: bytes, host: bytes, card: bytes
) -> Exchange:
    session = derive_session_keys(keys, int.from_bytes(sequence, "big"))
    return Exchange(
        keys,
        session,
        option,
        card_cryptogram(session.enc, host, sequence, card),
        host_cryptogram(session.enc, host, sequence, card),
    )


def external_authenticate_command(
    cla: int, level: SecurityLevel, cryptogram: bytes, session: SessionKeys
) -> tuple[Command, bytes]:
    """EXTERNAL AUTHENTICATE (GP Card Spec E.5.2): CLA with SM, P1 = level, data = host
    cryptogram || C-MAC, the C-MAC over the modified APDU with ICV zero (E.4.4). Returns the
    command and the C-MAC (the first chaining value)."""
    wire_cla = secure_cla(cla)
    plain = Command(cla, INS_EXTERNAL_AUTHENTICATE, int(level), 0x00, cryptogram)
    mac = c_mac(RetailMacKey(session.c_mac), ZERO_ICV, wire_cla, plain)
    command = Command(wire_cla, INS_EXTERNAL_AUTHENTICATE, int(level), 0x00, cryptogram + mac)
    return command, mac
