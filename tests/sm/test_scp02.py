"""SCP02 (GP Card Spec v2.3.1 Annex E, i = 15 and 55): published vectors, then host against card
at every option and level.

Vectors: osmocom pySim, tests/unittests/test_globalplatform.py (SCP02_Auth_Test, SCP02_Test:
a recorded INITIALIZE UPDATE answer, the EXTERNAL AUTHENTICATE and the C-MAC of four APDU
cases at level 01). They pin the C-MAC on the *modified* APDU (CLA 84, Lc + 8) and the ICV
encryption of i = 15: the bit pySim calls ``mac_on_unmodified = False``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from cardwire.apdu import Command, Response
from cardwire.errors import CryptogramError, DecodeError, SecureChannelError, UsageError
from cardwire.sm.scp02 import (
    I_15,
    I_55,
    InitializeUpdateResponse,
    Scp02Card,
    Scp02Handshake,
    StaticKeys,
    derive_session_keys,
    pseudo_random_challenge,
)
from cardwire.sm.scp02.sessions import Scp02CardSession, Scp02HostSession

# pySim test_globalplatform.py: KIC / KID / KIK of ck_3des_70.
PYSIM_KEYS = StaticKeys(
    bytes.fromhex("100102030405060708090a0b0c0d0e0f"),
    bytes.fromhex("101102030405060708090a0b0c0d0e0f"),
    bytes.fromhex("102102030405060708090a0b0c0d0e0f"),
    0x20,
)
PYSIM_HOST_CHALLENGE = bytes.fromhex("40A62C37FA6304F8")
PYSIM_ANSWER = bytes.fromhex("00000000000000000000700200016B4524ABEE7CF32EA3838BC148F3")
PYSIM_CASES = [
    ("80F22002", "84F220020814DB34FA4341DCA8"),
    ("80ca006600", "84CA00660855ED7C5FF069512B00"),
    ("80F220020a4f0212345c054f9f70c5", "84F22002124F0212345C054F9F70C58FC1B380C4228AF8"),
    ("80f28002024f0000", "84F280020A4F003B95F09317DE6A4E00"),
]
AID = bytes.fromhex("A000000151000000")


def _fixed(value: bytes) -> Callable[[int], bytes]:
    return lambda _n: value


def test_pysim_initialize_update_command() -> None:
    host = Scp02Handshake(PYSIM_KEYS, rng=_fixed(PYSIM_HOST_CHALLENGE))
    assert host.initialize_update().encode().hex().upper() == "805020000840A62C37FA6304F800"


def _pysim_session() -> tuple[Scp02Handshake, Command]:
    # The card answered with key version 70 (a sysmocom card); kvn 0 accepts the card's.
    keys = StaticKeys(PYSIM_KEYS.enc, PYSIM_KEYS.mac, PYSIM_KEYS.dek, 0)
    host = Scp02Handshake(keys, rng=_fixed(PYSIM_HOST_CHALLENGE))
    host.initialize_update()
    external = host.external_authenticate(Response(PYSIM_ANSWER))
    return host, external


def test_pysim_external_authenticate() -> None:
    _host, external = _pysim_session()
    assert external.encode().hex().upper() == "8482010010BA6961667737C5BCEBECE14C7D6A4376"


def test_pysim_c_mac_of_four_cases_in_sequence() -> None:
    host, _external = _pysim_session()
    session = host.complete(Response())
    for plain, wire in PYSIM_CASES:
        assert session.protect(Command.decode(bytes.fromhex(plain))).encode().hex().upper() == wire


def test_pysim_wrong_card_cryptogram_is_refused() -> None:
    keys = StaticKeys(PYSIM_KEYS.enc, PYSIM_KEYS.mac, PYSIM_KEYS.dek, 0)
    host = Scp02Handshake(keys, rng=_fixed(PYSIM_HOST_CHALLENGE))
    host.initialize_update()
    with pytest.raises(CryptogramError):
        host.external_authenticate(Response(PYSIM_ANSWER[:-1] + b"\xff"))


def test_answer_codec_round_trip_and_strictness() -> None:
    answer = InitializeUpdateResponse.decode(PYSIM_ANSWER)
    assert (answer.kvn, answer.sequence_counter) == (0x70, 1)
    assert answer.encode() == PYSIM_ANSWER
    with pytest.raises(DecodeError):
        InitializeUpdateResponse.decode(PYSIM_ANSWER[:-1])
    with pytest.raises(DecodeError):
        InitializeUpdateResponse.decode(PYSIM_ANSWER[:11] + b"\x03" + PYSIM_ANSWER[12:])


def test_session_keys_differ_by_purpose_and_counter() -> None:
    one, two = derive_session_keys(PYSIM_KEYS, 1), derive_session_keys(PYSIM_KEYS, 2)
    assert len({one.enc, one.c_mac, one.r_mac, one.dek, two.c_mac}) == 5
    assert "10" not in repr(one)


def _pair(
    option: int, level: int, counter: int = 5
) -> tuple[Scp02HostSession, Scp02CardSession, Response]:
    source = random.Random(option * 256 + level)
    card = Scp02Card([PYSIM_KEYS], AID, option=option, rng=source.randbytes)
    host = Scp02Handshake(PYSIM_KEYS, level=level, option=option, aid=AID, rng=source.randbytes)
    answer = card.initialize_update(host.initialize_update(), counter)
    done, card_session = card.external_authenticate(host.external_authenticate(answer))
    return host.complete(done), card_session, answer


@pytest.mark.parametrize("option", [I_15, I_55])
@pytest.mark.parametrize("level", [0x00, 0x01, 0x03])
def test_host_against_card(option: int, level: int) -> None:
    host, card, _answer = _pair(option, level)
    for command in (
        Command(0x80, 0xCA, 0x00, 0x66, ne=256),
        Command(0x80, 0xF2, 0x40, 0x02, bytes.fromhex("4F00"), 256),
        Command(0x81, 0xE6, 0x0C, 0x00, bytes(range(200))),
        Command(0x80, 0xF2, 0x80, 0x02, bytes(8)),
    ):
        wire = host.protect(command)
        if level:
            assert wire.cla & 0x04
            assert card.unwrap(wire) == command
        else:
            assert wire == command
        assert host.unprotect(card.wrap(Response(b"\x01", 0x9000))) == Response(b"\x01")
    if level & 0x02:
        assert bytes(8) not in host.protect(Command(0x80, 0xF2, 0x80, 0x02, bytes(8))).data


def test_both_sessions_expose_the_dek_session_key() -> None:
    host, card, answer = _pair(I_55, 0x01, counter=7)
    expected = derive_session_keys(PYSIM_KEYS, 7).dek
    assert host.session_dek == card.session_dek == expected
    assert InitializeUpdateResponse.decode(answer.data).sequence_counter == 7


def test_i55_challenge_is_derived_from_the_aid_and_counter() -> None:
    _host, _card, answer = _pair(I_55, 0x01, counter=7)
    decoded = InitializeUpdateResponse.decode(answer.data)
    c_mac = derive_session_keys(PYSIM_KEYS, 7).c_mac
    assert decoded.card_challenge == pseudo_random_challenge(c_mac, AID)
    assert decoded.card_challenge != pseudo_random_challenge(c_mac, AID[:-1] + b"\x01")


def test_i55_host_refuses_a_challenge_for_another_aid() -> None:
    card = Scp02Card([PYSIM_KEYS], AID, option=I_55)
    host = Scp02Handshake(PYSIM_KEYS, option=I_55, aid=AID[:-1] + b"\x01")
    with pytest.raises(CryptogramError):
        host.external_authenticate(card.initialize_update(host.initialize_update(), 3))


def test_card_refuses_wrong_host_cryptogram_and_wrong_mac() -> None:
    for index, sw in ((0, 0x6300), (12, 0x6982)):
        card = Scp02Card([PYSIM_KEYS], AID)
        host = Scp02Handshake(PYSIM_KEYS)
        external = host.external_authenticate(card.initialize_update(host.initialize_update()))
        data = bytearray(external.data)
        data[index] ^= 1
        with pytest.raises(SecureChannelError) as caught:
            card.external_authenticate(external.replace(data=bytes(data)))
        assert caught.value.card_sw == sw


def test_card_refuses_bad_initialize_update() -> None:
    card = Scp02Card([PYSIM_KEYS], AID)
    for command, sw in (
        (Command(0x80, 0x50, 0x20, 0x01, bytes(8)), 0x6A86),
        (Command(0x80, 0x50, 0x20, 0x00, bytes(16)), 0x6700),
        (Command(0x80, 0x50, 0x21, 0x00, bytes(8)), 0x6A88),
    ):
        with pytest.raises(SecureChannelError) as caught:
            card.initialize_update(command)
        assert caught.value.card_sw == sw


def test_levels_and_options_are_checked() -> None:
    with pytest.raises(UsageError):
        Scp02Handshake(PYSIM_KEYS, level=0x13)
    with pytest.raises(UsageError):
        Scp02Handshake(PYSIM_KEYS, option=0x1A)
    with pytest.raises(UsageError):
        StaticKeys(bytes(8), bytes(16), bytes(16))


def test_data_too_long_for_level_03_is_a_usage_error() -> None:
    host, _card, _answer = _pair(I_15, 0x03)
    with pytest.raises(UsageError):
        host.protect(Command(0x80, 0xE8, 0x00, 0x00, bytes(240)))
    assert host.max_payload == 239
