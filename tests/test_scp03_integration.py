"""Host (Card + layers, and the sans-IO handshake) against the simulated card's Security Domain:
complete SCP03 sessions at every level, key size and mode, PUT KEY then a session under the new
keys, two channels at once, and the tamper matrix over the real card (GP Card Spec v2.3
Amendment D 6.2: any C-MAC failure ends the session; issue 7: later commands answer 6985)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from cardwire import gp
from cardwire.apdu import Command, Response
from cardwire.card import Card, CardCommands
from cardwire.errors import SecureChannelError, StatusError
from cardwire.handshakes.scp03 import open_scp03
from cardwire.sim.applets.security_domain import DEFAULT_AID
from cardwire.sim.card import SimCard
from cardwire.sm.scp03 import VALID_LEVELS, Mode, Scp03Handshake, Scp03HostSession, StaticKeys
from cardwire.transport.memory import MemoryTransport
from diversified_card import KDD, MASTER, diversified_profile

ECHO_AID = bytes.fromhex("F0636172647769726503")
KEY_SIZES = (16, 24, 32)


def keys_of(size: int, kvn: int, seed: int) -> StaticKeys:
    return StaticKeys(
        bytes((seed + i) % 256 for i in range(size)),
        bytes((seed + 2 * i + 1) % 256 for i in range(size)),
        bytes((seed + 3 * i + 2) % 256 for i in range(size)),
        kvn,
    )


def host_card() -> tuple[SimCard, Card]:
    sim = SimCard()
    return sim, Card(MemoryTransport(sim))


def applet_aids(card: CardCommands) -> set[bytes]:
    entries = gp.read_status(lambda c: card.send(c, check=False), gp.StatusScope.APPLICATIONS)
    return {entry.aid for entry in entries}


@pytest.mark.parametrize(
    ("level", "size", "mode"), list(itertools.product(sorted(VALID_LEVELS), KEY_SIZES, Mode))
)
def test_session_then_put_key_then_session_under_new_keys(
    level: int, size: int, mode: Mode
) -> None:
    _sim, card = host_card()
    first = keys_of(size, 0x30, 1)
    # Start from a card holding `first` (replace the default AES-128 set through PUT KEY).
    card.select(DEFAULT_AID)
    card.secure(open_scp03(card, StaticKeys.default(), level=0x33))
    card.send(gp.put_key(first, StaticKeys.default().dek, replace_kvn=0x30))
    s16 = mode is Mode.S16
    card.secure(open_scp03(card, first, level=level, s16=s16))
    assert ECHO_AID in applet_aids(card)
    second = keys_of(size, 0x31, 77)
    answer = card.send(gp.put_key(second, first.dek, replace_kvn=0x30))
    gp.check_put_key_answer(answer.data, second)
    session = open_scp03(card, second, level=level, s16=s16)
    card.secure(session)
    infos = gp.parse_key_information(card.send(gp.get_data(0xE0)).data)
    aes = {(info.kvn, info.length) for info in infos if info.key_type == gp.KEY_TYPE_AES}
    assert aes == {(0x31, size)}
    assert session.active
    with pytest.raises(StatusError) as gone:  # version 30 was replaced: no such key set
        open_scp03(card, first, level=level, s16=s16)
    assert gone.value.sw == 0x6A88


def test_sessions_on_channel_0_and_channel_1_side_by_side() -> None:
    sim, card = host_card()
    other = card.open_channel()
    card.select(DEFAULT_AID)
    other.select(DEFAULT_AID)
    card.secure(open_scp03(card, StaticKeys.default(), level=0x33))
    other.secure(open_scp03(other, StaticKeys.default(), level=0x13, s16=True))
    for _ in range(3):  # interleaved: each channel has its own MAC chaining and counter
        assert ECHO_AID in applet_aids(card)
        assert ECHO_AID in applet_aids(other)
    other.secure(None)
    other.select(ECHO_AID)  # deselects the SD on channel 1: that session ends there only
    assert ECHO_AID in applet_aids(card)
    ctx = sim._os.context(other.number)
    assert ctx is not None and ctx.secure_session is None


# --- the tamper matrix, on raw bytes through SimCard.process -------------------------------


def quiet_card() -> SimCard:
    """The default card with a fixed card challenge, so that every run gives the same bytes."""
    return SimCard(rng=bytes)


def exchange(sim: SimCard, command: Command | bytes) -> Response:
    raw = command if isinstance(command, bytes) else command.encode()
    return Response.decode(sim.process(raw))


def open_session(sim: SimCard, level: int = 0x33) -> Scp03HostSession:
    assert exchange(sim, Command(0x00, 0xA4, 0x04, 0x0C, DEFAULT_AID)).sw == 0x9000
    handshake = Scp03Handshake(StaticKeys.default(), level=level, rng=lambda n: bytes(range(n)))
    answer = exchange(sim, handshake.initialize_update())
    return handshake.complete(exchange(sim, handshake.external_authenticate(answer)))


# The applications whose AID starts with F0 "cardwire" (the file system and echo applets): an
# answer that fits one response. The whole list of the default card's applets no longer does
# and answers 6310 (more data, GPC 11.4.3), which tests/sim/applets/test_security_domain.py
# covers.
STATUS = gp.get_status(gp.StatusScope.APPLICATIONS, b"\xf0cardwire")
KEY_INFO = gp.get_data(0xE0)


def assert_card_session_ended(sim: SimCard, host: Scp03HostSession) -> None:
    """The next correctly protected command is refused, and so is every later one (6985)."""
    if host.active:
        assert exchange(sim, host.protect(KEY_INFO)).sw != 0x9000
    context = sim._os.context(0)
    assert context is not None and context.secure_session is None
    assert exchange(sim, b"\x84\xca\x00\xe0\x00").sw == 0x6985


def test_untampered_sequence_works() -> None:
    sim = quiet_card()
    host = open_session(sim)
    for command in (STATUS, KEY_INFO, STATUS):
        assert host.unprotect(exchange(sim, host.protect(command))).sw == 0x9000


@pytest.mark.parametrize("level", [0x01, 0x03, 0x11, 0x13, 0x33])
def test_every_command_bit_flip_is_refused_and_ends_the_session(level: int) -> None:
    reference = open_session(quiet_card(), level).protect(STATUS).encode()
    # Le (the last byte of this short case 4 APDU) is outside the C-MAC (Amendment D 6.2.4).
    for bit in range((len(reference) - 1) * 8):
        sim = quiet_card()
        host = open_session(sim, level)
        wire = bytearray(host.protect(STATUS).encode())
        assert bytes(wire) == reference
        wire[bit // 8] ^= 0x80 >> bit % 8
        assert exchange(sim, bytes(wire)).sw != 0x9000, f"bit {bit} flipped went through"
        assert_card_session_ended(sim, host)


def test_every_response_bit_flip_is_detected_by_the_host() -> None:
    sim = quiet_card()
    reference = exchange(sim, open_session(sim).protect(KEY_INFO)).encode()
    for bit in range(len(reference) * 8):
        sim = quiet_card()
        host = open_session(sim)
        raw = bytearray(exchange(sim, host.protect(KEY_INFO)).encode())
        assert bytes(raw) == reference
        raw[bit // 8] ^= 0x80 >> bit % 8
        with pytest.raises(SecureChannelError):
            host.unprotect(Response.decode(bytes(raw)))
        assert not host.active


def test_replayed_command_is_refused_and_ends_the_session() -> None:
    sim = quiet_card()
    host = open_session(sim)
    wire = host.protect(STATUS)
    host.unprotect(exchange(sim, wire))
    assert exchange(sim, wire).sw == 0x6982
    assert_card_session_ended(sim, host)


def test_dropped_command_is_detected_by_the_card() -> None:
    sim = quiet_card()
    host = open_session(sim)
    host.protect(KEY_INFO)  # protected, never sent
    assert exchange(sim, host.protect(STATUS)).sw == 0x6982
    assert_card_session_ended(sim, host)


def test_reordered_commands_are_detected_by_the_card() -> None:
    sim = quiet_card()
    host = open_session(sim)
    first, second = host.protect(KEY_INFO), host.protect(STATUS)
    assert exchange(sim, second).sw == 0x6982
    assert exchange(sim, first).sw == 0x6985
    assert_card_session_ended(sim, host)


def test_replayed_response_is_detected_by_the_host() -> None:
    sim = quiet_card()
    host = open_session(sim)
    old = exchange(sim, host.protect(KEY_INFO))
    host.unprotect(old)
    exchange(sim, host.protect(KEY_INFO))
    with pytest.raises(SecureChannelError):
        host.unprotect(old)


def test_a_new_session_after_the_card_ended_one() -> None:
    sim = quiet_card()
    host = open_session(sim)
    assert exchange(sim, host.protect(STATUS).replace(p2=0x03)).sw == 0x6982
    assert exchange(sim, b"\x84\xca\x00\xe0\x00").sw == 0x6985
    fresh = open_session(sim)
    assert fresh.unprotect(exchange(sim, fresh.protect(STATUS))).sw == 0x9000


# --- key diversification end to end: a card personalised from a master key ---------------------


def test_establish_with_diversified_keys_then_put_key(tmp_path: Path) -> None:
    master = StaticKeys(*(bytes.fromhex(MASTER),) * 3, 0x30)
    with Card(MemoryTransport(SimCard.from_files(diversified_profile(tmp_path)))) as card:
        card.select(DEFAULT_AID)
        card.secure(open_scp03(card, master, diversify="kdf3"))
        # PUT KEY encrypts under the card's (diversified) DEK.
        new = keys_of(16, 0x31, 7)
        dek = master.diversified(bytes.fromhex(KDD)).dek
        gp.check_put_key_answer(card.send(gp.put_key(new, dek)).data, new)
        card.secure(open_scp03(card, new))  # the added key set is not diversified
        assert ECHO_AID in applet_aids(card)
