"""The file-system applet's ``counter_sm`` option: the generic counter mode of ISO 7816-4 10.2.

ISO/IEC 7816-4:2020 10.1-10.2: "the terminal first requests an initial counter value
from the smart card" (GET CHALLENGE, Le = counter width); every later command and response
carries the incremented counter under the MAC (:mod:`cardwire.sm.counter`). The keys are agreed
beforehand: they are the profile's ``enc_key`` and ``mac_key``. Off unless the section is present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cardwire.apdu import Command, Response
from cardwire.sim.applet import ChannelContext
from cardwire.sim.config_loader import check
from cardwire.sm.counter import DEFAULT_WIDTH, CounterCard, card_initial_value
from cardwire.sm.iso7816 import CounterPlacement, SmMode, make_suite

SECTION = "counter_sm"
_PLACEMENTS = (CounterPlacement.DATA_OBJECT, CounterPlacement.XOR)


@dataclass(frozen=True, slots=True, kw_only=True)
class CounterSmSettings:
    """Suite, keys, counter width, placement and SM mode of the counter mode: the profile's
    ``counter_sm`` section (loaded by :mod:`cardwire.sim.config_loader`)."""

    suite: Literal["aes", "3des"] = "aes"
    enc_key: bytes = field(repr=False)  # keys never in a repr (tests/reliability/test_secrets.py)
    mac_key: bytes = field(repr=False)
    width: int = DEFAULT_WIDTH
    placement: CounterPlacement = CounterPlacement.DATA_OBJECT
    mode: SmMode = SmMode.COMBINED

    def __post_init__(self) -> None:
        check(self.placement in _PLACEMENTS, "placement", "expected one of data-object, xor")
        # UsageError now, at profile load, for wrong key sizes, width or placement.
        suite = make_suite(self.suite, self.enc_key, self.mac_key)
        CounterCard(suite, bytes(self.width), placement=self.placement, mode=self.mode)

    def asks_initial_value(self, command: Command) -> bool:
        """GET CHALLENGE P1-P2 0000 with Le = the counter width (ISO 7816-4 10.2), no data."""
        return not (command.p1 or command.p2 or command.data) and command.ne == self.width


def start_session(settings: CounterSmSettings, ctx: ChannelContext) -> Response:
    """Answer the random initial counter value and hold a counter session on this channel.

    The session in place before ends (a new initial value starts a new session); the answer
    itself travels as the command came (the OS wraps it under the old session if it was
    protected, ``cardwire.sim.applet`` step 5).
    """
    initial = card_initial_value(ctx.card.random, settings.width)
    suite = make_suite(settings.suite, settings.enc_key, settings.mac_key)
    if not ctx.secured:
        ctx.end_secure_session()
    ctx.secure_session = CounterCard(
        suite, initial, placement=settings.placement, mode=settings.mode
    )
    return Response(initial)


__all__ = ["SECTION", "CounterSmSettings", "start_session"]
