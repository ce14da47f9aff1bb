"""BAC: ICAO Doc 9303-11 Appendix D.2 (keys from the MRZ) and D.3 (authentication and session
keys), values in tests/vectors/icao_9303_11_appendix_d.json (as quoted by gmrtd/gmrtd
bac/bac_test.go); then host and card against each other."""

from __future__ import annotations

import datetime
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardwire.apdu import Command
from cardwire.errors import CryptogramError, SessionClosedError, UsageError
from cardwire.sm.bac import (
    BacCard,
    BacHost,
    BacKeys,
    check_digit,
    external_authenticate_command,
    get_challenge_command,
    k_seed,
    mrz_information,
)
from cardwire.sm.base import Rng

ICAO = json.loads(
    (Path(__file__).parent.parent / "vectors" / "icao_9303_11_appendix_d.json").read_text()
)
D2, D3 = ICAO["d2_mrz"], ICAO["d3_authentication"]
h = bytes.fromhex


def scripted(*chunks: str) -> Iterator[bytes]:
    return iter(h(c) for c in chunks)


def rng_from(chunks: Iterator[bytes]) -> Rng:
    def rng(n: int) -> bytes:
        value = next(chunks)
        assert len(value) == n
        return value

    return rng


def test_d2_mrz_information_and_keys() -> None:
    info = mrz_information("L898902C", D2["date_of_birth"], D2["date_of_expiry"])
    assert info == D2["mrz_information"].encode()
    assert k_seed(info) == h(D2["k_seed"])
    keys = BacKeys.from_mrz("L898902C<", D2["date_of_birth"], D2["date_of_expiry"])
    assert (keys.k_enc, keys.k_mac) == (h(D2["k_enc"]), h(D2["k_mac"]))
    assert D2["k_enc"] not in repr(keys)


@pytest.mark.parametrize(
    ("field", "digit"),
    [("L898902C<", "3"), ("690806", "1"), ("940623", "6"), ("D23145890734", "9")],
)
def test_check_digits(field: str, digit: str) -> None:
    # ICAO 9303-11 Appendix D.2: the specimen L898902C< and the TD1 example whose
    # 12-character document number D23145890734 has check digit 9 (I<UTOD23145890<7349...).
    assert check_digit(field) == digit


def test_long_document_number_is_used_in_full() -> None:
    # ICAO 9303-11 Appendix D.2, TD1 example with a 12-character document number (MRZ
    # information as quoted in gmrtd/gmrtd's MRZ tests: D23145890734934071279507122).
    info = mrz_information("D23145890734", "340712", "950712")
    assert info == b"D23145890734934071279507122"


@pytest.mark.parametrize(
    ("number", "birth", "expiry"),
    [("", "690806", "940623"), ("L8", "6908", "940623"), ("L8!", "690806", "940623")],
)
def test_bad_mrz_is_a_usage_error(number: str, birth: str, expiry: str) -> None:
    with pytest.raises(UsageError):
        mrz_information(number, birth, expiry)


@pytest.mark.parametrize(
    ("number", "birth", "expiry", "secret"),
    [
        ("L898902C<", "69O806", "940623", "69O806"),  # a mistyped date of birth
        ("L898902C<", "690806", "94062", "94062"),  # a date of expiry cut short
        ("L898902C?", "690806", "940623", "?"),  # a stray character in the number
    ],
)
def test_mrz_errors_do_not_repeat_the_mrz(
    number: str, birth: str, expiry: str, secret: str
) -> None:
    # The MRZ fields are the document's access key (ICAO 9303-11 9.7.2): an error names the
    # faulty field but never echoes its value (as handshakes.bac.MrzInformation does).
    with pytest.raises(UsageError) as raised:
        mrz_information(number, birth, expiry)
    assert secret not in str(raised.value)


def test_d3_host_builds_and_verifies_the_worked_example() -> None:
    keys = BacKeys(h(D2["k_enc"]), h(D2["k_mac"]))
    host = BacHost(keys, rng_from(scripted(D3["rnd_ifd"], D3["k_ifd"])))
    assert get_challenge_command().encode() == h(D3["get_challenge"])
    cmd_data = host.authenticate(h(D3["rnd_ic"]))
    assert cmd_data == h(D3["e_ifd"]) + h(D3["m_ifd"])
    assert external_authenticate_command(cmd_data).encode() == h(D3["external_authenticate"])
    session = host.finish(h(D3["resp_data"]))
    assert (session.ks_enc, session.ks_mac, session.ssc) == (
        h(D3["ks_enc"]),
        h(D3["ks_mac"]),
        h(D3["ssc"]),
    )


def test_d3_card_answers_the_worked_example() -> None:
    keys = BacKeys(h(D2["k_enc"]), h(D2["k_mac"]))
    card = BacCard(keys, rng_from(scripted(D3["rnd_ic"], D3["k_ic"])))
    assert card.challenge() == h(D3["rnd_ic"])
    answer, session = card.authenticate(h(D3["e_ifd"]) + h(D3["m_ifd"]))
    assert answer == h(D3["resp_data"])
    assert (session.ks_enc, session.ks_mac, session.ssc) == (
        h(D3["ks_enc"]),
        h(D3["ks_mac"]),
        h(D3["ssc"]),
    )


def test_host_and_card_agree_and_talk_secure_messaging() -> None:
    keys = BacKeys.from_mrz("L898902C", "690806", "940623")
    host, card = BacHost(keys, os.urandom), BacCard(keys, os.urandom)
    answer, card_keys = card.authenticate(host.authenticate(card.challenge()))
    host_keys = host.finish(answer)
    assert host_keys == card_keys
    host_sm, card_sm = host_keys.host_session(), card_keys.card_session()
    command = card_sm.unwrap(host_sm.protect(Command(0x00, 0xB0, 0, 0, ne=4)))
    assert command == Command(0x00, 0xB0, 0, 0, ne=4)


def test_wrong_mrz_fails_on_the_card() -> None:
    host = BacHost(BacKeys.from_mrz("L898902C", "690806", "940624"), os.urandom)
    card = BacCard(BacKeys.from_mrz("L898902C", "690806", "940623"), os.urandom)
    with pytest.raises(CryptogramError):
        card.authenticate(host.authenticate(card.challenge()))


def test_card_challenge_is_single_use() -> None:
    keys = BacKeys.from_mrz("L898902C", "690806", "940623")
    host, card = BacHost(keys, os.urandom), BacCard(keys, os.urandom)
    data = host.authenticate(card.challenge())
    card.authenticate(data)
    with pytest.raises(CryptogramError):
        card.authenticate(data)  # replayed EXTERNAL AUTHENTICATE


def test_host_rejects_altered_or_mismatched_answers() -> None:
    keys = BacKeys(h(D2["k_enc"]), h(D2["k_mac"]))
    altered = bytearray(h(D3["resp_data"]))
    altered[0] ^= 1
    host = BacHost(keys, rng_from(scripted(D3["rnd_ifd"], D3["k_ifd"])))
    host.authenticate(h(D3["rnd_ic"]))
    with pytest.raises(CryptogramError):
        host.finish(bytes(altered))
    with pytest.raises(SessionClosedError):
        host.finish(h(D3["resp_data"]))
    other = BacHost(keys, rng_from(scripted("00" * 8, D3["k_ifd"])))
    other.authenticate(h(D3["rnd_ic"]))
    with pytest.raises(CryptogramError, match="echo"):
        other.finish(h(D3["resp_data"]))


# --- impossible MRZ dates are refused locally (issue 15; ICAO 9303-3 dates, '<' fillers) --------


@pytest.mark.parametrize(
    ("birth", "expiry"),
    [
        ("690806", "940623"),
        ("69<<<<", "940623"),  # ICAO 9303-3: year known, month and day unknown
        ("6908<<", "940623"),
        ("<<<<<<", "940623"),
        ("<<0806", "940623"),
        ("000229", "240229"),  # 29 February: 2000 and 2024 are leap years
        ("<<0229", "991231"),  # year unknown: 29 February may be
        ("690131", "940430"),
    ],
)
def test_possible_dates_are_accepted(birth: str, expiry: str) -> None:
    assert len(mrz_information("L898902C", birth, expiry)) == 24


@pytest.mark.parametrize(
    ("birth", "expiry", "problem"),
    [
        ("691306", "940623", "date of birth has no such month"),
        ("690006", "940623", "date of birth has no such month"),
        ("690800", "940623", "date of birth has no such day"),
        ("690832", "940623", "date of birth has no such day"),
        ("690431", "940623", "date of birth has no such day (01-30"),
        ("690229", "940623", "date of birth has no such day (01-28"),
        ("<<1332", "940623", "date of birth has no such month"),
        ("6<0806", "940623", "date of birth must be YYMMDD"),
        ("690806", "941323", "date of expiry has no such month"),
        ("690806", "940631", "date of expiry has no such day"),
        ("690806", "94<<<<", "date of expiry must be YYMMDD"),  # the expiry is always known
        ("690806", "230229", "date of expiry has no such day (01-28"),
    ],
)
def test_impossible_dates_are_usage_errors(birth: str, expiry: str, problem: str) -> None:
    with pytest.raises(UsageError, match=re.escape(problem)) as raised:
        mrz_information("L898902C", birth, expiry)
    assert birth not in str(raised.value) and expiry not in str(raised.value)


@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99))
def test_numeric_dates_match_the_calendar(year: int, month: int, day: int) -> None:
    text = f"{year:02d}{month:02d}{day:02d}"
    possible = []
    for century in (1900, 2000):  # a two-digit year stands for either
        try:
            datetime.date(century + year, month, day)
            possible.append(century)
        except ValueError:
            pass
    try:
        mrz_information("L898902C", text, "301231")
    except UsageError:
        assert not possible
    else:
        assert possible
