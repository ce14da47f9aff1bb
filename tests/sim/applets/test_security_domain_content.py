"""The Security Domain's card content and life cycle commands: INSTALL [for load], LOAD,
DELETE of load files, SET STATUS of the card, STORE DATA, and their persistence (GPC 5.1.1,
11.2, 11.5, 11.6, 11.10, 11.11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cap_builder import KEYCARD_APPLET, KEYCARD_PACKAGE, cap_zip, keycard_cap
from cardwire import gp
from cardwire.apdu import Command, Response
from cardwire.cap import CapFile
from cardwire.gp_content import (
    CardLifeCycle,
    DataFormat,
    InstallForLoad,
    card_transition_allowed,
    install_for_load,
    install_for_personalization,
    load_blocks,
    set_card_status,
    store_data,
)
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sim.card import SimCard
from cardwire.sim.profile import default_profile, load
from cardwire.sm.scp03 import Scp03Handshake, Scp03HostSession, StaticKeys

INSTANCE = bytes.fromhex("A00000080400010101")
ECHO_AID = bytes.fromhex("F0636172647769726503")


def exchange(sim: SimCard, command: Command) -> Response:
    return Response.decode(sim.process(command.encode()))


def open_session(sim: SimCard) -> Scp03HostSession:
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x9000
    handshake = Scp03Handshake(StaticKeys.default(), level=0x33, rng=lambda n: bytes(range(n)))
    answer = exchange(sim, handshake.initialize_update())
    return handshake.complete(exchange(sim, handshake.external_authenticate(answer)))


def send(sim: SimCard, host: Scp03HostSession, command: Command) -> Response:
    return host.unprotect(exchange(sim, host.protect(command.replace(ne=256))))


def status(
    sim: SimCard, host: Scp03HostSession, scope: gp.StatusScope
) -> dict[bytes, gp.RegistryData]:
    return {e.aid: e for e in gp.read_status(lambda c: send(sim, host, c), scope)}


def load_keycard(sim: SimCard, host: Scp03HostSession, digest: bytes = b"", size: int = 64) -> int:
    cap = CapFile.from_zip(keycard_cap())
    answer = send(sim, host, install_for_load(InstallForLoad(cap.package_aid, hash=digest)))
    if answer.sw != 0x9000:
        return answer.sw
    for command in load_blocks(cap.load_file_data_block(), size):
        answer = send(sim, host, command)
    return answer.sw


def test_delete_related_then_load_and_install_a_cap_naming_a_built_in_applet() -> None:
    sim = SimCard()
    host = open_session(sim)
    # The Keycard's package is on the card: loading it again is refused (6985).
    assert load_keycard(sim, host) == 0x6985
    # Without --related, a load file with instances stays (GPC 11.2.2.1).
    assert send(sim, host, gp.delete(KEYCARD_PACKAGE)).sw == 0x6985
    assert send(sim, host, gp.delete(KEYCARD_PACKAGE, related=True)).sw == 0x9000
    assert INSTANCE not in status(sim, host, gp.StatusScope.APPLICATIONS)
    assert KEYCARD_PACKAGE not in status(sim, host, gp.StatusScope.LOAD_FILES)
    cap = CapFile.from_zip(keycard_cap())
    assert load_keycard(sim, host, cap.hash("sha256")) == 0x9000
    files = status(sim, host, gp.StatusScope.LOAD_FILES_AND_MODULES)
    assert files[KEYCARD_PACKAGE].modules == (KEYCARD_APPLET,)
    install = gp.install(gp.InstallData(KEYCARD_PACKAGE, KEYCARD_APPLET, INSTANCE))
    assert send(sim, host, install).sw == 0x9000
    assert status(sim, host, gp.StatusScope.APPLICATIONS)[INSTANCE].load_file == KEYCARD_PACKAGE
    # The new instance runs the Keycard applet: its SELECT answers the application info.
    answer = exchange(sim, Command(0x00, 0xA4, 0x04, 0x00, INSTANCE, ne=256))
    assert answer.sw == 0x9000 and answer.data[:1] == b"\xa4"


def test_load_refusals() -> None:
    sim = SimCard()
    host = open_session(sim)
    assert send(sim, host, gp.delete(KEYCARD_PACKAGE, related=True)).sw == 0x9000
    # GPC C.2: a hash that does not match the blocks received.
    assert load_keycard(sim, host, bytes(20)) == 0x6982
    # LOAD without INSTALL [for load], and blocks out of sequence.
    block = CapFile.from_zip(keycard_cap()).load_file_data_block()
    first, *_ = load_blocks(block, 32)
    assert send(sim, host, first).sw == 0x6985
    send(sim, host, install_for_load(InstallForLoad(KEYCARD_PACKAGE)))
    assert send(sim, host, first.replace(p2=1)).sw == 0x6A86
    # INSTALL [for load] naming another package than the one loaded.
    send(sim, host, install_for_load(InstallForLoad(bytes.fromhex("A000000804FF"))))
    for command in load_blocks(block):
        answer = send(sim, host, command)
    assert answer.sw == 0x6A80
    # A load file without a built-in applet behind it cannot be installed (no JC VM).
    assert KEYCARD_PACKAGE not in status(sim, host, gp.StatusScope.LOAD_FILES)


OTHER_PACKAGE = bytes.fromhex("D27600012401")  # names no built-in applet
OTHER_APPLET = bytes.fromhex("D2760001240101")
OTHER_INSTANCE = bytes.fromhex("D276000124010101")


def load_other(sim: SimCard, host: Scp03HostSession) -> None:
    cap = CapFile.from_zip(cap_zip(OTHER_PACKAGE, (OTHER_APPLET,)))
    assert send(sim, host, install_for_load(InstallForLoad(cap.package_aid))).sw == 0x9000
    for command in load_blocks(cap.load_file_data_block()):
        assert send(sim, host, command).sw == 0x9000
    install = gp.install(gp.InstallData(OTHER_PACKAGE, OTHER_APPLET, OTHER_INSTANCE))
    assert send(sim, host, install).sw == 0x9000


def test_a_package_naming_no_built_in_applet_installs_an_inert_instance(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    sim = SimCard(state_path=state)
    host = open_session(sim)
    load_other(sim, host)
    # GPC 9.1: the registry records the instance with the load file it came from
    entry = status(sim, host, gp.StatusScope.APPLICATIONS)[OTHER_INSTANCE]
    assert (entry.load_file, entry.life_cycle) == (OTHER_PACKAGE, gp.LifeCycle.SELECTABLE)
    # selectable; every other command answers 6A81 (cardwire.sim.applets.inert)
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x00, OTHER_INSTANCE, ne=256)).sw == 0x9000
    assert exchange(sim, Command(0x80, 0x10, 0x00, 0x00, b"\x01", ne=256)).sw == 0x6A81
    # the instance and its load file record survive a restart through the state file
    again = SimCard(state_path=state)
    host = open_session(again)
    assert status(again, host, gp.StatusScope.APPLICATIONS)[OTHER_INSTANCE].load_file == (
        OTHER_PACKAGE
    )
    # the package lists no inert package of its own, and goes with --related
    files = status(again, host, gp.StatusScope.LOAD_FILES)
    assert OTHER_PACKAGE in files and not any(aid.endswith(b"inert") for aid in files)
    assert send(again, host, gp.delete(OTHER_PACKAGE)).sw == 0x6985
    assert send(again, host, gp.delete(OTHER_PACKAGE, related=True)).sw == 0x9000
    assert OTHER_INSTANCE not in status(again, host, gp.StatusScope.APPLICATIONS)
    fresh = SimCard(state_path=state)
    assert exchange(fresh, Command(0x00, 0xA4, 0x04, 0x00, OTHER_INSTANCE, ne=256)).sw == 0x6A82


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (0x01, 0x07, True),
        (0x07, 0x0F, True),
        (0x01, 0x0F, True),
        (0x0F, 0x07, False),
        (0x07, 0x01, False),
        (0x0F, 0x7F, True),
        (0x7F, 0x0F, True),
        (0x01, 0x7F, False),
        (0x7F, 0xFF, True),
        (0x01, 0xFF, True),
        (0xFF, 0x0F, False),
    ],
)
def test_card_life_cycle_transitions(current: int, target: int, allowed: bool) -> None:
    assert card_transition_allowed(current, target) is allowed


def _op_ready_profile(tmp_path: Path) -> Path:
    path = tmp_path / "op-ready.yaml"
    path.write_text(
        "applets:\n  - type: security-domain\n    aid: A000000151000000\n"
        '    card_life_cycle: "01"\n  - type: echo\n    aid: F0636172647769726503\n'
    )
    return path


def _isd_state(sim: SimCard, host: Scp03HostSession) -> int:
    return status(sim, host, gp.StatusScope.ISSUER_SECURITY_DOMAIN)[DEFAULT_AID].life_cycle


def test_the_card_life_cycle_walk_survives_restarts(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    sim = SimCard(load(_op_ready_profile(tmp_path)), state_path=state)
    host = open_session(sim)
    assert _isd_state(sim, host) == 0x01
    for target in (CardLifeCycle.INITIALIZED, CardLifeCycle.SECURED):
        assert send(sim, host, set_card_status(target)).sw == 0x9000
        # Each state is in the state file: a restarted card (sim serve) starts there.
        sim = SimCard.from_files(None, state)
        host = open_session(sim)
        assert _isd_state(sim, host) == target
    assert send(sim, host, set_card_status(CardLifeCycle.INITIALIZED)).sw == 0x6985
    assert send(sim, host, set_card_status(CardLifeCycle.CARD_LOCKED)).sw == 0x9000
    # GPC 5.1.1.4: a locked card refuses card content management, still answers GET STATUS.
    assert send(sim, host, gp.delete(ECHO_AID)).sw == 0x6985
    assert _isd_state(sim, host) == 0x7F
    assert send(sim, host, set_card_status(CardLifeCycle.SECURED)).sw == 0x9000
    assert send(sim, host, set_card_status(CardLifeCycle.TERMINATED)).sw == 0x9000
    assert sim.terminated
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x6285


def test_store_data_to_the_isd_is_answered_by_get_data(tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    sim = SimCard(default_profile(), state_path=state)
    host = open_session(sim)
    assert (
        send(sim, host, store_data(bytes.fromhex("420401020304"), DataFormat.BER_TLV)).sw == 0x9000
    )
    sim = SimCard.from_files(None, state)
    host = open_session(sim)
    assert send(sim, host, gp.get_data(0x42)).data == bytes.fromhex("420401020304")
    # DGI data to an application through INSTALL [for personalization].
    assert send(sim, host, install_for_personalization(ECHO_AID)).sw == 0x9000
    dgi = store_data(bytes.fromhex("0101020A0B"), DataFormat.DGI)
    assert send(sim, host, dgi).sw == 0x9000
    # Block numbers run in sequence; malformed data is refused.
    assert send(sim, host, store_data(b"\x42\x05\x01", DataFormat.BER_TLV)).sw == 0x6A80
    assert send(sim, host, store_data(b"\x42\x00", DataFormat.BER_TLV, number=3)).sw == 0x6A86
    assert send(sim, host, install_for_personalization(bytes(6))).sw == 0x6A88
