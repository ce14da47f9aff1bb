"""The generic send-sequence-counter mode (ISO/IEC 7816-4:2020 10.1 and 10.2).

A second, named secure-messaging mode on top of the ISO codec of :mod:`cardwire.sm.iso7816`:

1. The terminal asks the card for an initial counter value: GET CHALLENGE with Le = width
   (two bytes by default). The card answers a random number.
2. Every command and every response increments the counter first (both sides keep it).
3. The counter travels under the MAC, in one of two placements:

   - ``data-object``: a data object with tag ``C1`` (private class; cardwire's choice, no ISO
     SM data object is defined for a counter) placed first in the data field, e.g.
     ``C1 02 12 35``; the receiver compares it with the value it expects.
   - ``xor``: XOR-ed into the first ``width`` bytes of the padded MAC input before the MAC is
     computed, then dropped (nothing is transmitted); a wrong counter makes the MAC fail.

An inserted, deleted or replayed APDU therefore fails verification and ends the session.
Keys (K_enc, K_mac) are agreed beforehand; the suites are the ISO ones (3DES or AES).
"""

from __future__ import annotations

from cardwire.apdu import Command
from cardwire.errors import SecureChannelError, UsageError
from cardwire.sm.base import Rng
from cardwire.sm.iso7816 import CounterPlacement, IsoSmCard, IsoSmEngine, IsoSmHost, SmMode, SmSuite

DEFAULT_WIDTH = 2  # ISO 7816-4 10.2: "the commonly used value of two bytes"
PLACEMENTS = (CounterPlacement.DATA_OBJECT, CounterPlacement.XOR)


def _check(width: int, placement: CounterPlacement) -> CounterPlacement:
    if not 1 <= width <= 8:
        raise UsageError(f"counter width must be 1..8 bytes, got {width}")
    placement = CounterPlacement(placement)
    if placement not in PLACEMENTS:
        raise UsageError(f"counter placement must be one of {[p.value for p in PLACEMENTS]}")
    return placement


def initial_value_command(width: int = DEFAULT_WIDTH) -> Command:
    """GET CHALLENGE asking the card for the initial counter value (ISO 7816-4:2020 11.6.3)."""
    _check(width, CounterPlacement.DATA_OBJECT)
    return Command(0x00, 0x84, 0x00, 0x00, ne=width)


def card_initial_value(rng: Rng, width: int = DEFAULT_WIDTH) -> bytes:
    """The card's random initial counter value (answer to :func:`initial_value_command`)."""
    _check(width, CounterPlacement.DATA_OBJECT)
    value = rng(width)
    if len(value) != width:
        raise UsageError(f"the random source gave {len(value)} bytes instead of {width}")
    return value


class _CounterSession(IsoSmEngine):
    """The counter mode's checks (width 1..8, a counter placement) in front of either side of
    the ISO codec; the sides below add the direction."""

    def __init__(
        self,
        suite: SmSuite,
        initial: bytes,
        *,
        placement: CounterPlacement = CounterPlacement.DATA_OBJECT,
        mode: SmMode = SmMode.COMBINED,
    ) -> None:
        placement = _check(len(initial), placement)
        super().__init__(suite, initial, mode=mode, placement=placement)


class CounterHost(_CounterSession, IsoSmHost):
    """Host side of the generic counter mode (a :class:`HostSecureSession`)."""

    @classmethod
    def from_challenge(
        cls,
        suite: SmSuite,
        challenge: bytes,
        *,
        width: int = DEFAULT_WIDTH,
        placement: CounterPlacement = CounterPlacement.DATA_OBJECT,
        mode: SmMode = SmMode.COMBINED,
    ) -> CounterHost:
        """Start from the card's GET CHALLENGE answer (must be exactly ``width`` bytes)."""
        if len(challenge) != width:
            raise SecureChannelError(
                f"the card's initial counter value is {len(challenge)} bytes, expected {width}"
            )
        return cls(suite, challenge, placement=placement, mode=mode)


class CounterCard(_CounterSession, IsoSmCard):
    """Card side of the generic counter mode (used by the simulated card)."""
