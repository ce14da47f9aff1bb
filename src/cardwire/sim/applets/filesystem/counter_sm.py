"""The file-system applet's ``counter_sm`` option: the generic counter mode of ISO 7816-4 10.2.

ISO/IEC 7816-4:2020 10.1-10.2: "the terminal first requests an initial counter value
from the smart card" (GET CHALLENGE, Le = counter width); every later command and response
carries the incremented counter under the MAC (:mod:`cardwire.sm.counter`). The keys are agreed
beforehand: they are the profile's ``enc_key`` and ``mac_key``. Off unless the section is present.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cardwire.apdu import Command, Response
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sim.applet import ChannelContext
from cardwire.sim.applet_settings import optional_number
from cardwire.sm.counter import DEFAULT_WIDTH, CounterCard, card_initial_value
from cardwire.sm.iso7816 import CounterPlacement, SmMode, make_suite

SECTION = "counter_sm"
_KEYS = ("suite", "enc_key", "mac_key", "width", "placement", "mode")
_SUITES = ("aes", "3des")


def _choice(section: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = section.get(key, default)
    if value not in choices:
        raise UsageError(f"{SECTION}.{key}: expected one of {', '.join(choices)}")
    return str(value)


def _key(section: Mapping[str, Any], key: str) -> bytes:
    try:
        return parse_hex(str(section[key]))
    except KeyError:
        raise UsageError(f"{SECTION}.{key}: expected a hex key") from None
    except DecodeError as exc:
        raise UsageError(f"{SECTION}.{key}: {exc}") from exc


def _width(section: Mapping[str, Any]) -> int:
    width = optional_number(section, "width", SECTION)
    return DEFAULT_WIDTH if width is None else width


@dataclass(frozen=True, slots=True)
class CounterSmSettings:
    """Suite, keys, counter width, placement and SM mode of the counter mode."""

    suite: str
    enc_key: bytes = field(repr=False)  # keys never in a repr (tests/reliability/test_secrets.py)
    mac_key: bytes = field(repr=False)
    width: int = DEFAULT_WIDTH
    placement: CounterPlacement = CounterPlacement.DATA_OBJECT
    mode: SmMode = SmMode.COMBINED

    def __post_init__(self) -> None:
        # UsageError now, at profile load, for wrong key sizes, width or placement.
        suite = make_suite(self.suite, self.enc_key, self.mac_key)
        CounterCard(suite, bytes(self.width), placement=self.placement, mode=self.mode)

    @classmethod
    def from_config(cls, value: object) -> CounterSmSettings | None:
        """The ``counter_sm`` section (None when absent); UsageError naming the bad key."""
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise UsageError(f"{SECTION}: expected a mapping")
        unknown = sorted(set(value) - set(_KEYS))
        if unknown:
            raise UsageError(f"{SECTION}.{unknown[0]}: unknown key")
        placements = tuple(p.value for p in (CounterPlacement.DATA_OBJECT, CounterPlacement.XOR))
        return cls(
            suite=_choice(value, "suite", _SUITES, "aes"),
            enc_key=_key(value, "enc_key"),
            mac_key=_key(value, "mac_key"),
            width=_width(value),
            placement=CounterPlacement(_choice(value, "placement", placements, "data-object")),
            mode=SmMode(_choice(value, "mode", tuple(m.value for m in SmMode), "combined")),
        )

    def to_config(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "enc_key": to_hex(self.enc_key),
            "mac_key": to_hex(self.mac_key),
            "width": self.width,
            "placement": self.placement.value,
            "mode": self.mode.value,
        }

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
