"""Fixtures: a simulated card with the Keycard applet, paired, the channel open and the PIN
verified, through cardwire's host side (helpers in rig.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardwire.card import Card
from cardwire.sim.card import SimCard
from cardwire.sm.keycard import commands
from cardwire.transport.memory import MemoryTransport
from sim.applets.keycard.rig import SEED_1, open_channel, rng


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "card.json"


@pytest.fixture
def card(state_path: Path) -> Card:
    """PIN verified, no key yet."""
    opened = Card(MemoryTransport(SimCard(state_path=state_path, rng=rng(1))))
    open_channel(opened)
    return opened


@pytest.fixture
def seeded(card: Card) -> Card:
    """PIN verified, the BIP-32 test vector 1 seed loaded."""
    card.send(commands.load_seed(SEED_1))
    return card
