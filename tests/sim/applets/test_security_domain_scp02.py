"""The Security Domain over SCP02 (GP Card Spec v2.3.1 Annex E, i = 55 by default): the key
version of INITIALIZE UPDATE chooses SCP02, and the session runs the SD's commands."""

from __future__ import annotations

import pytest

from cardwire import gp
from cardwire.apdu import Command, Response
from cardwire.sim.applets.security_domain import DEFAULT_AID, SecurityDomainApplet
from cardwire.sim.card import SimCard
from cardwire.sm.scp02 import I_55, Scp02Handshake, Scp02HostSession, StaticKeys

KEYS = StaticKeys.default(0x20)


def exchange(sim: SimCard, command: Command) -> Response:
    return Response.decode(sim.process(command.encode()))


def open_scp02(sim: SimCard, level: int, keys: StaticKeys = KEYS) -> Scp02HostSession:
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x9000
    host = Scp02Handshake(keys, level=level, option=I_55, aid=DEFAULT_AID)
    answer = exchange(sim, host.initialize_update())
    return host.complete(exchange(sim, host.external_authenticate(answer)))


@pytest.mark.parametrize("level", [0x00, 0x01, 0x03])
def test_get_data_and_get_status_over_scp02(level: int) -> None:
    sim = SimCard()
    host = open_scp02(sim, level)

    def send(command: Command) -> Response:
        return host.unprotect(exchange(sim, host.protect(command)))

    assert send(Command(0x80, 0xCA, 0x00, 0x66, ne=256)).sw == 0x9000
    entries = gp.read_status(send, gp.StatusScope.ISSUER_SECURITY_DOMAIN)
    assert [entry.aid for entry in entries] == [DEFAULT_AID]
    assert host.active


def test_the_sequence_counter_moves_on_and_is_kept() -> None:
    sim = SimCard()
    open_scp02(sim, 0x01)
    open_scp02(sim, 0x01)
    applet = sim.applet(DEFAULT_AID)
    assert isinstance(applet, SecurityDomainApplet) and applet.scp02 is not None
    assert applet.scp02.sequence_counter == 2
    assert applet.export_state()["scp02"]["sequence_counter"] == 2


def test_a_plain_command_at_c_mac_ends_the_session() -> None:
    sim = SimCard()
    host = open_scp02(sim, 0x01)
    assert exchange(sim, Command(0x80, 0xF2, 0x80, 0x02, bytes.fromhex("4F00"))).sw == 0x6982
    assert exchange(sim, host.protect(Command(0x80, 0xCA, 0x00, 0x66, ne=256))).sw == 0x6985


def test_wrong_keys_are_refused_with_6300() -> None:
    sim = SimCard()
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x9000
    good = Scp02Handshake(KEYS, option=I_55, aid=DEFAULT_AID, check_challenge=True)
    answer = exchange(sim, good.initialize_update())
    external = good.external_authenticate(answer)
    tampered = external.replace(data=bytes([external.data[0] ^ 1]) + external.data[1:])
    assert exchange(sim, tampered).sw == 0x6300


def test_put_key_is_refused_over_scp02_for_now() -> None:
    sim = SimCard()
    host = open_scp02(sim, 0x03)
    wire = host.protect(Command(0x80, 0xD8, 0x00, 0x81, bytes(20)))
    assert exchange(sim, wire).sw == 0x6985


def test_key_version_zero_still_opens_scp03() -> None:
    sim = SimCard()
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x9000
    answer = exchange(sim, Command(0x80, 0x50, 0x00, 0x00, bytes(8), ne=256))
    assert answer.sw == 0x9000 and answer.data[11] == 0x03
