"""Status words (ISO/IEC 7816-4:2020 section 5.6). The full catalogue is being written."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from cardwire.errors import StatusError

if TYPE_CHECKING:
    from cardwire.apdu import Command


class SW(IntEnum):
    """Status words with a fixed value (ISO 7816-4:2020 tables 5 and 6)."""

    SUCCESS = 0x9000
    END_OF_FILE = 0x6282  # end of file or record reached before reading Ne bytes
    FILE_DEACTIVATED = 0x6283
    FILE_TERMINATED = 0x6285
    VERIFICATION_FAILED = 0x6300
    MEMORY_FAILURE = 0x6581
    WRONG_LENGTH = 0x6700
    LOGICAL_CHANNEL_NOT_SUPPORTED = 0x6881
    SECURE_MESSAGING_NOT_SUPPORTED = 0x6882
    LAST_COMMAND_OF_CHAIN_EXPECTED = 0x6883
    COMMAND_CHAINING_NOT_SUPPORTED = 0x6884
    COMMAND_INCOMPATIBLE_WITH_FILE = 0x6981
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    AUTHENTICATION_METHOD_BLOCKED = 0x6983
    REFERENCE_DATA_NOT_USABLE = 0x6984
    CONDITIONS_OF_USE_NOT_SATISFIED = 0x6985
    COMMAND_NOT_ALLOWED_NO_CURRENT_EF = 0x6986
    SM_DATA_OBJECTS_MISSING = 0x6987
    SM_DATA_OBJECTS_INCORRECT = 0x6988
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


def meaning(sw: int) -> str:
    """A one-line meaning of ``sw``."""
    return "normal processing" if sw == 0x9000 else f"status {sw:04X}"


def check(sw: int, command: Command | None = None) -> None:
    """Raise StatusError unless ``sw`` is 9000, 61xx or a 62xx warning."""
    if sw == 0x9000 or sw >> 8 in (0x61, 0x62):
        return
    raise StatusError(sw, meaning(sw), command)
