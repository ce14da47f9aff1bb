"""The Security Domain's constants and its profile section: default configuration, key sets,
hex settings and the load file AIDs of the applet types (GlobalPlatform Card Specification v2.3)."""

from __future__ import annotations

from typing import Any

from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sm.keycard.constants import KEYCARD_APPLET_AID, KEYCARD_PACKAGE_AID
from cardwire.sm.scp03 import (
    DEFAULT_KVN,
    DIVERSIFICATION_DATA_LENGTH,
    StaticKeys,
)

TYPE_NAME = "security-domain"
DEFAULT_AID = bytes.fromhex("A000000151000000")  # the GlobalPlatform ISD AID (RID A000000151)
CPLC_LENGTH = 42  # GPC H.6 (card production life cycle data): 42 bytes
MAX_KEY_SETS = 8
MAX_STATUS_CHUNK = 200  # plain GET STATUS bytes per answer (room for padding and R-MAC)
# GPC 11.1.2 tables 11-7..11-9: Security Domain, Card Lock, Card Terminate, Card Reset, CVM
# Management; Trusted Path .. Final Application; Receipt Generation (what an ISD usually holds).
ISD_PRIVILEGES = bytes.fromhex("9EFE80")
APPLICATION_PRIVILEGES = bytes(3)
SECURITY_DOMAIN_PRIVILEGE = 0x80  # GPC table 11-7, first byte b8
# GPC 11.8.3.2 table 11-76: PUT KEY status words beyond ISO 7816-4.
SW_ALGORITHM_NOT_SUPPORTED = 0x9484
SW_INVALID_KEY_CHECK_VALUE = 0x9485
PROFILE_KEYS = (
    "key_sets",
    "sequence_counter",
    "pseudo_random",
    "diversification_data",
    "cplc",
    "diversify",
)


# GPC 11.1.4 / 11.4.2: an executable load file (package) holds executable modules (applets); an
# instance is installed from a module under its own AID. Applet types with a published package
# are registered under its AIDs (Keycard: package A0000008040001, applet A000000804000101).
_PUBLISHED_LOAD_FILES = {"keycard": (KEYCARD_PACKAGE_AID, KEYCARD_APPLET_AID)}


def load_file_aid(applet_type: str) -> bytes:
    """The executable load file AID a built-in applet type is installed from: the published
    package AID, or F0 followed by the type name in ASCII (a proprietary AID, ISO 7816-5)."""
    published = _PUBLISHED_LOAD_FILES.get(applet_type)
    return published[0] if published else b"\xf0" + applet_type.encode("ascii")


def module_aid(applet_type: str) -> bytes:
    """The executable module AID in that load file: the published applet AID, or the load
    file AID (one module per proprietary load file)."""
    published = _PUBLISHED_LOAD_FILES.get(applet_type)
    return published[1] if published else load_file_aid(applet_type)


def default_config() -> dict[str, Any]:
    """The Security Domain's section in the default profile (docs/simulator.md)."""
    return {
        "aid": to_hex(DEFAULT_AID),
        "key_sets": [key_set_config(StaticKeys.default(DEFAULT_KVN))],
        "sequence_counter": 0,
        "pseudo_random": False,
        "diversification_data": to_hex(bytes(DIVERSIFICATION_DATA_LENGTH)),
        "cplc": to_hex(bytes(CPLC_LENGTH)),
    }


def key_set_config(keys: StaticKeys) -> dict[str, str]:
    return {
        "kvn": f"{keys.kvn:02X}",
        "enc": to_hex(keys.enc),
        "mac": to_hex(keys.mac),
        "dek": to_hex(keys.dek),
    }


def hex_setting(section: dict[str, Any], key: str, default: bytes, length: int | None) -> bytes:
    value = section.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise UsageError(f"{key}: expected hex text")
    data = parse_hex(value)
    if length is not None and len(data) != length:
        raise UsageError(f"{key}: expected {length} bytes, got {len(data)}")
    return data


def key_sets_from_config(value: object) -> list[StaticKeys]:
    if not isinstance(value, list) or not value or len(value) > MAX_KEY_SETS:
        raise UsageError(f"key_sets: expected a list of 1 to {MAX_KEY_SETS} key sets")
    sets = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"kvn", "enc", "mac", "dek"}:
            raise UsageError(f"key_sets[{index}]: expected kvn, enc, mac and dek (hex)")
        try:
            kvn = parse_hex(str(item["kvn"]))
            keys = [parse_hex(str(item[name])) for name in ("enc", "mac", "dek")]
        except DecodeError as exc:
            raise UsageError(f"key_sets[{index}]: {exc}") from exc
        if len(kvn) != 1:
            raise UsageError(f"key_sets[{index}].kvn: expected one byte in hex")
        sets.append(StaticKeys(keys[0], keys[1], keys[2], kvn[0]))
    if len({keys.kvn for keys in sets}) != len(sets):
        raise UsageError("key_sets: a key version number is used twice")
    return sets


def diversified_key_sets(
    section: dict[str, Any], key_sets: list[StaticKeys], diversification_data: bytes
) -> list[StaticKeys]:
    """``diversify: kdf3`` in the profile: ``key_sets`` are master keys and the card holds the
    keys diversified with its ``diversification_data`` (``cardwire.sm.scp03.diversification``,
    the GlobalPlatformPro KDF3 template), as a card personalised from a master key would. The
    exported state holds the diversified keys and no ``diversify``, so a reload keeps them."""
    scheme = section.get("diversify")
    if scheme is None:
        return key_sets
    if not isinstance(scheme, str):
        raise UsageError("diversify: expected a template name (kdf3 or none)")
    try:
        return [keys.diversified(diversification_data, scheme) for keys in key_sets]
    except UsageError as exc:
        raise UsageError(f"diversify: {exc}") from None
