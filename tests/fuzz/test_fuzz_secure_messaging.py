"""Each secure-messaging unwrap, host side and card side, under damaged genuine traffic.

Every codec is run in an established session; a genuine protected command (or response) is
damaged (bits flipped, cut, bytes inserted) before it reaches the other side. The property:

- the unwrap gives a value or a :class:`SecureChannelError`, never another exception;
- a ``SecureChannelError`` ends the session (ISO/IEC 7816-4:2020 10 and protocols.md: an SM
  error closes the channel), and the next unwrap raises :class:`SessionClosedError`;
- whatever the MAC covers cannot change unnoticed: an accepted command has the genuine INS,
  P1, P2 and data, an accepted response the genuine data and status word (only where the
  protocol authenticates responses: SCP03 R-MAC levels, ISO SM, Keycard), or else is a bare
  error status word, which these protocols leave unauthenticated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import pytest
from fuzz_budget import count, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError, SecureChannelError, SessionClosedError
from cardwire.sm.bac import BacCard, BacHost, BacKeys
from cardwire.sm.counter import CounterCard, CounterHost
from cardwire.sm.iso7816 import (
    AesSuite,
    CounterPlacement,
    IsoSmCard,
    IsoSmHost,
    SmMode,
    SmSuite,
    TdesSuite,
)
from cardwire.sm.keycard import KeycardCardSession, KeycardSession, SessionKeys
from cardwire.sm.scp03 import Scp03Card, Scp03Handshake, SecurityLevel, StaticKeys

SD_AID = bytes.fromhex("A000000151000000")  # GP Card Spec: the ISD AID


class HostSide(Protocol):
    """What the fuzz needs of a host session (every cardwire host codec has it)."""

    @property
    def active(self) -> bool: ...

    def protect(self, command: Command) -> Command: ...

    def unprotect(self, response: Response) -> Response: ...


class CardSide(Protocol):
    @property
    def active(self) -> bool: ...

    def handles(self, command: Command) -> bool: ...

    def admits_plain(self, command: Command) -> bool: ...

    def unwrap(self, command: Command) -> Command: ...

    def wrap(self, response: Response) -> Response: ...


@dataclass(frozen=True)
class Codec:
    """How to open one session pair, and whether responses are authenticated."""

    open: Callable[[random.Random], tuple[HostSide, CardSide]]
    response_mac: bool = True


def _seeded(source: random.Random) -> Callable[[int], bytes]:
    return source.randbytes


def _suite(name: str, source: random.Random) -> tuple[SmSuite, SmSuite]:
    size = {"3des": 16, "aes128": 16, "aes256": 32}[name]
    kenc, kmac = source.randbytes(size), source.randbytes(size)
    if name == "3des":
        return TdesSuite(kenc, kmac), TdesSuite(kenc, kmac)
    return AesSuite(kenc, kmac), AesSuite(kenc, kmac)


def _iso(name: str, mode: SmMode) -> Codec:
    def open_pair(source: random.Random) -> tuple[HostSide, CardSide]:
        host_suite, card_suite = _suite(name, source)
        ssc = source.randbytes(host_suite.ssc_width)
        return IsoSmHost(host_suite, ssc, mode=mode), IsoSmCard(card_suite, ssc, mode=mode)

    return Codec(open_pair)


def _counter(placement: CounterPlacement) -> Codec:
    def open_pair(source: random.Random) -> tuple[HostSide, CardSide]:
        host_suite, card_suite = _suite("aes128", source)
        start = source.randbytes(2)
        host = CounterHost(host_suite, start, placement=placement)
        return host, CounterCard(card_suite, start, placement=placement)

    return Codec(open_pair)


def _bac(source: random.Random) -> tuple[HostSide, CardSide]:
    # ICAO Doc 9303-11 4.3: the whole BAC handshake, then ISO SM with the derived keys.
    keys = BacKeys.from_mrz("L898902C<", "690806", "940623")  # 9303-11 Appendix D.1 MRZ
    host, card = BacHost(keys, _seeded(source)), BacCard(keys, _seeded(source))
    answer, card_keys = card.authenticate(host.authenticate(card.challenge()))
    host_keys = host.finish(answer)
    return host_keys.host_session(), card_keys.card_session()


def _scp03(level: int) -> Codec:
    def open_pair(source: random.Random) -> tuple[HostSide, CardSide]:
        keys = StaticKeys(source.randbytes(16), source.randbytes(16), source.randbytes(16), 0x30)
        card = Scp03Card([keys], aid=SD_AID, rng=_seeded(source))
        host = Scp03Handshake(keys, level=level, aid=SD_AID, rng=_seeded(source))
        reply = card.initialize_update(host.initialize_update(), sequence_counter=1)
        done, card_session = card.external_authenticate(host.external_authenticate(reply))
        return host.complete(done), card_session

    return Codec(open_pair, response_mac=bool(level & SecurityLevel.R_MAC))


def _keycard(source: random.Random) -> tuple[HostSide, CardSide]:
    keys, iv = SessionKeys(source.randbytes(32), source.randbytes(32)), source.randbytes(16)
    return KeycardSession(keys, iv), KeycardCardSession(keys, iv)


CODECS: dict[str, Codec] = {
    "iso 3des combined": _iso("3des", SmMode.COMBINED),
    "iso aes128 combined": _iso("aes128", SmMode.COMBINED),
    "iso aes256 authentic": _iso("aes256", SmMode.AUTHENTIC),
    "counter data-object": _counter(CounterPlacement.DATA_OBJECT),
    "counter xor": _counter(CounterPlacement.XOR),
    "bac": Codec(_bac),
    "scp03 C-MAC": _scp03(0x01),
    "scp03 C-MAC C-DEC": _scp03(0x03),
    "scp03 C-MAC R-MAC": _scp03(0x11),
    "scp03 full": _scp03(0x33),
    "keycard": Codec(_keycard),
}


def _plain_command(name: str, source: random.Random) -> Command:
    data = source.randbytes(source.randrange(0, 120))
    if name == "keycard":  # the Keycard channel protects CLA 80 commands
        return Command(0x80, 0xF2, source.randrange(256), 0, data, 256)
    ins = source.choice((0xB0, 0xD6, 0x88, 0xCA))
    cla = 0x80 if name.startswith("scp03") else 0x00
    return Command(cla, ins, source.randrange(256), source.randrange(256), data, 256)


def _damage(wire: bytes, source: random.Random) -> bytes:
    data = bytearray(wire)
    for _ in range(source.randint(1, 3)):
        position = source.randrange(len(data) + 1)
        action = source.randrange(4)
        if action == 0 and data:
            data[position % len(data)] ^= 1 << source.randrange(8)
        elif action == 1 and position:
            del data[position:]
        elif action == 2:
            data.insert(position, source.randrange(256))
        elif data:
            data[position % len(data)] = source.randrange(256)
    return bytes(data)


def _ended(session: HostSide | CardSide, again: Callable[[], object]) -> None:
    assert not session.active
    with pytest.raises(SessionClosedError):
        again()


@pytest.mark.parametrize("name", sorted(CODECS))
@fuzz_settings(40)
@given(seed=st.integers(0, 2**32), warmup=st.integers(0, 2))
def test_card_unwrap_of_a_damaged_command(name: str, seed: int, warmup: int) -> None:
    source = random.Random(seed)
    host, card = CODECS[name].open(source)
    for _ in range(warmup):  # move the counters / chaining values on first
        card.unwrap(host.protect(_plain_command(name, source)))
        host.unprotect(card.wrap(Response(b"ok")))
    plain = _plain_command(name, source)
    genuine = host.protect(plain)
    count(f"card unwrap: {name}")
    try:
        damaged = Command.decode(_damage(genuine.encode(), source))
    except DecodeError:
        return  # the card OS answers 6700 before any session sees it
    if not card.handles(damaged):
        return
    try:
        accepted = card.unwrap(damaged)
    except SecureChannelError:
        _ended(card, lambda: card.unwrap(genuine))
        return
    assert (accepted.ins, accepted.p1, accepted.p2, accepted.data) == (
        plain.ins,
        plain.p1,
        plain.p2,
        plain.data,
    )


@pytest.mark.parametrize("name", sorted(CODECS))
@fuzz_settings(40)
@given(seed=st.integers(0, 2**32), sw=st.sampled_from([0x9000, 0x6282, 0x63C2, 0x6A82]))
def test_host_unprotect_of_a_damaged_response(name: str, seed: int, sw: int) -> None:
    source = random.Random(seed)
    host, card = CODECS[name].open(source)
    card.unwrap(host.protect(_plain_command(name, source)))
    plain = Response(source.randbytes(source.randrange(0, 100)), sw)
    genuine = card.wrap(plain)
    count(f"host unprotect: {name}")
    try:
        damaged = Response.decode(_damage(genuine.encode(), source))
    except DecodeError:
        return
    try:
        accepted = host.unprotect(damaged)
    except SecureChannelError:
        _ended(host, lambda: host.protect(plain_command_after(name)))
        return
    if CODECS[name].response_mac and accepted != plain:
        # The one unauthenticated answer the protocols allow: a bare error status word
        # (GP Amendment D 6.2.5: no R-MAC on errors; ISO/IEC 7816-4:2020 10: SM errors are
        # answered plain). It may change the status word, never smuggle data in.
        assert not accepted.data
        assert accepted.sw != 0x9000
        assert accepted.sw >> 8 not in (0x61, 0x62, 0x63)


def plain_command_after(name: str) -> Command:
    return _plain_command(name, random.Random(0))


@pytest.mark.parametrize("name", sorted(CODECS))
@fuzz_settings(30)
@given(raw=st.binary(min_size=2, max_size=120))
def test_host_unprotect_of_any_bytes(name: str, raw: bytes) -> None:
    host, card = CODECS[name].open(random.Random(len(raw)))
    card.unwrap(host.protect(_plain_command(name, random.Random(1))))
    count(f"host unprotect: {name}")
    try:
        host.unprotect(Response.decode(raw))
    except SecureChannelError:
        assert not host.active
