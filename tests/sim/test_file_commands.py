"""The one file-command engine: the file-system and the ePassport applets answer each BINARY
command the same way (ISO/IEC 7816-4:2020 11.3.3, 11.3.5, 7.2.2)."""

from __future__ import annotations

import pytest

from cardwire.apdu import Command, Response
from cardwire.sim.card import SimCard
from cardwire.sw import SW

# Each applet, selected, with a transparent EF readable only under secure messaging (its SFI
# and FID) in the current DF: the file-system applet's 5007 under DF 5000, the ePassport's DG1.
APPLETS = {
    "filesystem": (("00A4040C0AF0636172647769726500", "00A4000C025000"), 0x07, 0x5007),
    "epassport": (("00A4040C07A0000002471001",), 0x01, 0x0101),
}


def send(card: SimCard, apdu: str) -> Response:
    return Response.decode(card.process(bytes.fromhex(apdu)))


@pytest.fixture(params=sorted(APPLETS))
def selected(request: pytest.FixtureRequest) -> tuple[SimCard, int, int]:
    card = SimCard()
    selects, sfi, fid = APPLETS[request.param]
    for apdu in selects:
        assert send(card, apdu).sw == SW.SUCCESS
    return card, sfi, fid


@pytest.mark.parametrize("p1", ["80", "9F"])
@pytest.mark.parametrize("ins", ["B0", "D6"])
def test_sfi_0_and_31_are_wrong_parameters(
    selected: tuple[SimCard, int, int], ins: str, p1: str
) -> None:
    # ISO/IEC 7816-4:2020 7.2.2: an SFI is 1-30; 00000 and 11111 are no SFI at all (6A86).
    # The ePassport answered 6A82 "file not found" before the engine was shared.
    card, _, _ = selected
    data = "" if ins == "B0" else "0141"
    apdu = f"00{ins}{p1}00" + (f"{len(data) // 2:02X}{data}" if data else "04")
    assert send(card, apdu).sw == SW.INCORRECT_P1_P2


def test_odd_ins_checks_access_before_the_data_field(selected: tuple[SimCard, int, int]) -> None:
    # A malformed DO 54 on a file the channel may not read: 6982, as for a well-formed one.
    # The ePassport answered 6A80 before the engine was shared.
    card, _, fid = selected
    assert send(card, f"00B1{fid:04X}02FF0100").sw == SW.SECURITY_STATUS_NOT_SATISFIED
    assert send(card, f"00B1{fid:04X}0354010000").sw == SW.SECURITY_STATUS_NOT_SATISFIED


def test_even_ins_checks_access_before_the_data_field(selected: tuple[SimCard, int, int]) -> None:
    # READ BINARY B0 with a data field (6700) on a file the channel may not read: 6982 first.
    # The ePassport answered 6700 before the engine was shared.
    card, sfi, _ = selected
    assert send(card, f"00B0{0x80 | sfi:02X}000100").sw == SW.SECURITY_STATUS_NOT_SATISFIED


def test_a_missing_sfi_is_file_not_found(selected: tuple[SimCard, int, int]) -> None:
    card, _, _ = selected
    assert send(card, "00B09B0004").sw == SW.FILE_NOT_FOUND  # SFI 27: no such EF
    assert send(card, Command(0x00, 0xB1, 0x00, 0x1B, b"", 4).encode().hex()).sw == (
        SW.FILE_NOT_FOUND
    )
