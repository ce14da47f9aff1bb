"""Status words (ISO/IEC 7816-4:2020 section 5.6, tables 5 and 6).

SW1 SW2 is ``9000`` or ``61xx`` for normal processing, ``62xx``/``63xx`` for warnings,
``64xx``-``66xx`` for execution errors and ``67xx``-``6Fxx`` for checking errors. Other ``9xxx``
values are proprietary; anything else is not a status word ISO/IEC 7816-3/-4 allows.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from cardwire.errors import StatusError

if TYPE_CHECKING:
    from cardwire.apdu import Command


class SW(IntEnum):
    """Status words with a fixed value (ISO 7816-4:2020 tables 5 and 6)."""

    SUCCESS = 0x9000
    WARNING_UNCHANGED = 0x6200  # non-volatile memory unchanged, no information given
    DATA_MAY_BE_CORRUPTED = 0x6281
    END_OF_FILE = 0x6282  # end of file or record reached before reading Ne bytes
    FILE_DEACTIVATED = 0x6283
    CONTROL_INFORMATION_NOT_FORMATTED = 0x6284
    FILE_TERMINATED = 0x6285
    NO_SENSOR_INPUT = 0x6286
    RECORD_DEACTIVATED = 0x6287
    VERIFICATION_FAILED = 0x6300
    UNSUCCESSFUL_COMPARISON = 0x6340
    FILE_FILLED_UP = 0x6381
    EXECUTION_ERROR = 0x6400
    IMMEDIATE_RESPONSE_REQUIRED = 0x6401
    CHANNEL_SHARED_ACCESS_DENIED = 0x6481
    CHANNEL_OPENING_DENIED = 0x6482
    EXECUTION_ERROR_CHANGED = 0x6500
    MEMORY_FAILURE = 0x6581
    SECURITY_ISSUE = 0x6600
    WRONG_LENGTH = 0x6700
    APDU_FORMAT_NOT_COMPLIANT = 0x6701
    UNEXPECTED_LC = 0x6702
    CLA_FUNCTION_NOT_SUPPORTED = 0x6800
    LOGICAL_CHANNEL_NOT_SUPPORTED = 0x6881
    SECURE_MESSAGING_NOT_SUPPORTED = 0x6882
    LAST_COMMAND_OF_CHAIN_EXPECTED = 0x6883
    COMMAND_CHAINING_NOT_SUPPORTED = 0x6884
    COMMAND_NOT_ALLOWED = 0x6900
    COMMAND_INCOMPATIBLE_WITH_FILE = 0x6981
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    AUTHENTICATION_METHOD_BLOCKED = 0x6983
    REFERENCE_DATA_NOT_USABLE = 0x6984
    CONDITIONS_OF_USE_NOT_SATISFIED = 0x6985
    COMMAND_NOT_ALLOWED_NO_CURRENT_EF = 0x6986
    SM_DATA_OBJECTS_MISSING = 0x6987
    SM_DATA_OBJECTS_INCORRECT = 0x6988
    WRONG_PARAMETERS = 0x6A00
    INCORRECT_DATA = 0x6A80
    FUNCTION_NOT_SUPPORTED = 0x6A81
    FILE_NOT_FOUND = 0x6A82
    RECORD_NOT_FOUND = 0x6A83
    NOT_ENOUGH_MEMORY = 0x6A84
    NC_INCONSISTENT_WITH_TLV = 0x6A85
    INCORRECT_P1_P2 = 0x6A86
    NC_INCONSISTENT_WITH_P1_P2 = 0x6A87
    REFERENCED_DATA_NOT_FOUND = 0x6A88
    FILE_ALREADY_EXISTS = 0x6A89
    DF_NAME_ALREADY_EXISTS = 0x6A8A
    WRONG_P1_P2 = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    NO_PRECISE_DIAGNOSIS = 0x6F00


# ISO 7816-4:2020 table 6: the meaning of every fixed status word.
_MEANINGS: dict[int, str] = {
    0x9000: "normal processing: no further qualification",
    0x6200: "warning: no information given (non-volatile memory unchanged)",
    0x6281: "warning: part of returned data may be corrupted",
    0x6282: "warning: end of file or record reached before reading Ne bytes, or unsuccessful "
    "search",
    0x6283: "warning: selected file deactivated",
    0x6284: "warning: file or data control information not formatted correctly",
    0x6285: "warning: selected file in termination state",
    0x6286: "warning: no input data available from a sensor on the card",
    0x6287: "warning: at least one of the referenced records is deactivated",
    0x6300: "warning: no information given (non-volatile memory changed; after VERIFY: failed)",
    0x6340: "warning: unsuccessful comparison",
    # Not in ISO 7816-4 table 6 (there 63xx with SW2 10 is undefined): GlobalPlatform's GET
    # STATUS answers 6310 when more entries follow (GPC 11.4.3, cardwire.gp.SW_MORE_STATUS).
    0x6310: "warning: more data available (GlobalPlatform GET STATUS)",
    0x6381: "warning: file filled up by the last write",
    0x6400: "execution error: no information given (non-volatile memory unchanged)",
    0x6401: "execution error: immediate response required by the card",
    0x6481: "execution error: logical channel shared access denied",
    0x6482: "execution error: logical channel opening denied",
    0x6500: "execution error: no information given (non-volatile memory changed)",
    0x6581: "execution error: memory failure",
    0x6600: "execution error: security-related issue, no information given",
    0x6700: "wrong length: no further indication",
    0x6701: "wrong length: command APDU format not compliant with ISO/IEC 7816-4",
    0x6702: "wrong length: the value of Lc is not the one expected",
    0x6800: "functions in CLA not supported: no information given",
    0x6881: "logical channel not supported",
    0x6882: "secure messaging not supported",
    0x6883: "last command of the chain expected",
    0x6884: "command chaining not supported",
    0x6900: "command not allowed: no information given",
    0x6981: "command incompatible with file structure",
    0x6982: "security status not satisfied",
    0x6983: "authentication method blocked",
    0x6984: "reference data not usable",
    0x6985: "conditions of use not satisfied",
    0x6986: "command not allowed (no current EF)",
    0x6987: "expected secure messaging data objects missing",
    0x6988: "incorrect secure messaging data objects",
    0x6A00: "wrong parameters P1-P2: no information given",
    0x6A80: "incorrect parameters in the command data field",
    0x6A81: "function not supported",
    0x6A82: "file or application not found",
    0x6A83: "record not found",
    0x6A84: "not enough memory space in the file",
    0x6A85: "Nc inconsistent with TLV structure",
    0x6A86: "incorrect parameters P1-P2",
    0x6A87: "Nc inconsistent with parameters P1-P2",
    0x6A88: "referenced data or reference data not found",
    0x6A89: "file already exists",
    0x6A8A: "DF name already exists",
    0x6B00: "wrong parameters P1-P2",
    0x6D00: "instruction code not supported or invalid",
    0x6E00: "class not supported",
    0x6F00: "no precise diagnosis",
}

# ISO 7816-4:2020 table 5: what SW1 alone says, for SW2 values table 6 does not list.
_GROUPS: dict[int, str] = {
    0x62: "warning (non-volatile memory unchanged)",
    0x63: "warning (non-volatile memory changed)",
    0x64: "execution error (non-volatile memory unchanged)",
    0x65: "execution error (non-volatile memory changed)",
    0x66: "execution error (security-related issue)",
    0x67: "wrong length",
    0x68: "functions in CLA not supported",
    0x69: "command not allowed",
    0x6A: "wrong parameters P1-P2",
    0x6B: "wrong parameters P1-P2",
    0x6D: "instruction code not supported or invalid",
    0x6E: "class not supported",
    0x6F: "no precise diagnosis",
}

_SHORT_MAX = 256  # SW2 = 00 in 61xx / 6Cxx stands for 256 bytes (ISO 7816-4 5.6)


def _byte_count(sw2: int) -> int:
    return sw2 or _SHORT_MAX


def more_data(sw: int) -> int | None:
    """61xx: the number of response bytes still available (00 means 256), else None."""
    return _byte_count(sw & 0xFF) if sw >> 8 == 0x61 else None


def retries_left(sw: int) -> int | None:
    """63Cx: the counter x (0-15), often the tries left before blocking, else None."""
    return sw & 0x0F if sw & 0xFFF0 == 0x63C0 else None


def correct_le(sw: int) -> int | None:
    """6Cxx: the exact Ne to resend the command with (00 means 256), else None."""
    return _byte_count(sw & 0xFF) if sw >> 8 == 0x6C else None


def is_success(sw: int) -> bool:
    """Normal processing: 9000 or 61xx (ISO 7816-4:2020 table 5)."""
    return sw == 0x9000 or sw >> 8 == 0x61


def is_warning(sw: int) -> bool:
    """Warning processing: 62xx or 63xx (ISO 7816-4:2020 table 5)."""
    return sw >> 8 in (0x62, 0x63)


def is_valid(sw: int) -> bool:
    """Whether ``sw`` has an SW1 ISO/IEC 7816-3 10.3.3 allows: 6X (except 60) or 9X."""
    sw1 = sw >> 8
    return (0x61 <= sw1 <= 0x6F) or (0x90 <= sw1 <= 0x9F)


def meaning(sw: int) -> str:
    """A one-line meaning of ``sw``; never fails (unknown values get a generic text)."""
    if not isinstance(sw, int) or not 0 <= sw <= 0xFFFF:
        return f"not a status word: {sw!r}"
    known = _MEANINGS.get(sw)
    if known is not None:
        return known
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw1 == 0x61:
        return f"normal processing: {_byte_count(sw2)} response bytes still available"
    if sw1 == 0x6C:
        return f"wrong Le field: {_byte_count(sw2)} data bytes available (resend with that Le)"
    if sw & 0xFFF0 == 0x63C0:
        return f"warning: counter {sw2 & 0x0F} (for VERIFY: tries left)"
    if sw1 in (0x62, 0x64) and 0x02 <= sw2 <= 0x80:
        return f"{_GROUPS[sw1]}: triggering by the card (query data 0x{sw2:02X})"
    if sw1 in _GROUPS:
        return f"{_GROUPS[sw1]}: SW2 {sw2:02X} not defined by ISO/IEC 7816-4"
    if 0x90 <= sw1 <= 0x9F:
        return "proprietary status word (application-specific)"
    return "not a valid status word (SW1 must be 61-6F or 9X)"


def check(sw: int, command: Command | None = None) -> None:
    """Raise StatusError unless ``sw`` is 9000, 61xx or a 62xx warning."""
    if sw == 0x9000 or sw >> 8 in (0x61, 0x62):
        return
    raise StatusError(sw, meaning(sw), command)
