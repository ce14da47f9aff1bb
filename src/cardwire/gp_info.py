"""Decoding what a GlobalPlatform card tells about itself: CPLC, card recognition data (tag 66),
privileges, life cycle names, and GET STATUS in the legacy (non-TLV) format for older cards.

Sources: GlobalPlatform Card Specification v2.3 (GPC) H.2 (card recognition data), H.6 / the
CPLC layout as GlobalPlatformPro (``CPLC.java``) and pySim print it, 11.1.2 tables 11-7..11-9
(privileges), 11.1.1 tables 11-2..11-5 (life cycle states), 11.4.3.2 (GET STATUS legacy format).
"""

from __future__ import annotations

from collections.abc import Callable

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError, StatusError
from cardwire.gp import (
    CLA_GP,
    INS_GET_STATUS,
    SW_MORE_STATUS,
    TAG_AID,
    RegistryData,
    StatusScope,
    read_status,
)
from cardwire.tlv import parse, tlv

# CPLC fields in order, with their lengths (42 bytes in all).
CPLC_FIELDS = (
    ("ic_fabricator", 2),
    ("ic_type", 2),
    ("os_id", 2),
    ("os_release_date", 2),
    ("os_release_level", 2),
    ("ic_fabrication_date", 2),
    ("ic_serial_number", 4),
    ("ic_batch_identifier", 2),
    ("ic_module_fabricator", 2),
    ("ic_module_packaging_date", 2),
    ("icc_manufacturer", 2),
    ("ic_embedding_date", 2),
    ("ic_pre_personalizer", 2),
    ("ic_pre_perso_equipment_date", 2),
    ("ic_pre_perso_equipment_id", 4),
    ("ic_personalizer", 2),
    ("ic_personalization_date", 2),
    ("ic_perso_equipment_id", 4),
)


def parse_cplc(data: bytes) -> dict[str, str]:
    """The CPLC fields in hex, from the 9F7F object (with or without its tag and length)."""
    nodes = parse(data) if data[:2] == b"\x9f\x7f" else ()
    value = nodes[0].value if nodes else data
    if len(value) != sum(n for _, n in CPLC_FIELDS):
        raise DecodeError(f"CPLC is {len(value)} bytes, expected 42")
    out = {}
    pos = 0
    for name, size in CPLC_FIELDS:
        out[name] = value[pos : pos + size].hex().upper()
        pos += size
    return out


_GP_OID = bytes.fromhex("2A864886FC6B")  # GPC H.2: {globalPlatform 1.2.840.114283}


def parse_card_data(data: bytes) -> dict[str, str]:
    """Card recognition data (GPC H.2 table H-1) of GET DATA 0066: GP version, card
    identification scheme, secure channel protocol and its "i" parameter (the first listed;
    ``scps`` lists every one as ``SCP/i``)."""
    nodes = parse(data)
    if len(nodes) != 1 or nodes[0].tag != 0x66:
        raise DecodeError("card data is not one 66 object", 0)
    inner = nodes[0].find(0x73)
    if inner is None:
        raise DecodeError("card data without its 73 template", 0)
    out: dict[str, str] = {}
    for node in inner.children:
        oid = node.value if node.tag == 0x06 else (node.find(0x06) or node).value
        if not oid.startswith(_GP_OID):
            continue
        rest = oid[len(_GP_OID) + 1 :]
        if node.tag == 0x60:  # card management type and version: 02 v1 v2 (v3)
            out["gp_version"] = ".".join(str(b) for b in rest if b) or "?"
        elif node.tag == 0x63:
            out["card_identification_scheme"] = oid.hex().upper()
        elif node.tag == 0x64 and len(rest) >= 2:  # 04 scp i, one 64 per SCP offered
            # A card may list several (an SCP03 card with SCP80 for OTA, as in
            # GlobalPlatformPro's TestParseTags.testOther): "scp" is the first, "scps" all.
            out.setdefault("scp", f"{rest[0]:02X}")
            out.setdefault("scp_i", f"{rest[1]:02X}")
            listed = out.get("scps", "").split()
            out["scps"] = " ".join([*listed, f"{rest[0]:02X}/{rest[1]:02X}"])
    return out


# GPC 11.1.2 tables 11-7..11-9: privileges, bit by bit (byte, mask, name).
PRIVILEGES = (
    (0, 0x80, "SecurityDomain"),
    (0, 0x40, "DAPVerification"),
    (0, 0x20, "DelegatedManagement"),
    (0, 0x10, "CardLock"),
    (0, 0x08, "CardTerminate"),
    (0, 0x04, "CardReset"),
    (0, 0x02, "CVMManagement"),
    (0, 0x01, "MandatedDAPVerification"),
    (1, 0x80, "TrustedPath"),
    (1, 0x40, "AuthorizedManagement"),
    (1, 0x20, "TokenVerification"),
    (1, 0x10, "GlobalDelete"),
    (1, 0x08, "GlobalLock"),
    (1, 0x04, "GlobalRegistry"),
    (1, 0x02, "FinalApplication"),
    (1, 0x01, "GlobalService"),
    (2, 0x80, "ReceiptGeneration"),
    (2, 0x40, "CipheredLoadFileDataBlock"),
    (2, 0x20, "ContactlessActivation"),
    (2, 0x10, "ContactlessSelfActivation"),
)


def privilege_names(privileges: bytes) -> list[str]:
    return [name for i, mask, name in PRIVILEGES if i < len(privileges) and privileges[i] & mask]


_CARD_STATES = {0x01: "OP_READY", 0x07: "INITIALIZED", 0x0F: "SECURED", 0x7F: "CARD_LOCKED"}
_CARD_STATES[0xFF] = "TERMINATED"


def life_cycle_name(scope: StatusScope, value: int) -> str:
    """GPC 11.1.1: the name of a life cycle state byte for an entry of ``scope``."""
    if scope is StatusScope.ISSUER_SECURITY_DOMAIN:
        return _CARD_STATES.get(value, f"{value:02X}")
    if scope in (StatusScope.LOAD_FILES, StatusScope.LOAD_FILES_AND_MODULES):
        return "LOADED" if value == 0x01 else f"{value:02X}"
    if value & 0x83 == 0x83:  # table 11-4: LOCKED is 1xxxxx11
        return "LOCKED"
    return {0x03: "INSTALLED", 0x07: "SELECTABLE"}.get(value, f"{value:02X}")


def parse_legacy_status(data: bytes, scope: StatusScope) -> tuple[RegistryData, ...]:
    """GET STATUS in the legacy format (GPC 11.4.3.2, P2 00): length + AID, life cycle byte,
    privileges byte; load files and modules (P1 10) also a module count and each length + AID."""
    entries = []
    pos = 0
    with_modules = scope is StatusScope.LOAD_FILES_AND_MODULES
    while pos < len(data):
        length = data[pos]
        if pos + 3 + length > len(data):
            raise DecodeError("legacy GET STATUS entry truncated", pos)
        aid = data[pos + 1 : pos + 1 + length]
        life_cycle, privileges = data[pos + 1 + length], data[pos + 2 + length : pos + 3 + length]
        pos += 3 + length
        modules = []
        if with_modules:
            if pos >= len(data):
                raise DecodeError("legacy GET STATUS module count missing", pos)
            count, pos = data[pos], pos + 1
            for _ in range(count):
                if pos >= len(data) or pos + 1 + data[pos] > len(data):
                    raise DecodeError("legacy GET STATUS module truncated", pos)
                modules.append(data[pos + 1 : pos + 1 + data[pos]])
                pos += 1 + data[pos]
        entries.append(RegistryData(aid, life_cycle, privileges, modules=tuple(modules)))
    return tuple(entries)


def read_any_status(
    send: Callable[[Command], Response], scope: StatusScope
) -> tuple[RegistryData, ...]:
    """Every registry entry of ``scope``: the tagged format (following 6310), and the legacy
    format when the card refuses P2 02 with 6A86 (older GP 2.1.1 cards)."""
    try:
        return read_status(send, scope)
    except StatusError as exc:
        if exc.sw != 0x6A86:
            raise
    entries: list[RegistryData] = []
    p2 = 0x00
    while True:
        command = Command(CLA_GP, INS_GET_STATUS, int(scope), p2, tlv(TAG_AID, b""), ne=256)
        response = send(command)
        if response.sw == 0x6A88 and not entries:
            return ()
        if response.sw not in (0x9000, SW_MORE_STATUS):
            response.check(command)
        entries.extend(parse_legacy_status(response.data, scope))
        if response.sw != SW_MORE_STATUS:
            return tuple(entries)
        p2 = 0x01  # GPC 11.4.2.2: next occurrence


__all__ = [
    "CPLC_FIELDS",
    "PRIVILEGES",
    "life_cycle_name",
    "parse_card_data",
    "parse_cplc",
    "parse_legacy_status",
    "privilege_names",
    "read_any_status",
]
