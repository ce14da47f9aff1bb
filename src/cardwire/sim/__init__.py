"""The simulated card: a strict, standard card OS with applets, in-process or behind vpcd.

The simulator imports no host-session module (contract "The simulator is not a host session"
in pyproject.toml); :func:`open_card` is the one bridge, importing the session only when it is
called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cardwire.card import Card
    from cardwire.sim.profile import Profile


def open_card(profile: Profile | None = None, *, trace: bool = False) -> Card:
    """A :class:`cardwire.Card` on a fresh in-process simulated card (``profile`` None: the
    default card). ``trace=True`` records the exchanges (``card.trace``)."""
    from cardwire.card import Card
    from cardwire.sim.card import SimCard
    from cardwire.transport.memory import MemoryTransport

    return Card(MemoryTransport(SimCard(profile)), trace=trace)


__all__ = ["open_card"]
