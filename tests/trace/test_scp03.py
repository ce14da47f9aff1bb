"""Decoding SCP03 in traces: the osmocom/pysim recorded sessions (tests/vectors/
scp03_pysim_sessions.json) written as traces, plus host-against-card sessions in memory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cardwire.apdu import Command, Response
from cardwire.errors import CryptogramError, UsageError
from cardwire.sm.scp03 import Mode, Scp03Card, Scp03Handshake, StaticKeys, observe
from cardwire.trace.decode import decode_trace
from cardwire.trace.observers import BAD_PADDING
from cardwire.trace.scp03 import Scp03TraceObserver, carries_gp_sm
from cardwire.trace.text import parse

PYSIM = json.loads(
    (Path(__file__).parent.parent / "vectors" / "scp03_pysim_sessions.json").read_text()
)
SESSIONS: list[dict[str, Any]] = PYSIM["sessions"]
PLAIN: dict[str, str] = PYSIM["plain"]
CASES = ("case_1", "case_2", "case_3", "case_4")
# The responses to the four case commands are not in the pysim test (it checks the wrapping of
# commands only): the trace answers them with 6A88, an error status word, which carries no R-MAC
# (GP Amendment D 6.2.5), so every security level accepts it as it is.
CASE_ANSWER = "6A88"


def observer_for(session: dict[str, Any]) -> Scp03TraceObserver:
    keys = PYSIM["keysets"][session["keyset"]]
    return Scp03TraceObserver.from_keys(*(bytes.fromhex(keys[k]) for k in ("enc", "mac", "dek")))


def pysim_trace(session: dict[str, Any], select_aid: str | None = None) -> str:
    lines = []
    if select_aid is not None:
        lines += [f"> 00A40400{len(select_aid) // 2:02X}{select_aid}", "< 9000"]
    lines += [
        f"> {session['init_upd_cmd']}",
        f"< {session['init_upd_rsp']}9000",
        f"> {session['ext_auth_cmd']}",
        "< 9000",
        f"> {session['get_eid_cmd']}",
        f"< {session['get_eid_rsp']}9000",
    ]
    for case in CASES:
        lines += [f"> {session[case]}", f"< {CASE_ANSWER}"]
    return "\n".join(lines) + "\n"


def expected_plain() -> list[tuple[bytes, bytes]]:
    out = [(bytes.fromhex(PLAIN["get_eid_cmd"]), bytes.fromhex(PLAIN["get_eid_rsp"] + "9000"))]
    out += [(bytes.fromhex(PLAIN[case]), bytes.fromhex(CASE_ANSWER)) for case in CASES]
    return out


@pytest.mark.parametrize("session", SESSIONS, ids=[s["name"] for s in SESSIONS])
def test_pysim_sessions_decode(session: dict[str, Any]) -> None:
    entries = decode_trace(parse(pysim_trace(session)), observer_for(session))
    assert [entry.decoded for entry in entries[:2]] == [None, None]  # the handshake
    decoded = [entry.decoded for entry in entries[2:]]
    assert all(d is not None and d.mac_ok for d in decoded)
    assert [(d.plain_command, d.plain_response) for d in decoded if d] == expected_plain()


@pytest.mark.parametrize("session", SESSIONS[:3], ids=[s["name"] for s in SESSIONS[:3]])
def test_pseudo_random_challenge_checked_after_a_select(session: dict[str, Any]) -> None:
    # The card challenges are pseudo-random (i=70): derived from the sequence counter and the
    # ISD-R AID (card_aid in the vector file), which a SELECT in the trace provides.
    entries = decode_trace(parse(pysim_trace(session, PYSIM["card_aid"])), observer_for(session))
    assert all(entry.decoded and entry.decoded.mac_ok for entry in entries[3:])
    # The handshake is checked, and the error named, at EXTERNAL AUTHENTICATE (trace line 5).
    with pytest.raises(CryptogramError, match=r"^trace line 5: pseudo-random"):
        decode_trace(parse(pysim_trace(session, "A000000151000000")), observer_for(session))


def test_wrong_keys_is_a_cryptogram_error_naming_the_line() -> None:
    observer = Scp03TraceObserver(StaticKeys.default())
    with pytest.raises(CryptogramError, match=r"^trace line 3: card cryptogram"):
        decode_trace(parse(pysim_trace(SESSIONS[0])), observer)


def test_bad_r_mac_gives_nulls() -> None:
    session = SESSIONS[0]  # level 11: the GET EID answer carries an R-MAC
    tampered = dict(session, get_eid_rsp=session["get_eid_rsp"][:-2] + "00")
    entries = decode_trace(parse(pysim_trace(tampered)), observer_for(session))
    assert entries[2].decoded is not None
    # The command verified and is kept; the answer's R-MAC did not.
    assert entries[2].decoded.plain_command is not None
    assert (entries[2].decoded.mac_ok, entries[2].decoded.error) == (False, "MAC mismatch")


def test_select_and_reset_end_the_session() -> None:
    session = SESSIONS[0]
    text = pysim_trace(session).replace(
        f"> {session['case_1']}", f"> 00A4040008A000000151000000\n< 6A82\n> {session['case_1']}"
    )
    entries = decode_trace(parse(text), observer_for(session))
    assert entries[2].decoded is not None
    assert [entry.decoded for entry in entries[3:]] == [None] * 5
    text = pysim_trace(session).replace(f"> {session['case_1']}", f"# reset\n> {session['case_1']}")
    entries = decode_trace(parse(text), observer_for(session))
    assert [entry.decoded for entry in entries[3:]] == [None] * 4


@pytest.mark.parametrize(
    ("cla", "expected"),
    [
        (0x84, True),
        (0x80, False),
        (0x04, True),
        (0x00, False),
        (0x0C, False),
        (0xE1, True),
        (0xC1, False),
        (0x61, True),
        (0x41, False),
    ],
)
def test_gp_secure_messaging_indication(cla: int, expected: bool) -> None:
    # GP Card Spec v2.3 11.1.4: b3 in the first ranges, b6 in the further ranges.
    assert carries_gp_sm(cla) is expected


# --- host against card, in memory ----------------------------------------------------------------

COMMANDS = [
    (Command(0x80, 0xF2, 0x40, 0x02, bytes.fromhex("4F00"), ne=256), Response(bytes(300), 0x9000)),
    (Command(0x80, 0xCA, 0x00, 0x66, ne=256), Response(b"", 0x6A88)),
    (Command(0x81, 0xE4, 0x00, 0x80, bytes(20)), Response(b"\x00", 0x9000)),
]


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("level", [0x01, 0x03, 0x11, 0x13, 0x33])
def test_host_and_card_sessions_decode(level: int, mode: Mode) -> None:
    keys = StaticKeys(bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48)), 0x30)
    challenges = iter((b"\x11" * mode, b"\x22" * mode))
    aid = bytes.fromhex("A000000151000000")
    host = Scp03Handshake(keys, level=level, mode=mode, rng=lambda n: next(challenges)[:n])
    card = Scp03Card([keys], aid=aid, mode=mode, rng=lambda n: next(challenges)[:n])
    initialize = host.initialize_update()
    answer = card.initialize_update(initialize)
    authenticate = host.external_authenticate(answer)
    done, card_session = card.external_authenticate(authenticate)
    session = host.complete(done)
    lines = [
        f"> {initialize.encode().hex()}",
        f"< {answer.encode().hex()}",
        f"> {authenticate.encode().hex()}",
        f"< {done.encode().hex()}",
    ]
    for command, response in COMMANDS:
        wire = session.protect(command)
        assert card_session.unwrap(wire) == command
        wrapped = card_session.wrap(response)
        lines += [f"> {wire.encode().hex()}", f"< {wrapped.encode().hex()}"]
        assert session.unprotect(wrapped) == response
    entries = decode_trace(parse("\n".join(lines)), Scp03TraceObserver(keys))
    for entry, (command, response) in zip(entries[2:], COMMANDS, strict=True):
        assert entry.decoded is not None and entry.decoded.mac_ok
        assert entry.decoded.plain_command == command.encode()
        assert entry.decoded.plain_response == response.encode()


# --- decoding goes on after a MAC failure; no challenge check without the AID -------------------


def test_decoding_goes_on_after_a_bad_r_mac() -> None:
    session = SESSIONS[0]  # level 11: the GET EID answer carries an R-MAC
    tampered = dict(session, get_eid_rsp=session["get_eid_rsp"][:-2] + "00")
    entries = decode_trace(parse(pysim_trace(tampered)), observer_for(session))
    assert entries[2].decoded is not None and not entries[2].decoded.mac_ok
    # A bad R-MAC changes no state: the C-MACs of the four later commands still verify.
    decoded = [entry.decoded for entry in entries[3:]]
    assert all(d is not None and d.mac_ok for d in decoded)
    assert [(d.plain_command, d.plain_response) for d in decoded if d] == expected_plain()[1:]


def test_decoding_goes_on_after_a_corrupted_c_mac_s8() -> None:
    session = SESSIONS[0]
    wire = session["case_1"]
    flipped = f"{int(wire[-2:], 16) ^ 0x01:02x}"
    tampered = dict(session, case_1=wire[:-2] + flipped)  # the last C-MAC byte
    entries = decode_trace(parse(pysim_trace(tampered)), observer_for(session))
    assert entries[3].decoded is not None and not entries[3].decoded.mac_ok
    # S8: the chaining value moves on with the C-MAC computed over the command as received,
    # which is the host's when only the MAC bytes were damaged.
    assert all(entry.decoded and entry.decoded.mac_ok for entry in entries[4:])


def test_pseudo_random_challenge_not_checked_without_the_aid() -> None:
    session = SESSIONS[0]  # i = 70: pseudo-random card challenge
    enc, mac, dek = (bytes.fromhex(PYSIM["keysets"][session["keyset"]][k]) for k in KEYS)
    keys = StaticKeys(enc, mac, dek)
    initialize = Command.decode(bytes.fromhex(session["init_upd_cmd"]))
    answer = Response.decode(bytes.fromhex(session["init_upd_rsp"] + "9000"))
    authenticate = Command.decode(bytes.fromhex(session["ext_auth_cmd"]))
    with pytest.raises(UsageError, match="pseudo-random card challenge"):
        observe(keys, initialize, answer, authenticate)
    observer = observe(keys, initialize, answer, authenticate, check_challenge=False)
    plain = observer.command(Command.decode(bytes.fromhex(session["get_eid_cmd"])))
    assert plain.encode().hex().upper() == PLAIN["get_eid_cmd"].upper()


KEYS = ("enc", "mac", "dek")


def recorded_session(
    keys: StaticKeys,
    mode: Mode,
    *,
    card_keys: StaticKeys | None = None,
    diversify: str | None = None,
) -> tuple[list[str], list[tuple[Command, Response]]]:
    """A host-against-card session at level 33 as trace lines, and its plain exchanges."""
    kdd = bytes.fromhex("00112233445566778899")
    challenges = iter((b"\x11" * mode, b"\x22" * mode))
    host = Scp03Handshake(keys, mode=mode, diversify=diversify, rng=lambda n: next(challenges)[:n])
    card = Scp03Card(
        [card_keys or keys],
        aid=bytes.fromhex("A000000151000000"),
        mode=mode,
        diversification_data=kdd,
        rng=lambda n: next(challenges)[:n],
    )
    initialize = host.initialize_update()
    answer = card.initialize_update(initialize)
    authenticate = host.external_authenticate(answer)
    done, card_session = card.external_authenticate(authenticate)
    session = host.complete(done)
    lines = [f"> {initialize.encode().hex()}", f"< {answer.encode().hex()}"]
    lines += [f"> {authenticate.encode().hex()}", f"< {done.encode().hex()}"]
    for command, response in COMMANDS:
        wire = session.protect(command)
        card_session.unwrap(wire)
        lines += [f"> {wire.encode().hex()}", f"< {card_session.wrap(response).encode().hex()}"]
    return lines, COMMANDS


@pytest.mark.parametrize(("mode", "recovers"), [(Mode.S16, True), (Mode.S8, False)])
def test_corrupted_command_data_costs_one_exchange_in_s16(mode: Mode, recovers: bool) -> None:
    keys = StaticKeys(bytes(range(16)), bytes(range(16, 32)), bytes(range(32, 48)), 0x30)
    lines, _ = recorded_session(keys, mode)
    wire = bytearray(bytes.fromhex(lines[4][2:]))
    wire[5] ^= 0x01  # the first byte of the encrypted data of the first command
    lines[4] = f"> {wire.hex()}"
    entries = decode_trace(parse("\n".join(lines)), Scp03TraceObserver(keys))
    assert entries[2].decoded is not None and not entries[2].decoded.mac_ok
    # S16: the full C-MAC on the wire is the host's chaining value; S8 carries only half of it.
    assert all(bool(e.decoded and e.decoded.mac_ok) is recovers for e in entries[3:])


def test_trace_with_diversified_keys() -> None:
    master = StaticKeys(bytes(range(32)), bytes(range(1, 33)), bytes(range(2, 34)), 0x30)
    card_keys = master.diversified(bytes.fromhex("00112233445566778899"))
    lines, commands = recorded_session(master, Mode.S8, card_keys=card_keys, diversify="kdf3")
    entries = decode_trace(parse("\n".join(lines)), Scp03TraceObserver(master, diversify="kdf3"))
    decoded = [entry.decoded for entry in entries[2:]]
    assert [(d.plain_command, d.plain_response) for d in decoded if d and d.mac_ok] == [
        (c.encode(), r.encode()) for c, r in commands
    ]
    with pytest.raises(CryptogramError):
        decode_trace(parse("\n".join(lines)), Scp03TraceObserver(master))


def test_openscp_over_padded_answer_shows_the_command_and_names_the_padding() -> None:
    # Samsung/OpenSCP-Java's S16 recordings (tests/vectors/scp03_openscp_s16_sessions.json,
    # source named there): the third answer is padded past the block boundary.
    vectors = json.loads(
        (Path(__file__).parent.parent / "vectors" / "scp03_openscp_s16_sessions.json").read_text()
    )
    for session in vectors["sessions"]:
        keyset = vectors["keysets"][session["keyset"]]
        lines = [
            f"> {session['init_upd_cmd']}",
            f"< {session['init_upd_rsp']}9000",
            f"> {session['ext_auth_cmd']}",
            "< 9000",
        ]
        for exchange in session["exchanges"]:
            lines += [f"> {exchange['command']}", f"< {exchange['response']}{exchange['sw']}"]
        enc, mac, dek = (bytes.fromhex(keyset[k]) for k in ("enc", "mac", "dek"))
        keys = StaticKeys(enc, mac, dek)
        entries = decode_trace(parse("\n".join(lines)), Scp03TraceObserver(keys))
        decoded = [entry.decoded for entry in entries[2:] if entry.decoded is not None]
        plain = vectors["plain"]
        assert len(decoded) == len(plain)
        for index, entry in enumerate(decoded):
            assert entry.plain_command == bytes.fromhex(plain[index]["command"]), index
        assert decoded[0].mac_ok and decoded[1].mac_ok
        assert not decoded[2].mac_ok and decoded[2].error == BAD_PADDING
        assert entries[4].to_json()["error"] == "padding not ISO/IEC 9797-1 method 2"
