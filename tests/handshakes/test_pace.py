"""open_pace: parameters from EF.CardAccess or a domain parameter id, password kinds, the
MSE:Set AT retry-counter warning, and the choice among PACEInfos."""

from __future__ import annotations

import pytest

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.errors import StatusError, UsageError
from cardwire.handshakes.bac import MrzInformation
from cardwire.handshakes.pace import (
    choose_info,
    info_for_parameter,
    open_pace,
    pace_password,
    read_card_access,
    select_application,
)
from cardwire.sim import open_card
from cardwire.sim.applets.eid import EID_AID
from cardwire.sim.applets.epassport.config import DEFAULT_CAN, DEFAULT_PACE_INFOS
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sm.card_access import PaceInfo
from cardwire.sm.pace import PasswordType

ECDH_GM_AES128 = "0.4.0.127.0.7.2.2.4.2.2"  # ICAO 9303-11 9.2.1 id-PACE-ECDH-GM-AES-CBC-CMAC-128
DH_GM_AES128 = "0.4.0.127.0.7.2.2.4.1.2"  # id-PACE-DH-GM-AES-CBC-CMAC-128
ECDH_IM_AES128 = "0.4.0.127.0.7.2.2.4.4.2"  # id-PACE-ECDH-IM-AES-CBC-CMAC-128 (unsupported)


def passport() -> Card:
    card = open_card(trace=True)
    select_application(card, EPASSPORT_AID)
    return card


def test_parameters_come_from_ef_card_access() -> None:
    card = passport()
    assert read_card_access(card) == DEFAULT_PACE_INFOS
    session = open_pace(card, DEFAULT_CAN)
    assert session.ssc == bytes(16)  # AES suite: a 16-byte SSC, starting at 0
    assert card.trace is not None
    sent = [entry.command[:2] for entry in card.trace.entries]
    assert sent == [
        bytes.fromhex(x) for x in ("00A4", "00B0", "00B0", "0022", *["1086"] * 3, "0086")
    ]


def test_a_given_parameter_id_skips_ef_card_access_and_is_announced() -> None:
    card = passport()
    open_pace(card, DEFAULT_CAN, parameter_id=13)
    assert card.trace is not None
    commands = [Command.decode(entry.command) for entry in card.trace.entries]
    assert [c.ins for c in commands] == [0xA4, 0x22, 0x86, 0x86, 0x86, 0x86]
    assert commands[1].data.endswith(bytes.fromhex("84010D"))  # 9303-11 4.4.4.1: tag 84


@pytest.mark.parametrize(
    ("kind", "password", "expected"),
    [
        ("can", "123456", PasswordType.CAN),
        ("pin", "654321", PasswordType.PIN),
        ("puk", "1234567890", PasswordType.PUK),
        ("mrz", "L898902C<,690806,940623", PasswordType.MRZ),
        ("mrz", MrzInformation("L898902C<", "690806", "940623"), PasswordType.MRZ),
        (PasswordType.PIN, "654321", PasswordType.PIN),
        (PasswordType.MRZ, "L898902C<,690806,940623", PasswordType.MRZ),
    ],
)
def test_password_kinds(
    kind: PasswordType | str, password: str | MrzInformation, expected: PasswordType
) -> None:
    assert pace_password(password, kind).kind is expected


@pytest.mark.parametrize(
    ("kind", "password"),
    [
        ("cvc", "123456"),
        ("can", ""),
        ("mrz", "L898902C<"),
        ("can", MrzInformation("X", "690806", "940623")),
        (PasswordType.CAN, MrzInformation("X", "690806", "940623")),
        (3, "654321"),  # the int value of PasswordType.PIN is not a kind
    ],
)
def test_bad_passwords_are_usage_errors(
    kind: PasswordType | str, password: str | MrzInformation
) -> None:
    with pytest.raises(UsageError):
        pace_password(password, kind)


@pytest.mark.parametrize(
    ("infos", "chosen"),
    [
        ((PaceInfo(ECDH_GM_AES128, parameter_id=13),), 0),
        ((PaceInfo(ECDH_IM_AES128, parameter_id=13), PaceInfo(DH_GM_AES128, parameter_id=0)), 1),
        ((PaceInfo(ECDH_GM_AES128, parameter_id=14), PaceInfo(ECDH_GM_AES128, parameter_id=12)), 1),
    ],
)
def test_the_first_runnable_info_is_chosen(infos: tuple[PaceInfo, ...], chosen: int) -> None:
    assert choose_info(infos) == infos[chosen]


def test_no_runnable_info_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="Generic Mapping"):
        choose_info((PaceInfo(ECDH_IM_AES128, parameter_id=13),))


@pytest.mark.parametrize(("parameter_id", "protocol"), [(0, DH_GM_AES128), (13, ECDH_GM_AES128)])
def test_info_for_a_parameter_id(parameter_id: int, protocol: str) -> None:
    assert info_for_parameter(parameter_id) == PaceInfo(protocol, parameter_id=parameter_id)


class WarningCard(Card):
    """A card stand-in answering MSE:Set AT with a fixed status word, then refusing."""

    def __init__(self, mse_sw: int) -> None:
        self.mse_sw = mse_sw
        self.sent: list[Command] = []

    def send(self, command: Command | bytes, check: bool = True) -> Response:
        assert isinstance(command, Command)
        self.sent.append(command)
        return Response(sw=self.mse_sw if command.ins == 0x22 else 0x6985)

    def forget_ended_session(self) -> None:
        pass  # no secure-messaging slot in this stand-in


@pytest.mark.parametrize(
    ("mse_sw", "final_sw", "steps"), [(0x63C2, 0x6985, 2), (0x63C0, 0x63C0, 1)]
)
def test_mse_retry_warning(mse_sw: int, final_sw: int, steps: int) -> None:
    # BSI TR-03110-3 B.1 (as vsmartcard npa/src/npa.c reads it): 63Cx is a warning, PACE goes
    # on; 63C0 means blocked.
    card = WarningCard(mse_sw)
    with pytest.raises(StatusError) as refused:
        open_pace(card, "654321", kind="pin", parameter_id=13)
    assert refused.value.sw == final_sw
    assert len(card.sent) == steps


def test_blocked_names_the_password_kind() -> None:
    with pytest.raises(StatusError, match="the PIN is blocked"):
        open_pace(WarningCard(0x63C0), "654321", kind=PasswordType.PIN, parameter_id=13)


@pytest.mark.parametrize("kind", [PasswordType.PIN, "pin"])
def test_pin_on_the_eid_application(kind: PasswordType | str) -> None:
    card = open_card()
    select_application(card, EID_AID)
    card.secure(open_pace(card, "654321", kind=kind))
    card.select(bytes.fromhex("0104"))
    assert card.read_file() == bytes.fromhex("64070C054552494B41")  # 64 { UTF8String "ERIKA" }
