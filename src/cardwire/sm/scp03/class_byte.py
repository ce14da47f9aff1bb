"""The class byte under SCP03 (GP Amendment D 6.2.4; GP Card Spec v2.3 11.1.4): the CLA on the
wire, the CLA inside the C-MAC, the plain CLA, and whether a CLA announces GP secure messaging.

Pure functions of one byte, cached: they run for every protected APDU.
"""

from __future__ import annotations

from functools import lru_cache

from cardwire.cla import ClassKind, SmIndication, parse_cla, with_secure_messaging
from cardwire.errors import UsageError


def _first_range(kind: ClassKind) -> bool:
    return kind in (ClassKind.FIRST_INTERINDUSTRY, ClassKind.GP_FIRST)


@lru_cache(maxsize=256)
def secure_cla(cla: int) -> int:
    """CLA with the secure-messaging indication set; the logical channel is kept."""
    kind = parse_cla(cla).kind
    if kind is ClassKind.FIRST_INTERINDUSTRY:
        # GP Amendment D 6.2.4: "bit 4 set to 0 and bit 3 set to 1" (GP proprietary SM).
        return (cla & ~0x0C) | 0x04
    if kind in (ClassKind.GP_FIRST, ClassKind.GP_FURTHER, ClassKind.FURTHER_INTERINDUSTRY):
        return with_secure_messaging(cla, True)
    raise UsageError(f"CLA {cla:02X} ({kind}) cannot carry SCP03 secure messaging")


@lru_cache(maxsize=256)
def cla_in_mac(wire_cla: int) -> int:
    """GP Amendment D 6.2.4: for the C-MAC only, the logical channel number is set to zero and
    the SM indication set (first ranges: b4=0 b3=1; further ranges: b6=1)."""
    kind = parse_cla(wire_cla).kind
    return (wire_cla & 0xF0) | (0x04 if _first_range(kind) else 0x20)


@lru_cache(maxsize=256)
def plain_cla(wire_cla: int) -> int:
    kind = parse_cla(wire_cla).kind
    if kind is ClassKind.FIRST_INTERINDUSTRY:
        return wire_cla & ~0x0C
    return with_secure_messaging(wire_cla, False)


@lru_cache(maxsize=256)
def carries_gp_sm(cla: int) -> bool:
    """True when CLA indicates GlobalPlatform secure messaging."""
    info = parse_cla(cla)
    if info.kind in (ClassKind.FIRST_INTERINDUSTRY, ClassKind.GP_FIRST, ClassKind.GP_FURTHER):
        return info.sm is SmIndication.PROPRIETARY
    if info.kind is ClassKind.FURTHER_INTERINDUSTRY:
        return info.sm is SmIndication.HEADER_NOT_AUTHENTICATED
    return False


def encoded_lc(nc: int, extended: bool) -> bytes:
    # ISO 7816-4 5.1: the Lc field as it travels (short: 1 byte; extended: 00 || 2 bytes).
    return b"\x00" + nc.to_bytes(2, "big") if extended else nc.to_bytes(1, "big")
