"""Helpers of the Keycard applet tests: a deterministic random generator, opening the channel
through cardwire's host side (cardwire.handshakes.keycard, cardwire.sm.keycard.commands)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from cardwire.card import Card
from cardwire.handshakes import keycard as keycard_io
from cardwire.sm import keycard
from cardwire.sm.keycard import commands

PIN = "123456"
PUK = "123456789012"
DEFAULT_SECRET = keycard.pairing_secret("KeycardDefaultPairing")
# bip-0032.mediawiki, Test vector 1: the seed.
SEED_1 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")


def rng(seed: int) -> Callable[[int], bytes]:
    counter = [seed]

    def draw(n: int) -> bytes:
        counter[0] += 1
        return hashlib.sha512(counter[0].to_bytes(4, "big")).digest()[:n]

    return draw


def open_channel(card: Card, *, pin: str | None = PIN) -> keycard.Pairing:
    info = keycard_io.select_keycard(card)
    pairing = keycard_io.pair(card, DEFAULT_SECRET, rng=rng(100))
    keycard_io.open_keycard(card, pairing, info.public_key, rng=rng(200))
    if pin is not None:
        card.send(commands.verify_pin(pin))
    return pairing
