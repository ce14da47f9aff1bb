"""The simulated chip's INTERNAL AUTHENTICATE and Chip Authentication status words."""

from __future__ import annotations

import os

from cardwire.apdu import Command
from cardwire.card import Card
from cardwire.crypto.dh_groups import MODP_2048_224
from cardwire.handshakes.bac import open_bac
from cardwire.handshakes.pace import select_application
from cardwire.sim.applets.epassport.lds import EPASSPORT_AID
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.transport.memory import MemoryTransport
from passport_cards import passport_section

MRZ = "L898902C<,690806,940623"


def card() -> Card:
    return Card(MemoryTransport(SimCard()))


def test_internal_authenticate_needs_secure_messaging() -> None:
    plain = card()
    select_application(plain, EPASSPORT_AID)
    assert plain.send(Command(0, 0x88, 0, 0, os.urandom(8), 256), check=False).sw == 0x6982


def test_internal_authenticate_checks_its_parameters() -> None:
    secured = card()
    select_application(secured, EPASSPORT_AID)
    secured.secure(open_bac(secured, MRZ))
    assert secured.send(Command(0, 0x88, 0, 0, os.urandom(8), 256)).data.__len__() == 64
    assert secured.send(Command(0, 0x88, 0, 0, os.urandom(7), 256), check=False).sw == 0x6700
    assert secured.send(Command(0, 0x88, 1, 0, os.urandom(8), 256), check=False).sw == 0x6A86


def test_chip_authentication_refuses_dh_and_bad_points() -> None:
    secured = card()
    select_application(secured, EPASSPORT_AID)
    secured.secure(open_bac(secured, MRZ))
    dh_oid = bytes.fromhex("04007F00070202030102")  # id-CA-DH-AES-CBC-CMAC-128
    assert (
        secured.send(Command(0, 0x22, 0x41, 0xA4, b"\x80\x0a" + dh_oid), check=False).sw == 0x6A80
    )
    bad_point = b"\x91\x05\x04\x00\x00\x00\x00"
    assert secured.send(Command(0, 0x22, 0x41, 0xA6, bad_point), check=False).sw == 0x6A80


def test_a_dh_chip_refuses_ecdh_and_values_outside_its_group() -> None:
    section = passport_section(ca_key="dh")
    profile = Profile(CardOptions(), (AppletSpec("epassport", EPASSPORT_AID, section),))
    secured = Card(MemoryTransport(SimCard(profile)))
    select_application(secured, EPASSPORT_AID)
    secured.secure(open_bac(secured, MRZ))
    ecdh_oid = bytes.fromhex("04007F00070202030202")  # id-CA-ECDH-AES-CBC-CMAC-128
    set_at = Command(0, 0x22, 0x41, 0xA4, b"\x80\x0a" + ecdh_oid)
    assert secured.send(set_at, check=False).sw == 0x6A80
    # 9303-11 9.4.2 / SP 800-56A 5.6.2.3.1: 1 and p-1 are refused, so is a value not of order q.
    group = MODP_2048_224
    for value in (1, group.p - 1, 2):
        kat = b"\x91\x82\x01\x00" + value.to_bytes(256, "big")
        assert secured.send(Command(0, 0x22, 0x41, 0xA6, kat), check=False).sw == 0x6A80
