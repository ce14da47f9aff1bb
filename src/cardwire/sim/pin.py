"""Reference data with retry counters: PINs and PUKs of the simulated card.

The rules every check follows (ISO/IEC 7816-4:2020 11.5.6 VERIFY, 11.5.7 CHANGE REFERENCE DATA,
11.5.10 RESET RETRY COUNTER, and the common defence against tearing attacks):

1. a blocked reference answers 6983 "authentication method blocked" without any comparison;
2. a candidate of the wrong length answers 6A80 and costs no try (it is a malformed command,
   not a guess);
3. the retry counter is decremented and made durable (``commit``) *before* the comparison, so
   that cutting the power during the comparison cannot give a free guess;
4. the comparison is constant time (``hmac.compare_digest``);
5. a match restores the counter (and commits); a mismatch answers 63Cx with x tries left
   (ISO/IEC 7816-4:2020 table 6: "63Cx counter from 0 to 15").

Values never appear in a repr, a log line or an exception message.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from cardwire.errors import UsageError
from cardwire.sim.applet import CardStatus
from cardwire.sim.config_loader import by_reference
from cardwire.sim.fs import decode_content, encode_content
from cardwire.sw import SW

MAX_COUNTER_IN_SW = 0x0F  # 63Cx carries 4 bits


def tries_left_sw(tries_left: int) -> int:
    """63Cx: verification failed, ``x`` tries left (saturated at 15)."""
    return 0x63C0 | min(tries_left, MAX_COUNTER_IN_SW)


class ReferenceData:
    """One PIN or PUK: its value, retry counter and length bounds (mutable card state)."""

    __slots__ = (
        "_value",
        "max_length",
        "max_tries",
        "min_length",
        "name",
        "reference",
        "tries_left",
        "unblocked_by",
    )

    def __init__(
        self,
        reference: int,
        value: bytes,
        *,
        max_tries: int,
        tries_left: int | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        unblocked_by: int | None = None,
        name: str = "",
    ) -> None:
        if not 0 < reference <= 0xFF:
            raise UsageError(f"reference data number must be 1-255, got {reference}")
        if not 1 <= max_tries <= MAX_COUNTER_IN_SW:
            raise UsageError(f"max_tries must be 1-15 (63Cx has 4 bits), got {max_tries}")
        self.reference = reference
        self.name = name
        self.max_tries = max_tries
        self.tries_left = max_tries if tries_left is None else tries_left
        if not 0 <= self.tries_left <= max_tries:
            raise UsageError(f"tries_left must be 0-{max_tries}, got {self.tries_left}")
        self.min_length = len(value) if min_length is None else min_length
        self.max_length = len(value) if max_length is None else max_length
        if not 1 <= self.min_length <= self.max_length:
            raise UsageError("reference data needs 1 <= min_length <= max_length")
        if not self.fits(value):
            raise UsageError(f"reference data {reference} does not fit its own length bounds")
        self._value = value
        self.unblocked_by = unblocked_by

    def __repr__(self) -> str:
        return f"ReferenceData({self.reference}, tries_left={self.tries_left}, value=<hidden>)"

    @property
    def value(self) -> bytes:
        """The stored value (for export_state only; never log it)."""
        return self._value

    @property
    def blocked(self) -> bool:
        return self.tries_left == 0

    @property
    def length(self) -> int:
        """Length of the current value (how CHANGE REFERENCE DATA splits old || new)."""
        return len(self._value)

    def fits(self, candidate: bytes) -> bool:
        """Whether ``candidate`` has an acceptable length for this reference."""
        return self.min_length <= len(candidate) <= self.max_length

    def check(self, candidate: bytes, commit: Callable[[], None]) -> None:
        """Compare ``candidate``; return on a match, raise :class:`CardStatus` otherwise."""
        if self.blocked:
            raise CardStatus(SW.AUTHENTICATION_METHOD_BLOCKED)
        if not self.fits(candidate):
            raise CardStatus(SW.INCORRECT_DATA)
        # Decrement and persist before comparing (tearing defence, see module doc).
        self.tries_left -= 1
        commit()
        if hmac.compare_digest(candidate, self._value):
            self.tries_left = self.max_tries
            commit()
            return
        raise CardStatus(tries_left_sw(self.tries_left))

    def status_sw(self) -> int:
        """The answer to VERIFY without data when not verified: 6983 if blocked, else 63Cx."""
        return SW.AUTHENTICATION_METHOD_BLOCKED if self.blocked else tries_left_sw(self.tries_left)

    def set_value(self, new_value: bytes) -> None:
        """Replace the value (length already checked by the caller with :meth:`fits`)."""
        if not self.fits(new_value):
            raise CardStatus(SW.INCORRECT_DATA)
        self._value = new_value

    def reset_counter(self) -> None:
        self.tries_left = self.max_tries


@dataclass(frozen=True, kw_only=True)
class PinConfig:
    """One entry of a profile's ``pins`` list (docs/simulator.md); ``value`` is a content
    mapping (``{text: ...}`` or ``{hex: ...}``)."""

    reference: int = field(metadata={"range": (1, 0xFF)})
    name: str = field(default="", metadata={"omit_default": True})
    value: object = field(repr=False)
    max_tries: int
    tries_left: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    unblocked_by: int | None = field(default=None, metadata={"omit_default": True})

    def reference_data(self) -> ReferenceData:
        return ReferenceData(
            self.reference,
            decode_content(self.value, None, "value"),
            max_tries=self.max_tries,
            tries_left=self.tries_left,
            min_length=self.min_length,
            max_length=self.max_length,
            unblocked_by=self.unblocked_by,
            name=self.name,
        )

    @classmethod
    def of(cls, pin: ReferenceData) -> PinConfig:
        """The entry that rebuilds ``pin`` as it is now (current value and counter)."""
        return cls(
            reference=pin.reference,
            name=pin.name,
            value=encode_content(pin.value),
            max_tries=pin.max_tries,
            tries_left=pin.tries_left,
            min_length=pin.min_length,
            max_length=pin.max_length,
            unblocked_by=pin.unblocked_by,
        )


def pins_from_config(entries: Sequence[PinConfig]) -> dict[int, ReferenceData]:
    """Reference data from the profile's ``pins`` list; each reference once."""
    return by_reference(entries, PinConfig.reference_data)


def pins_to_config(pins: Mapping[int, ReferenceData]) -> tuple[PinConfig, ...]:
    """The ``pins`` entries with current values and counters (for export_state)."""
    return tuple(PinConfig.of(pins[reference]) for reference in sorted(pins))
