"""Handshakes over a card or channel: the IO glue between a sans-IO protocol object
(:mod:`cardwire.sm`) and :class:`cardwire.card.CardCommands`.

Each ``establish_*`` function runs the protocol's commands on the card or channel it is given
and returns the host secure session, not yet installed: the caller installs it with
``card.secure(session)``.
"""

from __future__ import annotations

from cardwire.handshakes.bac import MrzInformation, establish_bac

__all__ = ["MrzInformation", "establish_bac"]
