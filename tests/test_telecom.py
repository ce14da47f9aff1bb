"""SIM (class A0, 3GPP TS 51.011) and UICC (ETSI TS 102 221) status words and instructions,
each explained by the class of the command."""

from __future__ import annotations

import pytest

from cardwire import telecom
from cardwire.apdu import Command
from cardwire.ins import carries_secret


@pytest.mark.parametrize(
    ("sw", "text"),
    [
        (0x9F17, "GSM: normal ending, 23 response bytes available"),
        (0x9E10, "GSM: SIM data download error; 16 response bytes"),
        (0x9203, "after 3 internal update retries"),
        (0x9240, "GSM: memory problem"),
        (0x9804, "GSM: access condition not fulfilled"),
        (0x9840, "no attempt left"),
        (0x9850, "max value reached"),
        (0x9404, "file ID not found"),
        (0x9110, "a proactive command is pending; 16 response bytes"),
        (0x6E00, "GSM: wrong instruction class"),
    ],
)
def test_gsm_status_words_for_class_a0(sw: int, text: str) -> None:
    assert text in telecom.meaning(sw, 0xA0)


@pytest.mark.parametrize(
    ("sw", "text"),
    [
        (0x910B, "UICC: normal ending, a proactive command is pending; 11 bytes to FETCH"),
        (0x9300, "UICC: SIM Application Toolkit is busy"),
        (0x9850, "UICC: increase cannot be performed"),
        (0x9862, "UICC: authentication error, application specific"),
        (0x9863, "UICC: security session or association expired"),
        (0x9864, "UICC: minimum UICC suspension time is too long"),
        (0x6982, "security status not satisfied"),  # ISO for the rest
    ],
)
def test_uicc_status_words(sw: int, text: str) -> None:
    assert text in telecom.meaning(sw, 0x00, uicc=True)


def test_the_same_sw_differs_by_class() -> None:
    assert telecom.meaning(0x9804, 0x00) == "proprietary status word (application-specific)"
    assert telecom.meaning(0x9804, 0xA0).startswith("GSM: access condition")
    assert telecom.gsm_success(0x9F17) and telecom.gsm_success(0x9201)
    assert not telecom.gsm_success(0x9804) and not telecom.gsm_success(0x9240)


def test_class_a0_instruction_names_and_secrets() -> None:
    assert Command(0xA0, 0xF2, 0, 0, b"", 0x16).name == "STATUS"
    assert Command(0xA0, 0x88, 0, 0, bytes(16), 0x0C).name == "RUN GSM ALGORITHM"
    assert Command(0x80, 0xF2, 0, 0).name == "GET STATUS"  # GlobalPlatform keeps its names
    assert carries_secret(0xA0, 0x28)  # ENABLE CHV carries CHV1
    assert carries_secret(0xA0, 0x2C)
    assert not carries_secret(0xA0, 0xB0)
