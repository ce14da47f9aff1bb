"""The Security Domain over SCP02 (GP Card Spec v2.3.1 Annex E, i = 55 by default): the key
version of INITIALIZE UPDATE chooses SCP02, the session runs the SD's commands, PUT KEY takes
3DES key sets under the DEK session key (E.4.7), and a profile may hold diversified keys."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cardwire import gp
from cardwire.apdu import Command, Response
from cardwire.errors import ConfigError, CryptogramError, StatusError
from cardwire.gp import PutKeyData
from cardwire.gp_des_keys import check_put_des_keys_answer, put_des_keys
from cardwire.sim.applets.security_domain import DEFAULT_AID, SecurityDomainApplet
from cardwire.sim.card import SimCard
from cardwire.sim.profile import Profile
from cardwire.sm.scp02 import I_55, Scp02Handshake, Scp02HostSession, StaticKeys
from cardwire.sm.scp03 import Scp03Handshake
from cardwire.sm.scp03 import StaticKeys as StaticKeysAes
from diversified_card import KDD, MASTER, diversified_document

KEYS = StaticKeys.default(0x20)


def exchange(sim: SimCard, command: Command) -> Response:
    return Response.decode(sim.process(command.encode()))


def open_scp02(
    sim: SimCard, level: int, keys: StaticKeys = KEYS, diversify: str | None = None
) -> Scp02HostSession:
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x9000
    host = Scp02Handshake(keys, level=level, option=I_55, aid=DEFAULT_AID, diversify=diversify)
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


NEW = StaticKeys(bytes(range(16)), bytes(range(1, 17)), bytes(range(2, 18)), 0x21)


def put(sim: SimCard, host: Scp02HostSession, command: Command) -> Response:
    return host.unprotect(exchange(sim, host.protect(command)))


def scp02_keys(sim: SimCard) -> dict[int, StaticKeys]:
    applet = sim.applet(DEFAULT_AID)
    assert isinstance(applet, SecurityDomainApplet) and applet.scp02 is not None
    return {keys.kvn: keys for keys in applet.scp02.key_sets}


@pytest.mark.parametrize("level", [0x01, 0x03])
def test_put_key_adds_then_replaces_a_3des_key_set(level: int) -> None:
    sim = SimCard()
    host = open_scp02(sim, level)
    answer = put(sim, host, put_des_keys(NEW, host.session_dek))
    assert answer.sw == 0x9000
    check_put_des_keys_answer(answer.data, NEW)  # GPC 11.8.3.1: kvn and the 3DES KCVs
    assert scp02_keys(sim) == {0x20: KEYS, 0x21: NEW}
    # The new set opens SCP02 and replaces itself under a new version.
    host = open_scp02(sim, level, NEW)
    newer = StaticKeys.default(0x22)
    assert put(sim, host, put_des_keys(newer, host.session_dek, replace_kvn=0x21)).sw == 0x9000
    assert scp02_keys(sim) == {0x20: KEYS, 0x22: newer}
    applet = sim.applet(DEFAULT_AID)
    assert isinstance(applet, SecurityDomainApplet)
    saved = applet.export_state()["scp02"]["key_sets"]
    assert [k["kvn"] for k in saved] == ["20", "22"]


def test_a_profile_names_a_known_template() -> None:
    document = diversified_document(scp02="visa")  # GlobalPlatformPro's visa: not offered
    with pytest.raises(ConfigError, match="diversify"):
        SimCard(Profile.from_dict(document))


def test_put_key_refusals_over_scp02() -> None:
    sim = SimCard()
    host = open_scp02(sim, 0x01)
    good = put_des_keys(NEW, host.session_dek)
    # GPC 11.8.3.2 table 11-76: a wrong KCV is 9485; the session stays open.
    blocks = PutKeyData.decode(good.data).blocks
    bad_kcv = PutKeyData(0x21, (blocks[0], blocks[1], replace(blocks[2], check_value=bytes(3))))
    assert put(sim, host, good.replace(data=bad_kcv.encode())).sw == 0x9485
    # AES keys (type 88) in an SCP02 session: algorithm not supported (9484).
    aes = gp.put_key(StaticKeysAes.default(0x21), host.session_dek)
    assert put(sim, host, aes).sw == 0x9484
    # A key version the SCP03 key sets hold (30) names another key set: 6A80.
    assert put(sim, host, put_des_keys(StaticKeys.default(0x30), host.session_dek)).sw == 0x6A80
    # Replacing a key set that is not there: 6A88; adding one already there: 6A80.
    assert put(sim, host, put_des_keys(NEW, host.session_dek, replace_kvn=0x2F)).sw == 0x6A88
    assert put(sim, host, put_des_keys(StaticKeys.default(0x20), host.session_dek)).sw == 0x6A80
    assert host.active and scp02_keys(sim) == {0x20: KEYS}
    # Encrypted under another key than the DEK session key: the KCVs do not match.
    wrong = put_des_keys(NEW, StaticKeys.default().dek)
    assert put(sim, host, wrong).sw == 0x9485


def test_scp03_put_key_cannot_take_an_scp02_key_version() -> None:
    sim = SimCard()
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x9000
    session = Scp03Handshake(StaticKeysAes.default(), aid=DEFAULT_AID)
    answer = exchange(sim, session.initialize_update())
    host = session.complete(exchange(sim, session.external_authenticate(answer)))
    command = gp.put_key(StaticKeysAes.default(0x20), StaticKeysAes.default().dek)
    assert host.unprotect(exchange(sim, host.protect(command))).sw == 0x6A80


@pytest.mark.parametrize("scheme", ["emv", "visa2"])
def test_a_profile_with_diversified_scp02_keys(scheme: str) -> None:
    sim = SimCard(Profile.from_dict(diversified_document(scp02=scheme)))
    master = StaticKeys(*(bytes.fromhex(MASTER),) * 3, 0x20)
    host = open_scp02(sim, 0x03, master, diversify=scheme)
    assert put(sim, host, put_des_keys(NEW, host.session_dek)).sw == 0x9000
    applet = sim.applet(DEFAULT_AID)
    assert isinstance(applet, SecurityDomainApplet)
    state = applet.export_state()["scp02"]
    assert state["diversify"] == "none"  # a reload keeps the derived keys as they are
    assert scp02_keys(sim)[0x20] == master.diversified(bytes.fromhex(KDD), scheme)
    reloaded = SecurityDomainApplet.from_config(applet.export_state())
    assert reloaded.scp02 is not None and reloaded.scp02.key_sets == list(scp02_keys(sim).values())
    with pytest.raises(CryptogramError):
        open_scp02(sim, 0x01, master)  # the master keys alone do not open the card


def test_key_version_zero_still_opens_scp03() -> None:
    sim = SimCard()
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x9000
    answer = exchange(sim, Command(0x80, 0x50, 0x00, 0x00, bytes(8), ne=256))
    assert answer.sw == 0x9000 and answer.data[11] == 0x03


def test_key_information_lists_and_delete_removes_the_scp02_key_sets() -> None:
    # GPC 11.3.3.1 (E0) with key type 80 (GPC 11.8.2.3 table 11-69), DELETE [key] by D2
    # (GPC 11.2.2.3.2); the last SCP02 set may go: SCP03 remains.
    sim = SimCard()
    host = open_scp02(sim, 0x03)

    def send(command: Command) -> Response:
        return host.unprotect(exchange(sim, host.protect(command)))

    def des_versions() -> set[int]:
        infos = gp.parse_key_information(send(gp.get_data(0xE0)).data)
        return {i.kvn for i in infos if i.key_type == 0x80 and i.length == 16}

    assert des_versions() == {0x20}
    new = StaticKeys.default(0x21)
    answer = send(put_des_keys(new, host.session_dek))
    assert answer.sw == 0x9000
    check_put_des_keys_answer(answer.data, new)
    assert des_versions() == {0x20, 0x21}
    assert send(gp.delete_key(0x21)).sw == 0x9000
    assert send(gp.delete_key(0x20)).sw == 0x9000  # the set in use: the session goes on
    assert des_versions() == set() and host.active
    assert send(gp.delete_key(0x20)).sw == 0x6A88  # gone
    with pytest.raises(StatusError):  # INITIALIZE UPDATE for key version 20: 6A88
        open_scp02(sim, 0x01)
