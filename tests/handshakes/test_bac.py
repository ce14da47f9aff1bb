"""open_bac over a Card and a Channel of the simulated card: ICAO 9303-11 Appendix D.3 on
the wire, the MRZ forms it accepts, and what a refusal raises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.errors import CryptogramError, StatusError, UsageError
from cardwire.handshakes.bac import MrzInformation, open_bac
from cardwire.sim import open_card
from cardwire.sim.applets.epassport.issuance import ISSUED_EF_COM
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.card import SimCard
from cardwire.transport.memory import MemoryTransport
from scripted_rng import scripted_rng

ICAO = json.loads(
    (Path(__file__).parents[1] / "vectors" / "icao_9303_11_appendix_d.json").read_text()
)
D3 = ICAO["d3_authentication"]
h = bytes.fromhex
SPECIMEN = "L898902C<,690806,940623"


def passport_card(rng: Any = None) -> Card:
    card = Card(MemoryTransport(SimCard(rng=rng)), trace=True)
    card.send(Command(0x00, 0xA4, 0x04, 0x0C, EPASSPORT_AID))
    return card


def test_appendix_d3_on_the_wire() -> None:
    # Card draws RND.IC, K.IC; host draws RND.IFD, K.IFD: ICAO 9303-11 Appendix D.3.
    card = passport_card(scripted_rng(D3["rnd_ic"], D3["k_ic"]))
    session = open_bac(card, SPECIMEN, rng=scripted_rng(D3["rnd_ifd"], D3["k_ifd"]))
    assert card.trace is not None
    wire = [(e.command, e.response) for e in card.trace.entries[1:]]
    assert wire == [
        (h(D3["get_challenge"]), h(D3["rnd_ic"]) + h("9000")),
        (h(D3["external_authenticate"]), h(D3["resp_data"]) + h("9000")),
    ]
    assert session.ssc == h(D3["ssc"])
    assert session.active


def test_the_session_reads_ef_com() -> None:
    card = passport_card()
    card.secure(open_bac(card, MrzInformation("L898902C", "690806", "940623")))
    card.select(h("011E"), check=True)
    assert card.read_file() == ISSUED_EF_COM


def test_on_a_logical_channel() -> None:
    card = passport_card()
    channel = card.open_channel()
    channel.select(EPASSPORT_AID)
    session = open_bac(channel, SPECIMEN)
    channel.secure(session)
    channel.select(h("011E"))
    assert channel.read_binary(0, 4) == ISSUED_EF_COM[:4]
    assert card.send(Command(0, 0xB0, 0, 0, ne=4), check=False).sw == 0x6986  # no EF on 0


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("L898902C<,690806,940623", ("L898902C<", "690806", "940623")),
        (" L898902C , 690806 , 940623 ", ("L898902C", "690806", "940623")),
        ("D23145890734,340712,950712", ("D23145890734", "340712", "950712")),
    ],
)
def test_mrz_text_forms(text: str, fields: tuple[str, str, str]) -> None:
    mrz = MrzInformation.parse(text)
    assert (mrz.document_number, mrz.date_of_birth, mrz.date_of_expiry) == fields
    assert fields[0] not in repr(mrz)


@pytest.mark.parametrize(
    "text", ["", "L898902C<", "L898902C<,690806", "L898902C<,690806,9406", ",690806,940623"]
)
def test_bad_mrz_text_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        MrzInformation.parse(text)


def test_wrong_mrz_is_refused_by_the_chip() -> None:
    card = passport_card()
    with pytest.raises(StatusError) as refused:
        open_bac(card, "L898902C<,690806,940624")
    assert refused.value.sw == 0x6300


def test_a_wrong_chip_cryptogram_is_detected() -> None:
    class Tampering(MemoryTransport):
        def transmit(self, apdu: bytes) -> bytes:
            answer = bytearray(super().transmit(apdu))
            if apdu[1] == 0x82 and len(answer) > 2:
                answer[0] ^= 0x80  # a bit of E_IC
            return bytes(answer)

    card = Card(Tampering(SimCard()))
    card.send(Command(0x00, 0xA4, 0x04, 0x0C, EPASSPORT_AID))
    with pytest.raises(CryptogramError):
        open_bac(card, SPECIMEN)


def test_no_epassport_selected() -> None:
    card = open_card()  # the file system applet is current: its GET CHALLENGE answers
    with pytest.raises(StatusError):
        open_bac(card, SPECIMEN)  # and its EXTERNAL AUTHENTICATE refuses
