"""SimCard: the simulated card as a whole — power, reset, ATR, ``process(bytes) -> bytes``.

``process`` never raises: malformed input gets its status word from the card OS, a card that is
powered off answers 6F00 (there is no card to answer; a reader would report an error instead),
and any unexpected exception is logged and answered 6F00 "no precise diagnosis". Every public
method holds one lock, so threads may share a card.

The card's persistent state (life cycle, every applet's exported state) is written atomically to
``state_path`` on each ``commit()``, as a profile file that loads like any other.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from cardwire.cla import channel_of
from cardwire.errors import ConfigError, UsageError
from cardwire.sim import profile as profiles
from cardwire.sim.applet import Applet, AppletFactory, CardStatus, RegistryEntry
from cardwire.sim.applets import APPLET_TYPES, DEFAULT_CONFIGS
from cardwire.sim.os import AppletSlot, CardOS
from cardwire.sim.profile import AppletSpec, CardOptions, Profile
from cardwire.sw import SW

logger = logging.getLogger(__name__)

_NO_PRECISE_DIAGNOSIS = SW.NO_PRECISE_DIAGNOSIS.to_bytes(2, "big")

# ATR (ISO 7816-3:2006 8.2): TS 3B is the direct convention.
TS_DIRECT = 0x3B
_TD_FOLLOWS = 0x80  # T0 / TDi b8: TD(i+1) present
# Historical bytes (ISO 7816-4:2020 8.1.1): category indicator 00 = COMPACT-TLV objects followed
# by a status indicator (LCS, SW1-SW2) in the last three bytes.
_CATEGORY_STATUS_LAST = 0x00
_CARD_CAPABILITIES = 0x73  # COMPACT-TLV tag 7, length 3 (ISO 7816-4:2020 8.1.1.2.7)
# First software function table (ISO 7816-4:2020 table 117): DF selection by full DF name,
# partial DF name, path, file identifier, implicit; short EF identifier; record number.
_SELECTION_METHODS = 0xFE
# Second table (data coding byte, table 118): proprietary write behaviour, 1-byte data unit.
_DATA_CODING = 0x21
# Third table (table 119): b8 chaining, b7 extended Lc/Le, b5 assignment by the card, b4 by the
# interface device, b3-b1 maximum number of channels minus one (111: eight or more).
_CHAINING_BIT = 0x80
_EXTENDED_BIT = 0x40
_ASSIGNED_BY_CARD = 0x10
_ASSIGNED_BY_TERMINAL = 0x08
_MAX_CODED_CHANNELS = 8
# Life cycle status byte (ISO 7816-4:2020 table 15): 05 operational activated, 0C terminated.
_LCS_OPERATIONAL = 0x05
_LCS_TERMINATED = 0x0C
# An applet section's key the card itself keeps (not passed to the applet): the applet is LOCKED
# (GP Card Spec v2.3 5.3.1, set by SET STATUS through a Security Domain).
LOCKED_KEY = "locked"


def card_capabilities(options: CardOptions) -> bytes:
    """The three software function bytes of the card capabilities object."""
    third = 0
    if options.chaining:
        third |= _CHAINING_BIT
    if options.extended_length:
        third |= _EXTENDED_BIT
    if options.logical_channels > 1:
        third |= _ASSIGNED_BY_CARD | _ASSIGNED_BY_TERMINAL
        third |= min(options.logical_channels, _MAX_CODED_CHANNELS) - 1
    return bytes((_SELECTION_METHODS, _DATA_CODING, third))


def historical_bytes(options: CardOptions, *, terminated: bool) -> bytes:
    """The profile's historical bytes, or category 00 + card capabilities + status indicator."""
    if options.historical_bytes is not None:
        return options.historical_bytes
    lcs = _LCS_TERMINATED if terminated else _LCS_OPERATIONAL
    return (
        bytes((_CATEGORY_STATUS_LAST, _CARD_CAPABILITIES))
        + card_capabilities(options)
        + bytes((lcs,))
        + SW.SUCCESS.to_bytes(2, "big")
    )


def build_atr(options: CardOptions, *, terminated: bool = False) -> bytes:
    """The ATR: TS 3B, T0, one TDi per offered protocol, historical bytes, TCK."""
    history = historical_bytes(options, terminated=terminated)
    protocols = sorted(options.protocols)
    # ISO 7816-3:2006 8.2.3: TDi low nibble names a protocol; without TD1 only T=0 is offered.
    indicators = [] if protocols == [0] else protocols
    tds = [
        (_TD_FOLLOWS if i + 1 < len(indicators) else 0) | protocol
        for i, protocol in enumerate(indicators)
    ]
    t0 = (_TD_FOLLOWS if tds else 0) | len(history)
    body = bytes((t0, *tds)) + history
    if indicators:
        # ISO 7816-3:2006 8.2.5: TCK present unless only T=0; XOR of T0..TCK is zero.
        check = 0
        for byte in body:
            check ^= byte
        body += bytes((check,))
    return bytes((TS_DIRECT,)) + body


class SimCard:
    """A simulated card built from a profile (the default card when none is given)."""

    def __init__(
        self,
        profile: Profile | None = None,
        *,
        state_path: Path | None = None,
        rng: Callable[[int], bytes] | None = None,
        applet_types: Mapping[str, AppletFactory] | None = None,
    ) -> None:
        if profile is None:
            if state_path is not None and state_path.exists():
                profile = profiles.load(state_path)
            else:
                profile = profiles.default_profile()
        self._lock = threading.RLock()
        self._profile = profile
        self._state_path = state_path
        self._rng = rng if rng is not None else os.urandom
        self._terminated = profile.card.life_cycle == "terminated"
        self._types = APPLET_TYPES if applet_types is None else applet_types
        slots = _install(profile, self._types)
        default = profile.card.default_applet
        default_slot = next((s for s in slots if s.aid == default), slots[0] if slots else None)
        if default_slot is not None and {"epassport", "eid"} & {a.type for a in profile.applets}:
            # The ICAO chip structure (docs/simulator.md); imported only for ICAO cards.
            from cardwire.sim.applets.chip_pace import attach_chip_pace

            attach_chip_pace([s.applet for s in slots], default_slot.applet)
        locked = [spec.aid for spec in profile.applets if spec.settings.get(LOCKED_KEY) is True]
        self._os = CardOS(slots, profile.card, self, default_slot, locked)
        self._default_aid = None if default_slot is None else default_slot.aid
        self.registry = SimCardRegistry(self)
        self._powered = False
        self.power_on()
        if state_path is not None and not state_path.exists():
            self.save()

    @classmethod
    def from_files(
        cls, profile_path: Path | None = None, state_path: Path | None = None
    ) -> SimCard:
        """The card saved in ``state_path`` if that file exists, else the one ``profile_path``
        describes (else the default card); changes are saved to ``state_path``."""
        if state_path is not None and state_path.exists():
            profile = profiles.load(state_path)
        elif profile_path is not None:
            profile = profiles.load(profile_path)
        else:
            profile = profiles.default_profile()
        return cls(profile, state_path=state_path)

    # --- power ------------------------------------------------------------------------------

    @property
    def atr(self) -> bytes:
        with self._lock:
            return build_atr(self._profile.card, terminated=self._terminated)

    @property
    def powered(self) -> bool:
        return self._powered

    @property
    def profile(self) -> Profile:
        """The profile the card was built from (without later state changes)."""
        return self._profile

    def power_on(self) -> bytes:
        """Cold reset: ends every session, closes channels 1-19, selects the default applet."""
        with self._lock:
            self._os.reset()
            self._powered = True
            return self.atr

    def power_off(self) -> None:
        with self._lock:
            self._os.shutdown()
            self._powered = False

    def reset(self) -> bytes:
        """Warm reset: the same effects on the card state as a cold reset; returns the ATR."""
        return self.power_on()

    # --- commands ---------------------------------------------------------------------------

    def process(self, apdu: bytes) -> bytes:
        """One command APDU in, one response APDU out. Never raises."""
        with self._lock:
            if not self._powered:
                return _NO_PRECISE_DIAGNOSIS
            try:
                return self._os.process(bytes(apdu))
            except Exception:
                header = bytes(apdu[:2]).hex().upper() if isinstance(apdu, bytes) else "?"
                # Only the CLA/INS header is logged: command data may hold PINs or keys.
                logger.error("internal error on CLA-INS %s, answered 6F00", header, exc_info=True)
                self._end_session_after_failure(apdu)
                return _NO_PRECISE_DIAGNOSIS

    def _end_session_after_failure(self, apdu: bytes) -> None:
        """End the secure session of the channel a failed command came on: the command may
        have been unwrapped (its counter moved on) but no protected answer goes back, so host
        and card no longer agree (ISO/IEC 7816-4:2020 clause 10: an SM error ends the
        session)."""
        try:
            channel = channel_of(apdu[0]) if apdu else None
            ctx = None if channel is None else self._os.context(channel)
            if ctx is not None:
                ctx.end_secure_session()
        except Exception:
            logger.error("cannot end the secure session after an internal error", exc_info=True)

    def applet(self, aid: bytes) -> Applet | None:
        """The applet installed under ``aid`` (for inspection and tests), or None."""
        return self._os.applet(aid)

    def open_channels(self) -> tuple[int, ...]:
        """The numbers of the open logical channels (0 is always among them while powered)."""
        with self._lock:
            return self._os.open_channels

    # --- persistence and card services (cardwire.sim.applet.CardServices) -------------------

    def save(self) -> None:
        """Write the card state to ``state_path`` (nothing without one)."""
        with self._lock:
            try:
                self._write_state()
            except OSError as exc:
                raise UsageError(f"cannot write card state {self._state_path}: {exc}") from exc

    def random(self, n: int) -> bytes:
        return self._rng(n)

    def commit(self) -> None:
        """Make every change durable; a write failure answers 6581 "memory failure"."""
        try:
            self._write_state()
        except OSError as exc:
            logger.error("cannot write card state %s: %s", self._state_path, exc)
            raise CardStatus(SW.MEMORY_FAILURE) from exc

    @property
    def terminated(self) -> bool:
        return self._terminated

    def terminate(self) -> None:
        """TERMINATE CARD USAGE (ISO 7816-9): the terminated life cycle state, persisted."""
        self._terminated = True
        self.commit()

    def card_locked_to(self) -> bytes | None:
        """GPC 5.1.1.4: the ISD's AID while the card is CARD_LOCKED (it alone is selectable)."""
        from cardwire.gp_content import CardLifeCycle
        from cardwire.sim.applets.security_domain import SecurityDomainApplet

        for slot in self._os.slots:
            applet = slot.applet
            if isinstance(applet, SecurityDomainApplet):
                return slot.aid if applet.card_life_cycle == CardLifeCycle.CARD_LOCKED else None
        return None

    def current_profile(self) -> Profile:
        """The profile with the current life cycle and applet states (what ``save`` writes)."""
        with self._lock:
            life_cycle = "terminated" if self._terminated else "operational"
            return self._profile.with_state(life_cycle, self._os.export_states())

    def _write_state(self) -> None:
        if self._state_path is not None:
            profiles.save(self._state_path, self.current_profile())


class SimCardRegistry:
    """The card's applet list for a card manager (``cardwire.sim.applet.AppletRegistry``).

    Every change updates the card's profile, so the next ``commit()`` writes it."""

    def __init__(self, card: SimCard) -> None:
        self._card = card

    def entries(self) -> tuple[RegistryEntry, ...]:
        os_ = self._card._os
        return tuple(
            RegistryEntry(spec.aid, spec.type, os_.is_locked(spec.aid), _load_file(spec))
            for spec in self._card._profile.applets
        )

    def applet_types(self) -> tuple[str, ...]:
        return tuple(name for name in self._card._types if name in DEFAULT_CONFIGS)

    def install(
        self, applet_type: str, aid: bytes, settings: Mapping[str, object] | None = None
    ) -> None:
        card = self._card
        if applet_type not in self.applet_types():
            raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
        if any(spec.aid == aid for spec in card._profile.applets) or not 5 <= len(aid) <= 16:
            raise CardStatus(SW.INCORRECT_DATA)
        section = {**DEFAULT_CONFIGS[applet_type](), **(settings or {})}
        spec = AppletSpec(
            applet_type, aid, {k: v for k, v in section.items() if k not in ("type", "aid")}
        )
        try:
            slot = _install(Profile(card._profile.card, (spec,)), card._types)[0]
        except UsageError as exc:  # the built-in default configuration does not build
            raise CardStatus(SW.INCORRECT_DATA) from exc
        card._os.add_slot(slot)
        card._profile = replace(card._profile, applets=(*card._profile.applets, spec))

    def delete(self, aid: bytes) -> None:
        card = self._card
        if not any(spec.aid == aid for spec in card._profile.applets):
            raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
        # The default applet and an applet current on some channel stay (GP Card Spec v2.3
        # 11.2.2: deletion of a selected application is refused with 6985).
        if aid == card._default_aid or card._os.is_current(aid):
            raise CardStatus(SW.CONDITIONS_OF_USE_NOT_SATISFIED)
        card._os.remove_slot(aid)
        applets = tuple(spec for spec in card._profile.applets if spec.aid != aid)
        card._profile = replace(card._profile, applets=applets)

    def set_locked(self, aid: bytes, locked: bool) -> None:
        card = self._card
        specs = card._profile.applets
        if not any(spec.aid == aid for spec in specs):
            raise CardStatus(SW.REFERENCED_DATA_NOT_FOUND)
        card._os.set_locked(aid, locked)
        card._profile = replace(
            card._profile, applets=tuple(_with_lock(spec, locked, aid) for spec in specs)
        )


def _load_file(spec: AppletSpec) -> bytes | None:
    """The load file an instance records itself (the inert type's section), if any."""
    recorded = spec.settings.get("load_file")
    return bytes.fromhex(recorded) if isinstance(recorded, str) else None


def _with_lock(spec: AppletSpec, locked: bool, aid: bytes) -> AppletSpec:
    if spec.aid != aid:
        return spec
    settings = {k: v for k, v in spec.settings.items() if k != LOCKED_KEY}
    if locked:
        settings[LOCKED_KEY] = True
    return replace(spec, settings=settings)


def _install(profile: Profile, types: Mapping[str, AppletFactory]) -> list[AppletSlot]:
    slots = []
    for index, spec in enumerate(profile.applets):
        where = f"applets[{index}]"
        factory = types.get(spec.type)
        if factory is None:
            known = ", ".join(sorted(types))
            raise UsageError(f"{where}.type: unknown applet type {spec.type!r} (known: {known})")
        section = {k: v for k, v in spec.section().items() if k != LOCKED_KEY}
        try:
            applet = factory(section)
        except ConfigError as exc:
            raise exc.within(where) from exc  # "applets[2].pins[0].max_tries: ..."
        except UsageError as exc:
            raise UsageError(f"{where}: {exc}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{where}: invalid {spec.type} configuration: {exc}") from exc
        slots.append(AppletSlot(spec.aid, applet))
    return slots
