"""Tag names for BER-TLV data, one dictionary per context (``decode tlv --dict``, the shell's
``decode``). A tag means different things in different contexts (``66`` is card data for
GlobalPlatform and DG6 in an ICAO LDS; ``6F`` is an FCI template and DG15), so a dictionary is
chosen by context (:func:`guess`) or by name, never merged.
"""

from __future__ import annotations

from collections.abc import Mapping

from cardwire.errors import UsageError

# ISO/IEC 7816-4:2020 7.4 (tables 10-12: FCP, FMD and FCI templates, file control parameters)
# and 8.1 / ISO/IEC 7816-6 (interindustry data objects used in 7816-4).
ISO7816: Mapping[int, str] = {
    0x62: "FCP template",
    0x64: "FMD template",
    0x6F: "FCI template",
    0x80: "number of data bytes",
    0x81: "number of data bytes incl. structural information",
    0x82: "file descriptor",
    0x83: "file identifier",
    0x84: "DF name",
    0x85: "proprietary information",
    0xA5: "proprietary information (constructed)",
    0x86: "security attributes (proprietary)",
    0x87: "FCI extension EF identifier",
    0x88: "short EF identifier",
    0x8A: "life cycle status",
    0x8B: "security attributes (expanded, referenced)",
    0x8C: "security attributes (compact)",
    0x8D: "security environment EF identifier",
    0x8E: "channel security attribute",
    0xA0: "security attribute template for data objects",
    0xA1: "security attribute template (proprietary)",
    0xA2: "template of pairs",
    0xAB: "security attributes (expanded)",
    0xAC: "cryptographic mechanism identifier template",
    0x4F: "application identifier (AID)",
    0x50: "application label",
    0x51: "path",
    0x52: "command to perform",
    0x53: "discretionary data",
    0x54: "offset data object",
    0x61: "application template",
    0x73: "discretionary template",
    0x5F50: "uniform resource locator",
    0x5F52: "historical bytes",
    0x7F66: "extended length information",
    0x5F2D: "language preference",
    0x45: "card issuer's data",
    0x42: "issuer identification number",
}

# GlobalPlatform Card Specification v2.3.1: GET STATUS (11.4.3.2, table 11-36), card data
# (H.2 and H.3, card recognition data), key information template (11.3.3.1), CPLC (H.6).
GLOBALPLATFORM: Mapping[int, str] = {
    0xE3: "GP registry related data",
    0x4F: "AID",
    0x9F70: "life cycle state",
    0xC5: "privileges",
    0xCF: "implicit selection parameter",
    0xC4: "executable load file AID",
    0xCE: "executable load file version",
    0x84: "executable module AID",
    0xCC: "associated security domain AID",
    0x66: "card data",
    0x73: "card recognition data",
    0x06: "object identifier",
    0x60: "card management type and version",
    0x63: "card identification scheme",
    0x64: "secure channel protocol",
    0x65: "card configuration details",
    0x67: "card / chip details",
    0x68: "issuer security domain trust point certificate information",
    0x69: "issuer security domain certificate information",
    0xE0: "key information template",
    0xC0: "key information data",
    0x9F7F: "card production life cycle data (CPLC)",
    0x42: "issuer identification number",
    0x45: "card image number",
    0xC1: "sequence counter of the default key version",
    0xC2: "confirmation counter",
    0x6F: "FCI template",
    0xA5: "proprietary data",
    0x9F6E: "application production life cycle data",
    0x9F65: "maximum length of data field in command message",
}

# ICAO Doc 9303-10 (LDS1): 4.6.2 EF.COM and the data group tags (table 35), 4.7 data elements.
ICAO: Mapping[int, str] = {
    0x60: "EF.COM",
    0x5F01: "LDS version",
    0x5F36: "Unicode version",
    0x5C: "tag list",
    0x61: "DG1",
    0x5F1F: "MRZ data elements",
    0x75: "DG2",
    0x63: "DG3",
    0x76: "DG4",
    0x65: "DG5",
    0x66: "DG6",
    0x67: "DG7",
    0x68: "DG8",
    0x69: "DG9",
    0x6A: "DG10",
    0x6B: "DG11",
    0x6C: "DG12",
    0x6D: "DG13",
    0x6E: "DG14",
    0x6F: "DG15",
    0x70: "DG16",
    0x77: "EF.SOD",
    0x7F61: "biometric information group template",
    0x7F60: "biometric information template",
    0x02: "number of instances",
    0xA1: "biometric header template",
    0x5F2E: "biometric data block",
    0x7F2E: "biometric data block (enciphered)",
    0x5F43: "displayed signature or usual mark",
    0x5F0E: "full name of holder",
    0x5F0F: "other names",
    0x5F10: "personal number",
    0x5F2B: "full date of birth",
    0x5F11: "place of birth",
    0x5F42: "address",
    0x5F12: "telephone",
    0x5F13: "profession",
    0x5F19: "issuing authority",
    0x5F26: "date of issue",
    0x5F1A: "other person(s)",
    0x5F1B: "endorsements and observations",
    0x5F1C: "tax or exit requirements",
    0x5F55: "date and time of personalization",
    0x5F56: "personalization system serial number",
}

# Keycard APDU API (keycard.tech docs, "APDU API": SELECT, GET STATUS, EXPORT KEY, SIGN).
KEYCARD: Mapping[int, str] = {
    0xA4: "application info template",
    0x8F: "instance UID",
    0x80: "public key",
    0x02: "integer (application version / free pairing slots / retry counter)",
    0x8E: "key UID",
    0x8D: "capabilities",
    0xA3: "application status template",
    0x01: "boolean (key initialized)",
    0xA1: "keypair template",
    0x81: "private key",
    0x82: "chain code",
    0xA0: "signature template",
    0x30: "ECDSA signature",
}

DICTIONARIES: Mapping[str, Mapping[int, str]] = {
    "iso7816": ISO7816,
    "gp": GLOBALPLATFORM,
    "icao": ICAO,
    "keycard": KEYCARD,
}


def named(name: str) -> Mapping[int, str]:
    """The dictionary called ``name`` (iso7816, gp, icao, keycard)."""
    try:
        return DICTIONARIES[name.lower()]
    except KeyError:
        known = ", ".join(DICTIONARIES)
        raise UsageError(f"unknown tag dictionary {name!r} (known: {known})") from None


# The first tag of the data says which context it comes from when it is specific to one.
_FIRST_TAG: Mapping[int, str] = {
    0x62: "iso7816",
    0x64: "iso7816",
    0x6F: "iso7816",  # an FCI (a DG15 is rarer than a SELECT answer)
    0xE3: "gp",
    0xE0: "gp",
    0x66: "gp",
    0x9F7F: "gp",
    0x60: "icao",
    0x61: "icao",
    0x75: "icao",
    0x77: "icao",
    0x6B: "icao",
    0x6C: "icao",
    0x6E: "icao",
    0xA4: "keycard",
    0xA3: "keycard",
}


def guess(first_tag: int) -> str:
    """The dictionary for data whose first object has ``first_tag`` (default: iso7816)."""
    return _FIRST_TAG.get(first_tag, "iso7816")
