"""The contract between the simulated card's OS and its applets.

The card OS (``cardwire.sim.os``) owns the logical channels, routes each command by the channel
number in CLA, handles SELECT by AID, command chaining, GET RESPONSE and the secure-messaging
session held on a channel. Applets see one reassembled, unwrapped command at a time.

Processing order on the card for one command APDU (mirror of the host's layer stack):

1. GET RESPONSE for pending response data on that channel is served by the OS.
2. If the channel holds a secure session that handles this command
   (``ctx.secure_session.handles(command)``), the OS unwraps it; a ``SecureChannelError`` ends
   the session and is answered with its ``card_sw``, unprotected. A plain command the session
   does not ``admits_plain`` ends the session (a chain piece is also refused, 6987); an APDU
   that does not decode ends the session of the channel it names (docs/simulator.md).
3. Command chaining (CLA b5) is reassembled by the OS; the applet sees the whole command,
   except for the INS codes in ``Applet.chained_steps``, whose pieces it answers one by one.
   ``ctx.secured`` is True only when every piece arrived protected.
4. The applet's ``process`` runs. It raises :class:`CardStatus` to answer an error status word.
5. If step 2 unwrapped the command and that session is still active, the response is wrapped
   by it, even when the applet installed a new session meanwhile (PACE run under secure
   messaging: its last answer travels under the old keys, the next command under the new ones).
6. Response data longer than Ne (or than 256 for a short command) is served with 61xx.

Applets keep per-channel state in the object ``new_channel_state()`` returns (current DF/EF,
record pointer, security status...). Card-wide data that must survive a power cycle (files, PIN
counters, keys) lives in the applet and is exported with ``export_state()``; every change is made
durable with ``ctx.card.commit()`` before the response is returned (and, for PIN retry counters,
*before* the comparison, ISO 7816-4 and common practice against tearing attacks).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

from cardwire.apdu import Command, Response
from cardwire.sim.config_loader import export, load, without_type


class CardStatus(Exception):  # a control-flow signal inside the card, not a cardwire error
    """Raised inside the simulated card to answer a status word (never escapes ``process``)."""

    def __init__(self, sw: int, data: bytes = b"") -> None:
        super().__init__(f"{sw:04X}")
        self.sw = sw
        self.data = data


class CardSession(Protocol):
    """A card-side secure session as the OS sees it (see cardwire.sm.base.CardSecureSession)."""

    @property
    def active(self) -> bool: ...

    def handles(self, command: Command) -> bool:
        """Whether this command is meant to be unwrapped by this session (e.g. CLA SM bits)."""
        ...

    def admits_plain(self, command: Command) -> bool:
        """Whether a command this session does not handle may run plain while the session
        lives (the protocol's own plain commands). Any other plain command ends the session."""
        ...

    def unwrap(self, command: Command) -> Command: ...

    def wrap(self, response: Response) -> Response: ...

    def close(self) -> None: ...


class CardServices(Protocol):
    """Card-wide services an applet may use."""

    def random(self, n: int) -> bytes:
        """``n`` bytes from the card's random generator (seedable in tests)."""
        ...

    def commit(self) -> None:
        """Make every change so far durable (atomic write of the card state file, if any)."""
        ...

    @property
    def terminated(self) -> bool:
        """True once TERMINATE CARD USAGE has run (ISO 7816-9)."""
        ...

    def terminate(self) -> None:
        """Move the card to its terminated life-cycle state and commit."""
        ...


class OsServices(CardServices, Protocol):
    """What the card OS asks the card beyond an applet's services."""

    def card_locked_to(self) -> bytes | None:
        """While the card life cycle is CARD_LOCKED, the AID of the Issuer Security Domain,
        the only application the OS may select (GPC 5.1.1.4); else None."""
        ...


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One applet as a card manager sees it (GP Card Spec v2.3 9.1: the GlobalPlatform Registry
    holds each application's AID, life cycle state and the executable load file it came from)."""

    aid: bytes
    applet_type: str
    locked: bool = False
    load_file: bytes | None = None  # recorded per instance (the inert type); else the type's


@runtime_checkable
class AppletRegistry(Protocol):
    """The card's applet list, changed by a card manager (the GP Security Domain).

    Changes are in memory; the caller makes them durable with ``CardServices.commit()``. Each
    method raises :class:`CardStatus` with the status word to answer when it cannot comply.
    """

    def entries(self) -> tuple[RegistryEntry, ...]: ...

    def applet_types(self) -> tuple[str, ...]:
        """The built-in applet types an instance can be installed from."""
        ...

    def install(
        self, applet_type: str, aid: bytes, settings: Mapping[str, object] | None = None
    ) -> None:
        """A new instance of ``applet_type``; ``settings`` override its default section."""
        ...

    def delete(self, aid: bytes) -> None: ...

    def set_locked(self, aid: bytes, locked: bool) -> None: ...


@dataclass(eq=False)
class ChannelContext:
    """What one logical channel holds: the selected applet, its per-channel state, and the
    secure session established on this channel (ISO 7816-4 5.1.1.2: each channel has its own
    current application, files and security status)."""

    channel: int
    card: CardServices
    applet: Applet | None = None
    state: Any = None
    secure_session: CardSession | None = None
    # Set by the OS for the command being processed: True when it arrived protected and was
    # unwrapped by ``secure_session``. Applets use it for "secure messaging required" rules.
    secured: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    def end_secure_session(self) -> None:
        """End the secure session held on this channel, if any."""
        if self.secure_session is not None:
            self.secure_session.close()
            self.secure_session = None


class Applet(ABC):
    """An application on the simulated card."""

    #: Application identifier (ISO 7816-4 8.2.1.2), 5 to 16 bytes.
    aid: bytes
    #: Whether the applet may be selected on several channels at once (else 6985 on the second).
    multiselectable: bool = True
    #: Whether response data is delivered for a command without Le (case 3) as if Le were 00,
    #: as Java Card applets do over T=1; otherwise the OS announces it with 61xx.
    answers_without_le: bool = False
    #: INS codes whose chained commands (CLA b5 set) the applet answers one by one itself: the OS
    #: does not collect them into one command. PACE's GENERAL AUTHENTICATE (86) marks its
    #: protocol steps with CLA 10 and each step is answered with data (ICAO 9303-11 4.4.4.2).
    chained_steps: frozenset[int] = frozenset()
    #: Whether a PACE session established at the chip level (ICAO 9303-11 4.2) stays on when
    #: this application is selected under it (cardwire.sm.selection): the ICAO applications.
    takes_chip_session: bool = False

    @abstractmethod
    def new_channel_state(self) -> Any:
        """Fresh per-channel state for a channel that selects this applet."""

    @abstractmethod
    def select(self, ctx: ChannelContext, command: Command) -> Response:
        """The applet was selected by AID on ``ctx``'s channel; answer the SELECT (FCI or none)."""

    def deselect(self, ctx: ChannelContext) -> None:  # noqa: B027 - optional hook
        """The applet is being deselected on ``ctx``'s channel (the OS ends the secure session)."""

    @abstractmethod
    def process(self, ctx: ChannelContext, command: Command) -> Response:
        """Process one whole, plain command. Raise :class:`CardStatus` for error answers."""

    @abstractmethod
    def export_state(self) -> dict[str, Any]:
        """JSON-serialisable card-wide state (restored by the applet's factory)."""


class ConfiguredApplet(Applet):
    """An applet built from one configuration class (``config_type``, read by
    :mod:`cardwire.sim.config_loader`): :meth:`from_config` loads its profile section and
    :meth:`settings` gives back the configuration that rebuilds it as it is now."""

    config_type: ClassVar[type[Any]]
    #: The ``type`` of the applet's profile section (``cardwire.sim.applets.APPLET_TYPES``).
    type_name: ClassVar[str]

    @abstractmethod
    def __init__(self, config: Any) -> None:
        """Build the applet from an instance of ``config_type``."""

    @classmethod
    def from_config(cls, section: Mapping[str, object]) -> Self:
        """Build the applet from its profile section (configuration merged with saved state)."""
        return cls(load(cls.config_type, without_type(section)))

    @abstractmethod
    def settings(self) -> Any:
        """The configuration that rebuilds this applet as it is now."""

    def export_state(self) -> dict[str, Any]:
        return {"type": self.type_name, **export(self.settings())}


AppletFactory = Callable[[dict[str, Any]], Applet]
"""Builds an applet from its profile section (configuration merged with saved state)."""
