"""EXTERNAL AUTHENTICATE as both sides compute it: the host to send it, the card to check it."""

from __future__ import annotations

from cardwire.apdu import Command
from cardwire.crypto.cmac import AesCmacKey
from cardwire.sm.scp03.class_byte import cla_in_mac, secure_cla
from cardwire.sm.scp03.constants import ZERO_BLOCK
from cardwire.sm.scp03_levels import INS_EXTERNAL_AUTHENTICATE, Mode, SecurityLevel


def external_authenticate_command(
    cla: int, level: SecurityLevel, host_cryptogram: bytes, s_mac: AesCmacKey, mode: Mode
) -> tuple[Command, bytes]:
    """EXTERNAL AUTHENTICATE (GP Amendment D 7.1.2): CLA with SM, P1 = level, data = host
    cryptogram || C-MAC, the C-MAC chained from 16 zero bytes. Returns the command and the
    full C-MAC (the first chaining value)."""
    wire_cla = secure_cla(cla)
    nc = len(host_cryptogram) + mode
    header = bytes((cla_in_mac(wire_cla), INS_EXTERNAL_AUTHENTICATE, int(level), 0x00))
    full = s_mac.mac(b"".join((ZERO_BLOCK, header, bytes((nc,)), host_cryptogram)))
    command = Command(
        wire_cla, INS_EXTERNAL_AUTHENTICATE, int(level), 0x00, host_cryptogram + full[:mode]
    )
    return command, full
