"""Decoding ISO secure messaging in traces: ICAO Doc 9303-11 Appendix D written as a trace (with
the MRZ and with the session keys), the gmrtd AES-256 session, and sessions produced in memory by
cardwire's own codec objects (IsoSmHost / IsoSmCard)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cardwire import commands
from cardwire.apdu import Command, Response
from cardwire.commands import SelectReturn
from cardwire.errors import CryptogramError, UsageError
from cardwire.handshakes.bac import open_bac
from cardwire.sim import open_card
from cardwire.sim.profile import EPASSPORT_AID
from cardwire.sm.bac import BacKeys
from cardwire.sm.iso7816 import IsoSmCard, IsoSmHost, SmMode, make_suite
from cardwire.trace.decode import decode_trace
from cardwire.trace.iso_sm import IsoSmObserver
from cardwire.trace.observers import MAC_MISMATCH, NO_SESSION, Decoded
from cardwire.trace.text import parse

VECTORS = Path(__file__).parent.parent / "vectors"
ICAO = json.loads((VECTORS / "icao_9303_11_appendix_d.json").read_text())
GMRTD = json.loads((VECTORS / "aes_sm_gmrtd.json").read_text())["sessions"][0]
D2, D3 = ICAO["d2_mrz"], ICAO["d3_authentication"]
D4: list[dict[str, Any]] = ICAO["d4_secure_messaging"]
MRZ = ("L898902C", D2["date_of_birth"], D2["date_of_expiry"])


def icao_trace(flip: tuple[int, int] | None = None) -> str:
    """ICAO 9303-11 D.3 (BAC) and D.4 (three protected exchanges) as a trace. ``flip`` =
    (exchange index in D.4, bit) flips one bit of that protected response's first byte."""
    lines = [
        f"> {D3['get_challenge']}",
        f"< {D3['rnd_ic']}9000",
        f"> {D3['external_authenticate']}",
        f"< {D3['resp_data']}9000",
    ]
    for index, step in enumerate(D4):
        response = bytearray.fromhex(step["protected_response"])
        if flip is not None and flip[0] == index:
            response[0] ^= 1 << flip[1]
        lines += [f"> {step['protected_command']}", f"< {response.hex()}"]
    return "\n".join(lines) + "\n"


def before(ssc_hex: str) -> bytes:
    value = bytes.fromhex(ssc_hex)
    return (int.from_bytes(value, "big") - 1).to_bytes(len(value), "big")


def test_icao_appendix_d_decoded_from_the_mrz() -> None:
    observer = IsoSmObserver.from_mrz(*MRZ)
    entries = decode_trace(parse(icao_trace()), observer)
    assert [entry.decoded for entry in entries[:2]] == [None, None]  # the BAC exchange is plain
    for entry, step in zip(entries[2:], D4, strict=True):
        assert entry.decoded is not None
        assert entry.decoded.mac_ok
        assert entry.decoded.plain_command == bytes.fromhex(step["command"])
        assert entry.decoded.plain_response == bytes.fromhex(step["plain_response"])
    # ICAO 9303-11 D.3: the derived session keys and SSC.
    assert dict(observer.session_keys()) == {
        "KS_enc": bytes.fromhex(D3["ks_enc"]),
        "KS_mac": bytes.fromhex(D3["ks_mac"]),
        "SSC": bytes.fromhex(D3["ssc"]),
    }


def test_icao_appendix_d_decoded_from_session_keys() -> None:
    observer = IsoSmObserver.from_keys(
        "3des", bytes.fromhex(D3["ks_enc"]), bytes.fromhex(D3["ks_mac"]), bytes.fromhex(D3["ssc"])
    )
    entries = decode_trace(parse(icao_trace()), observer)
    plain = [entry.decoded.plain_response for entry in entries if entry.decoded is not None]
    assert plain == [bytes.fromhex(step["plain_response"]) for step in D4]


def test_short_ssc_is_left_padded() -> None:
    observer = IsoSmObserver.from_keys(
        "3des", bytes.fromhex(D3["ks_enc"]), bytes.fromhex(D3["ks_mac"]), bytes.fromhex("0C06C226")
    )
    # Not the ICAO counter: every MAC fails, and decoding still goes through every exchange.
    entries = decode_trace(parse(icao_trace()), observer)
    assert [entry.decoded.mac_ok for entry in entries if entry.decoded] == [False, False, False]


def test_wrong_mrz_is_a_cryptogram_error_naming_the_line() -> None:
    observer = IsoSmObserver.from_mrz("L898902C", "690806", "940624")
    with pytest.raises(CryptogramError, match=r"^trace line 3: .*MRZ"):
        decode_trace(parse(icao_trace()), observer)


@pytest.mark.parametrize("bit", [0, 3, 7])
@pytest.mark.parametrize("index", [0, 1])
def test_a_bad_mac_keeps_the_command_says_why_and_decoding_goes_on(index: int, bit: int) -> None:
    entries = decode_trace(parse(icao_trace((index, bit))), IsoSmObserver.from_mrz(*MRZ))
    decoded = [entry.decoded for entry in entries[2:]]
    # Only the response was changed: the command that unwrapped is still shown.
    assert decoded[index] == Decoded(bytes.fromhex(D4[index]["command"]), None, False, MAC_MISMATCH)
    assert entries[2 + index].to_json()["error"] == "MAC mismatch"
    # The counter advanced through the failed exchange: the following ones still verify.
    for later, step in zip(decoded[index + 1 :], D4[index + 1 :], strict=True):
        assert later is not None and later.mac_ok
        assert later.plain_response == bytes.fromhex(step["plain_response"])


def test_reset_ends_the_session() -> None:
    text = icao_trace().replace(
        f"> {D4[1]['protected_command']}", f"# reset\n> {D4[1]['protected_command']}"
    )
    entries = decode_trace(parse(text), IsoSmObserver.from_mrz(*MRZ))
    assert entries[2].decoded is not None
    # After the reset the protected exchanges have no session to decode them: they say so.
    assert [entry.decoded for entry in entries[3:]] == [Decoded.failed(NO_SESSION)] * 2


def test_gmrtd_aes256_session() -> None:
    # gmrtd/gmrtd iso7816/nfc_session_test.go (tests/vectors/aes_sm_gmrtd.json): AES-256.
    text = "".join(
        f"> {step['protected_command']}\n< {step['protected_response']}\n"
        for step in GMRTD["exchanges"]
    )
    observer = IsoSmObserver.from_keys(
        "aes",
        bytes.fromhex(GMRTD["ks_enc"]),
        bytes.fromhex(GMRTD["ks_mac"]),
        bytes.fromhex(GMRTD["ssc"]),
    )
    entries = decode_trace(parse(text), observer)
    for entry, step in zip(entries, GMRTD["exchanges"], strict=True):
        assert entry.decoded is not None and entry.decoded.mac_ok
        assert entry.decoded.plain_command == bytes.fromhex(step["command"])
        assert entry.decoded.plain_response == bytes.fromhex(step["plain_response"])


def test_usage_errors() -> None:
    with pytest.raises(UsageError):
        IsoSmObserver()
    with pytest.raises(UsageError):
        IsoSmObserver.from_keys("3des", bytes(16), bytes(16), bytes(9))


# --- sessions produced in memory by cardwire's codec objects ------------------------------------

PLAIN_EXCHANGES = [
    (Command(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("A0000002471001")), Response(b"", 0x9000)),
    (Command(0x00, 0xB0, 0x00, 0x00, ne=256), Response(bytes(range(200)), 0x9000)),
    (Command(0x00, 0xB1, 0x00, 0x00, bytes.fromhex("54020100"), ne=16), Response(b"", 0x6282)),
    (Command(0x00, 0xD6, 0x00, 0x10, b"\x55" * 40), Response(b"", 0x6A82)),
    (Command(0x00, 0xB0, 0x00, 0x00, ne=1000), Response(bytes(1000), 0x9000)),
]


def memory_trace(suite_name: str, key: bytes, ssc: bytes, mode: SmMode) -> str:
    host = IsoSmHost(make_suite(suite_name, key, key[::-1]), ssc, mode=mode)
    card = IsoSmCard(make_suite(suite_name, key, key[::-1]), ssc, mode=mode)
    lines = []
    for command, response in PLAIN_EXCHANGES:
        protected = host.protect(command)
        assert card.unwrap(protected) == command.replace(extended=None)
        wrapped = card.wrap(response)
        assert host.unprotect(wrapped) == response
        lines += [f"> {protected.encode().hex()}", f"< {wrapped.encode().hex()}"]
    return "\n".join(lines)


@pytest.mark.parametrize("mode", list(SmMode))
@pytest.mark.parametrize(
    ("suite_name", "key", "ssc"),
    [
        ("3des", bytes(range(16)), bytes.fromhex("00000000FFFFFFFF")),
        ("aes", bytes(range(16)), bytes(16)),
        ("aes", bytes(range(24)), bytes(15) + b"\x7f"),
        ("aes", bytes(range(32)), b"\xff" * 16),
    ],
)
def test_sessions_from_the_codec_decode_in_plain(
    suite_name: str, key: bytes, ssc: bytes, mode: SmMode
) -> None:
    text = memory_trace(suite_name, key, ssc, mode)
    observer = IsoSmObserver.from_keys(suite_name, key, key[::-1], ssc)
    entries = decode_trace(parse(text), observer)
    for entry, (command, response) in zip(entries, PLAIN_EXCHANGES, strict=True):
        assert entry.decoded is not None and entry.decoded.mac_ok
        assert entry.decoded.plain_command == command.replace(extended=None).encode()
        assert entry.decoded.plain_response == response.encode()


def test_response_split_over_61xx_is_unwrapped_once() -> None:
    key, ssc = bytes(range(16)), bytes(8)
    host = IsoSmHost(make_suite("3des", key, key), ssc)
    card = IsoSmCard(make_suite("3des", key, key), ssc)
    command = Command(0x00, 0xB0, 0x00, 0x00, ne=200)
    protected = host.protect(command)
    card.unwrap(protected)
    wrapped = card.wrap(Response(bytes(range(200)), 0x9000)).data
    # The card hands out the protected response in pieces (ISO 7816-4 5.3.4): 61xx then
    # GET RESPONSE, the continuation travelling unprotected.
    first, second, third = wrapped[:100], wrapped[100:200], wrapped[200:]
    text = (
        f"> {protected.encode().hex()}\n< {first.hex()}6164\n"
        f"> 00C0000064\n< {second.hex()}61{len(third):02x}\n"
        f"> 00C00000{len(third):02x}\n< {third.hex()}9000\n"
    )
    entries = decode_trace(parse(text), IsoSmObserver.from_keys("3des", key, key, ssc))
    assert len(entries) == 3
    assert entries[0].decoded is not None and entries[0].decoded.mac_ok
    assert entries[0].decoded.plain_response == bytes(range(200)) + b"\x90\x00"
    assert entries[0].response == first + b"\x61\x64"  # the wire, as it was
    assert [entry.continuation for entry in entries] == [False, True, True]
    assert [entry.decoded for entry in entries[1:]] == [None, None]


# --- a full BAC session recorded from cardwire's host against the simulated ePassport ------------


def test_bac_session_recorded_against_the_simulator() -> None:
    card = open_card(trace=True)
    card.send(commands.select_by_aid(EPASSPORT_AID, fci=SelectReturn.NONE))
    card.secure(open_bac(card, "L898902C<,690806,940623"))  # the default profile's MRZ
    sent = [
        Command(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("0101")),  # SELECT EF.DG1
        Command(0x00, 0xB0, 0x00, 0x00, ne=4),
        Command(0x00, 0xB0, 0x00, 0x04, ne=60),
    ]
    answers = [card.send(command, check=False) for command in sent]
    assert card.trace is not None
    text = card.trace.text()
    assert "L898902C" not in text  # no key material or MRZ in the trace
    entries = decode_trace(parse(text), IsoSmObserver.from_mrz(*MRZ))
    decoded = [entry.decoded for entry in entries if entry.decoded is not None]
    assert all(d.mac_ok for d in decoded)
    assert [d.plain_command for d in decoded] == [c.encode() for c in sent]
    assert [d.plain_response for d in decoded] == [a.encode() for a in answers]


def test_malformed_commands_do_not_stop_decoding() -> None:
    lines = icao_trace().splitlines()
    # A plain command with an inconsistent Lc, then a protected one cut short on the wire.
    # (The plain one comes before BAC: after it, it would end the session, the card's rule.)
    lines.insert(0, "> 00A4040C0200\n< 6700")
    truncated = D4[1]["protected_command"][:-6]
    text = "\n".join(lines).replace(D4[1]["protected_command"], truncated)
    entries = decode_trace(parse(text), IsoSmObserver.from_mrz(*MRZ))
    decoded = [entry.decoded for entry in entries]
    assert decoded[0] is None  # the malformed plain command is shown, not decoded
    assert decoded[4] is not None and not decoded[4].mac_ok
    last = decoded[5]
    assert last is not None and last.mac_ok  # the SSC counted both messages of the cut one
    assert last.plain_response == bytes.fromhex(D4[2]["plain_response"])


# --- sessions in sequence (the card's fail-closed rule, docs/simulator.md) -------------------


def test_plain_apdu_ends_the_session_of_its_channel_only() -> None:
    lines = icao_trace().splitlines()
    # After D4[0]: a plain command on channel 1 leaves channel 0's session alone ...
    lines.insert(6, "> 01A4000C023F00\n< 9000")
    entries = decode_trace(parse("\n".join(lines)), IsoSmObserver.from_mrz(*MRZ))
    assert all(e.decoded.mac_ok for e in entries[2:] if e.decoded is not None)
    # ... a plain SELECT on channel 0 ends it: what follows is "no session", not a MAC failure.
    lines.insert(6, "> 00A4040C07A0000002471001\n< 9000")
    entries = decode_trace(parse("\n".join(lines)), IsoSmObserver.from_mrz(*MRZ))
    assert entries[2].decoded is not None and entries[2].decoded.mac_ok
    assert [e.decoded for e in entries[5:]] == [Decoded.failed(NO_SESSION)] * 2


def test_bac_then_pace_decodes_both_with_the_pace_keys() -> None:
    key = bytes(range(16))
    pace = memory_trace("aes", key, bytes(16), SmMode.COMBINED)  # SSC 0, as after PACE
    text = "\n".join(
        [
            icao_trace().rstrip("\n"),
            "> 00A4040C07A0000002471001\n< 9000",  # plain SELECT: the BAC session ends
            "> 0022C1A40F800A04007F00070202040202830101\n< 9000",  # MSE:Set AT, AES-128 OID
            "> 10860000027C0000\n< 7C0080029000",  # GENERAL AUTHENTICATE chain (shortened)
            "> 008600000C7C0A8508000102030405060700\n< 7C0A86080001020304050607" + "9000",
            pace,
        ]
    )
    with_keys = IsoSmObserver(bac=BacKeys.from_mrz(*MRZ), pace=[(key, key[::-1])])
    entries = decode_trace(parse(text), with_keys)
    protected = [e.decoded for e in entries if e.decoded is not None]
    assert len(protected) == 3 + len(PLAIN_EXCHANGES)
    assert all(d.mac_ok for d in protected)
    assert protected[-1].plain_response == PLAIN_EXCHANGES[-1][1].encode()
    # Without the PACE keys: the PACE part says "no session", BAC still decodes, no MAC failure.
    entries = decode_trace(parse(text), IsoSmObserver.from_mrz(*MRZ))
    protected = [e.decoded for e in entries if e.decoded is not None]
    assert all(d.mac_ok for d in protected[:3])
    assert all(d.error == NO_SESSION for d in protected[3:])
