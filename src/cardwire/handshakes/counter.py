"""The generic counter mode of ISO 7816-4 10.2 over a card or logical channel.

:func:`open_counter` asks the card for the initial counter value (GET CHALLENGE with
Le = the counter width; ISO 7816-4 10.2: "the terminal first requests an initial counter value from
the smart card") installs (and returns) the host session keyed by the pre-agreed K_enc and K_mac
(:mod:`cardwire.sm.counter`). It runs in plain: call it on a channel without a secure session.
"""

from __future__ import annotations

from cardwire.card import CardCommands
from cardwire.sm.counter import DEFAULT_WIDTH, CounterHost, initial_value_command
from cardwire.sm.iso7816 import CounterPlacement, SmMode, SuiteName, make_suite


def open_counter(
    card: CardCommands,
    *,
    suite: SuiteName | str,
    kenc: bytes,
    kmac: bytes,
    width: int = DEFAULT_WIDTH,
    placement: CounterPlacement = CounterPlacement.DATA_OBJECT,
    mode: SmMode = SmMode.COMBINED,
) -> CounterHost:
    """Start the counter mode on ``card`` (a Card or a Channel) and install the session
    there; ``suite`` is a :class:`cardwire.sm.iso7816.SuiteName` (``SuiteName.AES``,
    ``SuiteName.TDES``...) or its string (``"aes"``, ``"3des"``, still accepted). Raises
    :class:`cardwire.errors.StatusError` when the card refuses GET CHALLENGE and
    :class:`cardwire.errors.SecureChannelError` when its answer is not ``width`` bytes."""
    sm_suite = make_suite(suite, kenc, kmac)
    # UsageError for a bad width, placement or mode before anything is sent.
    CounterHost(sm_suite, bytes(width), placement=placement, mode=mode)
    card.forget_ended_session()  # the new handshake replaces an ended or lost session
    answer = card.send(initial_value_command(width))
    session = CounterHost.from_challenge(
        sm_suite, answer.data, width=width, placement=placement, mode=mode
    )
    card.secure(session)  # installed on the channel it ran on, and bound to it
    return session


__all__ = ["open_counter"]
