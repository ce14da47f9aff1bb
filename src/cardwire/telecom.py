"""SIM and UICC: the GSM class A0 instructions and the status words of the telecom specs.

- Class ``A0``: GSM 11.11 / 3GPP TS 51.011 (9.2: the commands, 9.4: the status words). A SIM
  answers ``9Fxx`` where an ISO card answers ``61xx``, ``9Exx`` after a data download error,
  ``920x``/``9240`` for memory, ``94xx`` for files and ``98xx`` for security.
- The UICC (ETSI TS 102 221 10.2.1, classes ``00``/``80``): ISO/IEC 7816-4 status words plus
  ``91xx`` (a proactive command is pending), ``9300`` (toolkit busy), ``9850`` and
  ``9862``-``9864``.

:func:`meaning` explains a status word by the class of the command that got it: the same
``9804`` is "access condition not fulfilled" for a SIM and not defined for an ISO card.
"""

from __future__ import annotations

from cardwire import sw as iso_sw

GSM_CLA = 0xA0  # GSM 11.11 9.2: the class of every SIM command

# 3GPP TS 51.011 (GSM 11.11) 9.2, table 8: the instructions of class A0.
GSM_INSTRUCTIONS: dict[int, str] = {
    0xA4: "SELECT",
    0xF2: "STATUS",
    0xB0: "READ BINARY",
    0xD6: "UPDATE BINARY",
    0xB2: "READ RECORD",
    0xDC: "UPDATE RECORD",
    0xA2: "SEEK",
    0x32: "INCREASE",
    0x20: "VERIFY CHV",
    0x24: "CHANGE CHV",
    0x26: "DISABLE CHV",
    0x28: "ENABLE CHV",
    0x2C: "UNBLOCK CHV",
    0x04: "INVALIDATE",
    0x44: "REHABILITATE",
    0x88: "RUN GSM ALGORITHM",
    0xFA: "SLEEP",
    0xC0: "GET RESPONSE",
    0x10: "TERMINAL PROFILE",
    0xC2: "ENVELOPE",
    0x12: "FETCH",
    0x14: "TERMINAL RESPONSE",
}

# The GSM commands whose data field is a CHV or UNBLOCK CHV (never logged or kept).
GSM_SECRET_INS = frozenset({0x20, 0x24, 0x26, 0x28, 0x2C})

# 3GPP TS 51.011 9.4: status words with a fixed value.
_GSM_FIXED: dict[int, str] = {
    0x9000: "normal ending of the command",
    0x9300: "SIM Application Toolkit is busy: command cannot be executed at present, further "
    "normal commands are allowed",
    0x9240: "memory problem",
    0x9400: "no EF selected",
    0x9402: "out of range (invalid address)",
    0x9404: "file ID not found, or pattern not found",
    0x9408: "file is inconsistent with the command",
    0x9802: "no CHV initialized",
    0x9804: "access condition not fulfilled, or unsuccessful CHV / UNBLOCK CHV verification "
    "(at least one attempt left), or authentication failed",
    0x9808: "in contradiction with CHV status",
    0x9810: "in contradiction with invalidation status",
    0x9840: "unsuccessful CHV / UNBLOCK CHV verification, no attempt left: CHV or UNBLOCK CHV "
    "blocked",
    0x9850: "increase cannot be performed, max value reached",
    0x6B00: "incorrect parameter P1 or P2",
    0x6D00: "unknown instruction code given in the command",
    0x6E00: "wrong instruction class given in the command",
    0x6F00: "technical problem with no diagnostic given",
}

# ETSI TS 102 221 10.2.1: the status words a UICC adds to ISO/IEC 7816-4's.
_UICC_FIXED: dict[int, str] = {
    0x9300: "SIM Application Toolkit is busy: command cannot be executed at present, further "
    "normal commands are allowed",
    0x9850: "increase cannot be performed, max value reached",
    0x9862: "authentication error, application specific",
    0x9863: "security session or association expired",
    0x9864: "minimum UICC suspension time is too long",
}


def _length(sw2: int) -> str:
    return f"{sw2} response bytes available (fetch them with GET RESPONSE)"


def gsm_success(sw: int) -> bool:
    """3GPP TS 51.011 9.4.1-9.4.2: the command was executed (9000, 91xx, 9Fxx, 920x)."""
    sw1 = sw >> 8
    return sw == 0x9000 or sw1 in (0x91, 0x9F) or (sw1 == 0x92 and sw & 0xFF <= 0x0F)


def gsm_meaning(sw: int) -> str:
    """A status word answered to a class A0 command (3GPP TS 51.011 9.4)."""
    known = _GSM_FIXED.get(sw)
    if known is not None:
        return f"GSM: {known}"
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw1 == 0x9F:
        return f"GSM: normal ending, {_length(sw2)}"
    if sw1 == 0x91:
        return f"GSM: normal ending, a proactive command is pending; {_length(sw2)} (FETCH)"
    if sw1 == 0x9E:
        return f"GSM: SIM data download error; {_length(sw2)}"
    if sw1 == 0x92 and sw2 <= 0x0F:
        return f"GSM: command successful but after {sw2} internal update retries"
    if sw1 == 0x67:
        return "GSM: incorrect parameter P3 (the length)"
    return f"GSM: not defined by 3GPP TS 51.011 ({iso_sw.meaning(sw)})"


def uicc_meaning(sw: int) -> str:
    """A status word answered by a UICC (ETSI TS 102 221 10.2.1, then ISO/IEC 7816-4)."""
    known = _UICC_FIXED.get(sw)
    if known is not None:
        return f"UICC: {known}"
    if sw >> 8 == 0x91:
        return f"UICC: normal ending, a proactive command is pending; {sw & 0xFF} bytes to FETCH"
    return iso_sw.meaning(sw)


def meaning(sw: int, cla: int | None = None, *, uicc: bool = False) -> str:
    """``sw`` explained by the class of its command: GSM for class A0, the UICC's for a UICC
    (``uicc``), else ISO/IEC 7816-4 (:func:`cardwire.sw.meaning`)."""
    if cla == GSM_CLA:
        return gsm_meaning(sw)
    if uicc:
        return uicc_meaning(sw)
    return iso_sw.meaning(sw)


def instruction_name(cla: int, ins: int) -> str | None:
    """The GSM name of ``ins`` under class A0, else None."""
    return GSM_INSTRUCTIONS.get(ins) if cla == GSM_CLA else None
