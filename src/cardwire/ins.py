"""Instruction codes and their names.

Interindustry INS codes from ISO/IEC 7816-4:2020 table 4 (and 7816-9 for TERMINATE CARD USAGE);
GlobalPlatform Card Specification v2.3.1 section 11 for the proprietary classes. Some references
list ERASE BINARY as 00DA, ERASE RECORD as 00DC and TERMINATE CARD USAGE as 826E: those are PUT
DATA, UPDATE RECORD and nothing; the standard's codes are used here.
"""

from __future__ import annotations

from enum import IntEnum

from cardwire.telecom import GSM_CLA, GSM_INSTRUCTIONS, GSM_SECRET_INS


class Ins(IntEnum):
    """Interindustry instruction codes (ISO 7816-4 table 4; even INS, odd forms are +1)."""

    DEACTIVATE_FILE = 0x04
    ERASE_RECORD = 0x0C
    ERASE_BINARY = 0x0E
    ERASE_BINARY_ODD = 0x0F
    PERFORM_SCQL_OPERATION = 0x10
    PERFORM_TRANSACTION_OPERATION = 0x12
    PERFORM_USER_OPERATION = 0x14
    VERIFY = 0x20
    VERIFY_ODD = 0x21
    MANAGE_SECURITY_ENVIRONMENT = 0x22
    CHANGE_REFERENCE_DATA = 0x24
    CHANGE_REFERENCE_DATA_ODD = 0x25
    DISABLE_VERIFICATION_REQUIREMENT = 0x26
    ENABLE_VERIFICATION_REQUIREMENT = 0x28
    PERFORM_SECURITY_OPERATION = 0x2A
    RESET_RETRY_COUNTER = 0x2C
    RESET_RETRY_COUNTER_ODD = 0x2D
    ACTIVATE_FILE = 0x44
    GENERATE_ASYMMETRIC_KEY_PAIR = 0x46
    MANAGE_CHANNEL = 0x70
    EXTERNAL_AUTHENTICATE = 0x82
    GET_CHALLENGE = 0x84
    GENERAL_AUTHENTICATE = 0x86
    GENERAL_AUTHENTICATE_ODD = 0x87
    INTERNAL_AUTHENTICATE = 0x88
    SEARCH_BINARY = 0xA0
    SEARCH_BINARY_ODD = 0xA1
    SEARCH_RECORD = 0xA2
    SELECT = 0xA4
    READ_BINARY = 0xB0
    READ_BINARY_ODD = 0xB1
    READ_RECORD = 0xB2
    READ_RECORD_ODD = 0xB3
    GET_RESPONSE = 0xC0
    ENVELOPE = 0xC2
    ENVELOPE_ODD = 0xC3
    GET_DATA = 0xCA
    GET_DATA_ODD = 0xCB
    WRITE_BINARY = 0xD0
    WRITE_BINARY_ODD = 0xD1
    WRITE_RECORD = 0xD2
    UPDATE_BINARY = 0xD6
    UPDATE_BINARY_ODD = 0xD7
    PUT_DATA = 0xDA
    PUT_DATA_ODD = 0xDB
    UPDATE_RECORD = 0xDC
    UPDATE_RECORD_ODD = 0xDD
    CREATE_FILE = 0xE0
    APPEND_RECORD = 0xE2
    DELETE_FILE = 0xE4
    TERMINATE_DF = 0xE6
    TERMINATE_EF = 0xE8
    TERMINATE_CARD_USAGE = 0xFE  # ISO/IEC 7816-9


_ISO_NAMES: dict[int, str] = {
    Ins.DEACTIVATE_FILE: "DEACTIVATE FILE",
    Ins.ERASE_RECORD: "ERASE RECORD(S)",
    Ins.ERASE_BINARY: "ERASE BINARY",
    Ins.ERASE_BINARY_ODD: "ERASE BINARY",
    Ins.PERFORM_SCQL_OPERATION: "PERFORM SCQL OPERATION",
    Ins.PERFORM_TRANSACTION_OPERATION: "PERFORM TRANSACTION OPERATION",
    Ins.PERFORM_USER_OPERATION: "PERFORM USER OPERATION",
    Ins.VERIFY: "VERIFY",
    Ins.VERIFY_ODD: "VERIFY",
    Ins.MANAGE_SECURITY_ENVIRONMENT: "MANAGE SECURITY ENVIRONMENT",
    Ins.CHANGE_REFERENCE_DATA: "CHANGE REFERENCE DATA",
    Ins.CHANGE_REFERENCE_DATA_ODD: "CHANGE REFERENCE DATA",
    Ins.DISABLE_VERIFICATION_REQUIREMENT: "DISABLE VERIFICATION REQUIREMENT",
    Ins.ENABLE_VERIFICATION_REQUIREMENT: "ENABLE VERIFICATION REQUIREMENT",
    Ins.PERFORM_SECURITY_OPERATION: "PERFORM SECURITY OPERATION",
    Ins.RESET_RETRY_COUNTER: "RESET RETRY COUNTER",
    Ins.RESET_RETRY_COUNTER_ODD: "RESET RETRY COUNTER",
    Ins.ACTIVATE_FILE: "ACTIVATE FILE",
    Ins.GENERATE_ASYMMETRIC_KEY_PAIR: "GENERATE ASYMMETRIC KEY PAIR",
    Ins.MANAGE_CHANNEL: "MANAGE CHANNEL",
    Ins.EXTERNAL_AUTHENTICATE: "EXTERNAL AUTHENTICATE",
    Ins.GET_CHALLENGE: "GET CHALLENGE",
    Ins.GENERAL_AUTHENTICATE: "GENERAL AUTHENTICATE",
    Ins.GENERAL_AUTHENTICATE_ODD: "GENERAL AUTHENTICATE",
    Ins.INTERNAL_AUTHENTICATE: "INTERNAL AUTHENTICATE",
    Ins.SEARCH_BINARY: "SEARCH BINARY",
    Ins.SEARCH_BINARY_ODD: "SEARCH BINARY",
    Ins.SEARCH_RECORD: "SEARCH RECORD",
    Ins.SELECT: "SELECT",
    Ins.READ_BINARY: "READ BINARY",
    Ins.READ_BINARY_ODD: "READ BINARY",
    Ins.READ_RECORD: "READ RECORD(S)",
    Ins.READ_RECORD_ODD: "READ RECORD(S)",
    Ins.GET_RESPONSE: "GET RESPONSE",
    Ins.ENVELOPE: "ENVELOPE",
    Ins.ENVELOPE_ODD: "ENVELOPE",
    Ins.GET_DATA: "GET DATA",
    Ins.GET_DATA_ODD: "GET DATA",
    Ins.WRITE_BINARY: "WRITE BINARY",
    Ins.WRITE_BINARY_ODD: "WRITE BINARY",
    Ins.WRITE_RECORD: "WRITE RECORD",
    Ins.UPDATE_BINARY: "UPDATE BINARY",
    Ins.UPDATE_BINARY_ODD: "UPDATE BINARY",
    Ins.PUT_DATA: "PUT DATA",
    Ins.PUT_DATA_ODD: "PUT DATA",
    Ins.UPDATE_RECORD: "UPDATE RECORD",
    Ins.UPDATE_RECORD_ODD: "UPDATE RECORD",
    Ins.CREATE_FILE: "CREATE FILE",
    Ins.APPEND_RECORD: "APPEND RECORD",
    Ins.DELETE_FILE: "DELETE FILE",
    Ins.TERMINATE_DF: "TERMINATE DF",
    Ins.TERMINATE_EF: "TERMINATE EF",
    Ins.TERMINATE_CARD_USAGE: "TERMINATE CARD USAGE",
}

# GlobalPlatform Card Specification v2.3.1, table 11-1: the commands GP codes in its proprietary
# classes. SELECT, MANAGE CHANNEL and GET RESPONSE use the interindustry class 00 there, so with
# CLA b8 = 1 their INS codes belong to the application (Keycard SIGN is 80 C0).
_GP_NAMES: dict[int, str] = {
    0x50: "INITIALIZE UPDATE",
    0x82: "EXTERNAL AUTHENTICATE",
    0xCA: "GET DATA",
    0xCB: "GET DATA",
    0xD8: "PUT KEY",
    0xE2: "STORE DATA",
    0xE4: "DELETE",
    0xE6: "INSTALL",
    0xE8: "LOAD",
    0xF0: "SET STATUS",
    0xF2: "GET STATUS",
    0x2A: "MANAGE ELEVATION",
}


# The one definition of "a command whose data field is a secret" (PIN, PUK, key), used by
# Command's repr, the simulator's log and the demo's trace (issue 15): interindustry VERIFY,
# CHANGE REFERENCE DATA, RESET RETRY COUNTER, even and odd (ISO/IEC 7816-4:2020 table 4 and
# clause 11.5); in the proprietary classes also GlobalPlatform PUT KEY (GP 2.3.1 11.8) and the
# Keycard PIN commands (VERIFY PIN 20, CHANGE PIN 21, UNBLOCK PIN 22: Keycard APDU reference).
SECRET_INS: frozenset[int] = frozenset({0x20, 0x21, 0x24, 0x25, 0x2C, 0x2D})
_SECRET_PROPRIETARY_INS: frozenset[int] = SECRET_INS | {0x22, 0xD8}


def carries_secret(cla: int, ins: int) -> bool:
    """Whether the data field of a command with ``cla`` and ``ins`` is a secret to redact."""
    if cla == GSM_CLA:  # the CHV commands of class A0 (3GPP TS 51.011 9.2)
        return ins in GSM_SECRET_INS
    return ins in (_SECRET_PROPRIETARY_INS if cla & 0x80 else SECRET_INS)


def command_name(cla: int, ins: int) -> str | None:
    """The name of ``ins`` under class ``cla``: ISO names for interindustry classes (b8 = 0),
    GSM names for class A0 (cardwire.telecom), GlobalPlatform names for the other proprietary
    classes 0x80-0xFE; None when unknown."""
    if cla == 0xFF:
        return None
    if cla == GSM_CLA:  # GSM 11.11 / 3GPP TS 51.011 9.2: the SIM's own class
        return GSM_INSTRUCTIONS.get(ins)
    if cla & 0x80:
        return _GP_NAMES.get(ins)
    return _ISO_NAMES.get(ins)
