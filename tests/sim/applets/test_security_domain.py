"""The Security Domain applet on the simulated card: handshake, session rules, GET DATA, GET
STATUS, PUT KEY, SET STATUS, DELETE, INSTALL and persistence (GP Card Spec v2.3, Amendment D)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardwire import gp
from cardwire.apdu import Command, Response
from cardwire.errors import CryptogramError, StatusError, UsageError
from cardwire.sim.applets.security_domain import (
    DEFAULT_AID,
    SecurityDomainApplet,
    load_file_aid,
)
from cardwire.sim.card import SimCard
from cardwire.sim.profile import Profile, default_profile
from cardwire.sm.scp03 import Mode, Scp03Handshake, Scp03HostSession, StaticKeys
from cardwire.tlv import parse_one

ECHO_AID = bytes.fromhex("F0636172647769726503")
FILESYSTEM_AID = bytes.fromhex("F0636172647769726500")
NEW_AID = bytes.fromhex("F0636172647769726509")
DEFAULT = StaticKeys.default()


def exchange(sim: SimCard, command: Command | bytes, channel: int = 0) -> Response:
    raw = command if isinstance(command, bytes) else command.encode()
    return Response.decode(sim.process(raw))


def select(sim: SimCard, aid: bytes, cla: int = 0x00) -> Response:
    return exchange(sim, Command(cla, 0xA4, 0x04, 0x0C, aid))


def open_session(
    sim: SimCard, keys: StaticKeys = DEFAULT, level: int = 0x33, *, aid: bytes | None = None
) -> Scp03HostSession:
    assert select(sim, DEFAULT_AID).sw == 0x9000
    handshake = Scp03Handshake(keys, level=level, aid=aid, rng=lambda n: bytes(range(n)))
    answer = exchange(sim, handshake.initialize_update())
    return handshake.complete(exchange(sim, handshake.external_authenticate(answer)))


def send(sim: SimCard, host: Scp03HostSession, command: Command) -> Response:
    # Raw bytes, no GET RESPONSE layer: ask for the R-MAC (and any data) with Le 00.
    wanted = command if command.ne else command.replace(ne=256)
    return host.unprotect(exchange(sim, host.protect(wanted)))


def registry(sim: SimCard, host: Scp03HostSession) -> dict[bytes, gp.RegistryData]:
    entries = gp.read_status(lambda c: send(sim, host, c), gp.StatusScope.APPLICATIONS)
    return {entry.aid: entry for entry in entries}


def test_select_answers_fci_with_card_recognition_data() -> None:
    sim = SimCard()
    fci = parse_one(exchange(sim, Command(0x00, 0xA4, 0x04, 0x00, DEFAULT_AID, ne=256)).data)
    assert fci.tag == 0x6F
    assert fci.find(0x84) is not None and fci.find(0x84).value == DEFAULT_AID  # type: ignore[union-attr]
    scp = fci.find(0x64)
    assert scp is not None
    # GPC H.2: 1.2.840.114283.4 . SCP 03 . i (60: R-MAC and R-ENCRYPTION supported)
    assert scp.value == bytes.fromhex("06092A864886FC6B040360")


def test_get_data_without_a_session() -> None:
    sim = SimCard()
    select(sim, DEFAULT_AID)
    answer = exchange(sim, gp.get_data(0xE0)).data
    assert answer[0] == 0xE0  # class 80: GPC 11.3.3.1's template
    scp03 = tuple(gp.KeyInformation(i, 0x30, 0x88, 16) for i in (1, 2, 3))
    # The SCP11 keys of the test PKI: the OCE CA public key (KID 10: B0, a 65-byte point) and
    # the SD private key (KIDs 11, 13, 15: B1, 32 bytes), each with F0 (the curve reference).
    ca = gp.KeyInformation(0x10, 0x01, 0xB0, 65, ((0xF0, 1),))
    sd = (gp.KeyInformation(kid, 0x01, 0xB1, 32, ((0xF0, 1),)) for kid in (0x11, 0x13, 0x15))
    scp11 = (ca, *sd)
    # The SCP02 key set (KVN 20): GPC 11.8.2.3 table 11-69 type 80 (DES), 16-byte 3DES keys.
    scp02 = tuple(gp.KeyInformation(i, 0x20, 0x80, 16) for i in (1, 2, 3))
    assert gp.parse_key_information(answer) == scp03 + scp02 + scp11
    bare = exchange(sim, Command(0x00, 0xCA, 0x00, 0xE0, ne=256)).data
    assert bare[0] == 0xC0 and gp.parse_key_information(bare) == scp03 + scp02 + scp11
    cplc = parse_one(exchange(sim, gp.get_data(0x9F7F)).data)
    assert cplc.tag == 0x9F7F and len(cplc.value) == 42
    assert parse_one(exchange(sim, gp.get_data(0x66)).data).tag == 0x66
    assert exchange(sim, gp.get_data(0x9F7E)).sw == 0x6A88


@pytest.mark.parametrize(
    "command",
    [
        gp.get_status(gp.StatusScope.APPLICATIONS),
        gp.put_key(StaticKeys.default(0x31), DEFAULT.dek),
        gp.set_status(ECHO_AID, locked=True),
        gp.delete(ECHO_AID),
        gp.install(gp.InstallData(load_file_aid("echo"), load_file_aid("echo"), NEW_AID)),
    ],
)
def test_card_management_needs_a_session(command: Command) -> None:
    sim = SimCard()
    select(sim, DEFAULT_AID)
    assert exchange(sim, command).sw == 0x6982


def test_a_failed_command_ends_the_session_and_6985_follows_until_a_new_one() -> None:
    sim = SimCard()
    host = open_session(sim)
    tampered = host.protect(gp.get_status(gp.StatusScope.APPLICATIONS)).replace(p1=0x20)
    assert exchange(sim, tampered).sw == 0x6982
    for command in (b"\x84\xf2\x40\x02\x00", b"\x80\xca\x00\xe0\x00"):
        assert exchange(sim, command).sw == 0x6985
    host = open_session(sim)
    assert ECHO_AID in registry(sim, host)


def test_a_command_below_the_level_is_refused() -> None:
    sim = SimCard()
    open_session(sim, level=0x01)
    assert exchange(sim, gp.get_status(gp.StatusScope.APPLICATIONS)).sw == 0x6982
    assert exchange(sim, gp.get_data(0xE0)).sw == 0x6985


def test_level_00_authenticates_without_secure_messaging() -> None:
    sim = SimCard()
    host = open_session(sim, level=0x00)
    plain = gp.get_status(gp.StatusScope.ISSUER_SECURITY_DOMAIN)
    assert host.protect(plain) == plain
    (isd,) = gp.parse_status(exchange(sim, plain).data)
    assert isd.aid == DEFAULT_AID and isd.life_cycle == gp.LifeCycle.SECURED


def test_deselect_and_reset_end_the_session() -> None:
    sim = SimCard()
    host = open_session(sim)
    select(sim, FILESYSTEM_AID)
    select(sim, DEFAULT_AID)
    assert exchange(sim, host.protect(gp.get_data(0xE0))).sw != 0x9000
    open_session(sim)
    sim.reset()
    select(sim, DEFAULT_AID)
    assert exchange(sim, gp.get_status(gp.StatusScope.APPLICATIONS)).sw == 0x6982


def test_bad_host_cryptogram_and_unknown_key_version() -> None:
    sim = SimCard()
    select(sim, DEFAULT_AID)
    wrong = Scp03Handshake(StaticKeys.default(0x31), rng=bytes)
    assert exchange(sim, wrong.initialize_update()).sw == 0x6A88
    assert exchange(sim, b"\x84\x82\x33\x00\x10" + bytes(16)).sw == 0x6985  # no INIT UPDATE


@pytest.mark.parametrize("mode", list(Mode))
def test_pseudo_random_challenge_and_persisted_sequence_counter(tmp_path: Path, mode: Mode) -> None:
    state = tmp_path / "card.yaml"
    sim = SimCard(state_path=state)
    profile = sim.profile
    specs = tuple(
        spec
        if spec.aid != DEFAULT_AID
        else type(spec)(spec.type, spec.aid, {**spec.settings, "pseudo_random": True})
        for spec in profile.applets
    )
    sim = SimCard(type(profile)(profile.card, specs), state_path=state)
    counters = []
    for _ in range(3):
        select(sim, DEFAULT_AID)
        handshake = Scp03Handshake(DEFAULT, mode=mode, aid=DEFAULT_AID, rng=bytes)
        answer = exchange(sim, handshake.initialize_update())
        handshake.complete(exchange(sim, handshake.external_authenticate(answer)))
        assert handshake.card_answer is not None
        counters.append(handshake.card_answer.sequence_counter)
        sim = SimCard.from_files(None, state)  # a power cycle: the counter survives
    assert counters == [0, 1, 2]


def test_put_key_adds_and_replaces_key_sets(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    sim = SimCard(state_path=state)
    host = open_session(sim)
    added = StaticKeys(bytes(range(32)), bytes(range(1, 33)), bytes(range(2, 34)), 0x32)
    answer = send(sim, host, gp.put_key(added, DEFAULT.dek))
    gp.check_put_key_answer(answer.data, added)
    sim = SimCard.from_files(None, state)
    host = open_session(sim, added)
    infos = gp.parse_key_information(send(sim, host, gp.get_data(0xE0)).data)
    aes = {(i.kvn, i.length) for i in infos if i.key_type == gp.KEY_TYPE_AES}
    assert aes == {(0x30, 16), (0x32, 32)}
    assert send(sim, host, gp.put_key(added, added.dek)).sw == 0x6A80  # version 32 exists
    assert send(sim, host, gp.put_key(added, added.dek, replace_kvn=0x40)).sw == 0x6A88


def key_versions(sim: SimCard, host: Scp03HostSession) -> set[int]:
    """The SCP03 key set versions (AES keys) of GET DATA 00E0."""
    infos = gp.parse_key_information(send(sim, host, gp.get_data(0xE0)).data)
    return {i.kvn for i in infos if i.key_type == gp.KEY_TYPE_AES}


def test_delete_key_set_by_version_as_yubikit_sends_it(tmp_path: Path) -> None:
    # Issue 17 defect 4: GPC 11.2.2.3.2, D2 = key version; yubikit delete_key(kvn=0x31).
    state = tmp_path / "card.json"
    sim = SimCard(state_path=state)
    host = open_session(sim)
    assert send(sim, host, gp.put_key(StaticKeys.default(0x31), DEFAULT.dek)).sw == 0x9000
    answer = send(sim, host, Command(0x80, 0xE4, 0x00, 0x00, bytes.fromhex("D20131")))
    assert (answer.data, answer.sw) == (b"\x00", 0x9000)  # GPC 11.2.3.1
    assert key_versions(sim, host) == {0x30}
    sim = SimCard.from_files(None, state)  # the deletion is durable
    with pytest.raises(StatusError):  # INITIALIZE UPDATE: 6A88, no key set 31
        open_session(sim, StaticKeys.default(0x31))
    host = open_session(sim)
    assert send(sim, host, gp.delete_key(0x77)).sw == 0x6A88  # no such key set
    assert send(sim, host, gp.delete_key(0x30, 0x09)).sw == 0x6A88  # no key 09 in an SCP03 set
    bad = Command(0x80, 0xE4, 0x00, 0x00, bytes.fromhex("D2020130"))
    assert send(sim, host, bad).sw == 0x6A80


def test_delete_the_key_set_in_use_keeps_the_session() -> None:
    sim = SimCard()
    host = open_session(sim)
    assert send(sim, host, gp.put_key(StaticKeys.default(0x31), DEFAULT.dek)).sw == 0x9000
    assert send(sim, host, gp.delete_key(0x30)).sw == 0x9000
    # docs/scp03.md: the session runs on its session keys until it ends.
    assert key_versions(sim, host) == {0x31}
    assert FILESYSTEM_AID in registry(sim, host)
    host = open_session(sim, StaticKeys.default(0x31))
    assert key_versions(sim, host) == {0x31}


def test_delete_the_last_key_set_needs_p2_b1_and_restores_the_default() -> None:
    sim = SimCard()
    host = open_session(sim)
    assert send(sim, host, gp.delete_key(0x30)).sw == 0x6985  # the last one, no P2 b1
    assert send(sim, host, gp.put_key(StaticKeys.default(0x31), DEFAULT.dek)).sw == 0x9000
    assert send(sim, host, gp.delete_key(0x30)).sw == 0x9000
    host = open_session(sim, StaticKeys.default(0x31))
    assert send(sim, host, gp.delete_key(0x31)).sw == 0x6985
    assert send(sim, host, gp.delete_key(0x31, last=True)).sw == 0x9000
    host = open_session(sim)  # the factory key set (default keys, KVN 30) is back
    assert key_versions(sim, host) == {0x30}


@pytest.mark.parametrize(
    ("offset", "value", "sw"),
    [
        (1, 0x80, 0x9484),  # key type 80 (DES) instead of 88 (AES): algorithm not supported
        (-1, None, 0x9485),  # last KCV byte changed: invalid key check value
        (2, 0x05, 0x6A80),  # key block length that does not fit
    ],
)
def test_put_key_refusals(offset: int, value: int | None, sw: int) -> None:
    sim = SimCard()
    host = open_session(sim)
    command = gp.put_key(StaticKeys.default(0x31), DEFAULT.dek)
    data = bytearray(command.data)
    data[offset] = data[offset] ^ 0x01 if value is None else value
    assert send(sim, host, command.replace(data=bytes(data))).sw == sw


def test_lock_unlock_delete_install_persist(tmp_path: Path) -> None:
    state = tmp_path / "card.yaml"
    sim = SimCard(state_path=state)
    host = open_session(sim)
    assert send(sim, host, gp.set_status(ECHO_AID, locked=True)).sw == 0x9000
    install = gp.InstallData(load_file_aid("echo"), load_file_aid("echo"), NEW_AID)
    assert send(sim, host, gp.install(install)).data == b"\x00"
    sim = SimCard.from_files(None, state)
    assert select(sim, ECHO_AID).sw == 0x6A82  # LOCKED: not selectable
    assert select(sim, NEW_AID).sw == 0x9000
    assert exchange(sim, Command(0x00, 0x00, 0, 0, b"hi", ne=256)).data == b"hi"
    host = open_session(sim)
    entries = registry(sim, host)
    assert entries[ECHO_AID].life_cycle == gp.LifeCycle.LOCKED and entries[ECHO_AID].locked
    assert entries[NEW_AID].load_file == load_file_aid("echo")
    assert send(sim, host, gp.set_status(ECHO_AID, locked=False)).sw == 0x9000
    assert send(sim, host, gp.delete(NEW_AID)).data == b"\x00"
    sim = SimCard.from_files(None, state)
    assert select(sim, NEW_AID).sw == 0x6A82  # deleted (the file system applet answers)
    assert select(sim, ECHO_AID).sw == 0x9000  # unlocked


@pytest.mark.parametrize(
    ("command", "sw"),
    [
        (gp.delete(DEFAULT_AID), 0x6985),  # the ISD itself
        (gp.delete(FILESYSTEM_AID), 0x6985),  # the default applet
        (gp.delete(NEW_AID), 0x6A88),
        (gp.set_status(NEW_AID, locked=True), 0x6A88),
        (gp.set_status(DEFAULT_AID, locked=True), 0x6A86),
        # P1 80 is the card life cycle: its data is empty or the ISD's AID (GPC 11.10.2.3).
        (gp.set_status(ECHO_AID, locked=True).replace(p1=0x80), 0x6A80),
        (gp.set_status(ECHO_AID, locked=True).replace(p1=0x20), 0x6A86),
        (gp.install(gp.InstallData(b"\xf0nothing", b"\xf0nothing", NEW_AID)), 0x6A88),
        (
            gp.install(gp.InstallData(load_file_aid("echo"), load_file_aid("echo"), ECHO_AID)),
            0x6A80,
        ),
        (
            gp.install(
                gp.InstallData(load_file_aid("echo"), load_file_aid("echo"), NEW_AID, b"\x80")
            ),
            0x6A80,
        ),
        (
            gp.install(
                gp.InstallData(load_file_aid("echo"), load_file_aid("echo"), NEW_AID)
            ).replace(p1=0x04),
            0x6A86,
        ),
        (gp.get_status(gp.StatusScope.APPLICATIONS).replace(p2=0x00), 0x6A86),
        (gp.get_status(gp.StatusScope.APPLICATIONS, b"\xa0\xff"), 0x6A88),
        (gp.get_status(gp.StatusScope.APPLICATIONS, next_occurrence=True), 0x6A88),
    ],
)
def test_management_refusals(command: Command, sw: int) -> None:
    sim = SimCard()
    host = open_session(sim)
    assert send(sim, host, command).sw == sw


def test_delete_of_an_applet_selected_on_another_channel_is_refused() -> None:
    sim = SimCard()
    channel = exchange(sim, b"\x00\x70\x00\x00\x01").data[0]
    assert select(sim, ECHO_AID, cla=channel).sw == 0x9000
    host = open_session(sim)
    assert send(sim, host, gp.delete(ECHO_AID)).sw == 0x6985


def test_get_status_continues_with_6310() -> None:
    sim = SimCard()
    host = open_session(sim)
    aids = [NEW_AID[:-1] + bytes((0x10 + n,)) for n in range(6)]
    for aid in aids:
        data = gp.InstallData(load_file_aid("echo"), load_file_aid("echo"), aid)
        assert send(sim, host, gp.install(data)).sw == 0x9000
    first = send(sim, host, gp.get_status(gp.StatusScope.APPLICATIONS))
    assert first.sw == 0x6310
    assert set(aids) <= set(registry(sim, host))
    modules = gp.read_status(lambda c: send(sim, host, c), gp.StatusScope.LOAD_FILES_AND_MODULES)
    assert all(entry.modules == (entry.aid,) for entry in modules if entry.aid[0] == 0xF0)


def test_keycard_registered_as_package_applet_and_instance() -> None:
    # Issue 17 defect 1: GP registers the Keycard package (executable load file) with its
    # applet (module), and the instance installed from it under the instance AID.
    sim = SimCard()
    host = open_session(sim)
    files = gp.read_status(lambda c: send(sim, host, c), gp.StatusScope.LOAD_FILES_AND_MODULES)
    by_aid = {entry.aid: entry for entry in files}
    package = by_aid[bytes.fromhex("A0000008040001")]
    assert package.modules == (bytes.fromhex("A000000804000101"),)
    instance = registry(sim, host)[bytes.fromhex("A00000080400010101")]
    assert instance.load_file == bytes.fromhex("A0000008040001")
    # A second instance from the same module installs (GPC 11.5.2.3: load file + module AIDs).
    second = gp.InstallData(
        bytes.fromhex("A0000008040001"),
        bytes.fromhex("A000000804000101"),
        bytes.fromhex("A00000080400010102"),
    )
    assert send(sim, host, gp.install(second)).sw == 0x9000


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=4, max_size=40))
def test_any_bytes_get_a_status_word_never_6f00(raw: bytes) -> None:
    sim = SimCard(rng=bytes)
    open_session(sim, level=0x00)
    answer = Response.decode(sim.process(raw))
    assert answer.sw != 0x6F00


# --- key diversification, GlobalPlatformPro's lock / unlock and PUT KEY forms ---------------

KDD = bytes.fromhex("D9B1DE5D0362DEDCE4FB")
MASTER = StaticKeys(bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48)), 0x30)


def diversified_card(state: Path | None = None) -> SimCard:
    """The default card whose Security Domain was personalised from MASTER with KDF3."""
    document = default_profile().to_dict()
    (section,) = (a for a in document["applets"] if a["type"] == "security-domain")
    section.update(
        diversify="kdf3",
        diversification_data=KDD.hex(),
        key_sets=[
            {"kvn": "30", "enc": MASTER.enc.hex(), "mac": MASTER.mac.hex(), "dek": MASTER.dek.hex()}
        ],
    )
    return SimCard(Profile.from_dict(document), state_path=state)


def open_diversified(sim: SimCard) -> Scp03HostSession:
    assert select(sim, DEFAULT_AID).sw == 0x9000
    handshake = Scp03Handshake(MASTER, diversify="kdf3", rng=bytes)
    answer = exchange(sim, handshake.initialize_update())
    session = handshake.complete(exchange(sim, handshake.external_authenticate(answer)))
    assert handshake.card_keys == MASTER.diversified(KDD)
    return session


def test_profile_diversify_holds_keys_diversified_from_master_keys(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    sim = diversified_card(state)
    host = open_diversified(sim)
    assert send(sim, host, gp.get_data(0xE0)).sw == 0x9000
    # The card keys are not the master keys: a plain handshake with them fails.
    assert select(sim, DEFAULT_AID).sw == 0x9000
    plain = Scp03Handshake(MASTER, rng=bytes)
    with pytest.raises(CryptogramError):
        plain.external_authenticate(exchange(sim, plain.initialize_update()))
    # The state file holds the diversified keys and "diversify: none": reloading keeps them.
    sim = SimCard.from_files(None, state)
    send(sim, open_diversified(sim), gp.get_data(0xE0)).check()


@pytest.mark.parametrize("value", ["emv", 3])
def test_profile_diversify_refuses_unknown_templates(value: object) -> None:
    with pytest.raises(UsageError, match=r"^diversify: "):
        SecurityDomainApplet.from_config({"type": "security-domain", "diversify": value})


def test_globalplatformpro_lock_and_unlock_p2() -> None:
    # GlobalPlatformPro GPSession.lockUnlockApplet: SET STATUS P1 40, P2 80 locks, 00 unlocks.
    sim = SimCard()
    host = open_session(sim)
    lock = Command(0x80, 0xF0, 0x40, 0x80, ECHO_AID)
    assert send(sim, host, lock).sw == 0x9000
    entry = registry(sim, host)[ECHO_AID]
    # Locked SELECTABLE: b8 set over 07 (GPC table 11-4 "1xxxxx11"), above 83 as
    # GlobalPlatformPro GPRegistryEntry.getLifeCycleString expects of a locked application.
    assert entry.locked and entry.life_cycle == 0x87
    assert send(sim, host, lock.replace(p2=0x00)).sw == 0x9000
    assert registry(sim, host)[ECHO_AID].life_cycle == gp.LifeCycle.SELECTABLE


def test_put_key_with_globalplatformpro_length_bytes() -> None:
    # GlobalPlatformPro GPSession.encodeKey sends 88 11 10 <key>: the card accepts that too.
    sim = SimCard()
    host = open_session(sim)
    new = StaticKeys(bytes(range(16)), bytes(range(1, 17)), bytes(range(2, 18)), 0x31)
    command = gp.put_key(new, DEFAULT.dek, length_byte=True)
    assert command.data[1:4] == bytes.fromhex("881110")
    gp.check_put_key_answer(send(sim, host, command).data, new)
    send(sim, open_session(sim, new), gp.get_data(0xE0)).check()
