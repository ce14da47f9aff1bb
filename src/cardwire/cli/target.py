"""Which card a command talks to, and how it is watched: ``--reader NAME|INDEX`` or ``--sim``,
and ``--trace FILE`` (shared by every command that talks to a card).

Usage in a command module::

    @cli.command()
    @target_options
    def send(target: CardTarget, ...) -> None:
        with Card(target.open()) as card:
            ...

Without ``--reader`` or ``--sim`` the only PC/SC reader present is used; when there are none
or several, the error lists the readers that exist.

With ``--trace FILE`` the transport that :meth:`CardTarget.open` returns records every exchange
at the very bottom, below every layer, so secure exchanges are written as they went over the
wire. The file is written when the transport closes (``Card.close()`` or leaving ``with Card``),
also after an error; its header has the ATR, the reader and the time, never a key (session keys
never travel on the wire; the one exception is asked for: ``cardwire pace --trace-pace-secret``
writes the PACE key-agreement private key, mode 0600), and every reset is in it. The recorder is
:class:`cardwire.trace.recorder.TraceRecorder`; the format is in docs/traces.md.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from cardwire.card import Card
from cardwire.errors import CardwireError, UsageError
from cardwire.hexutil import to_hex
from cardwire.trace.recorder import Listener, TraceEntry, TraceRecorder
from cardwire.transport.base import Transport

F = TypeVar("F", bound=Callable[..., Any])

TRACE_HELP = "Write every exchange and reset on the wire to FILE (format: docs/traces.md)."
VERBOSE_HELP = "Also show every exchange on the wire (GET RESPONSE, re-sends, secure messaging)."


@dataclass(frozen=True, slots=True)
class CardTarget:
    """The card chosen on the command line, and where its trace goes."""

    reader: str | None = None
    sim: bool = False
    profile: Path | None = None
    state: Path | None = None
    trace: Path | None = None

    def open(self, on_wire: Listener | None = None) -> Transport:
        """Open the card; with ``--trace`` (or ``on_wire``, called after every exchange on the
        wire) the transport is wrapped in a recorder."""
        transport = open_transport(
            self.reader, sim=self.sim, profile=self.profile, state=self.state
        )
        if self.trace is None and on_wire is None:
            return transport
        try:
            recorder = TraceRecorder(transport, path=self.trace, keep=self.trace is not None)
        except BaseException:
            transport.close()
            raise
        if on_wire is not None:
            recorder.subscribe(on_wire)
        return recorder


def open_transport(
    reader: str | int | None = None,
    *,
    sim: bool = False,
    profile: Path | None = None,
    state: Path | None = None,
) -> Transport:
    """Open the card a command asked for: a PC/SC reader or the in-process simulated card."""
    if sim and reader is not None:
        raise UsageError("use either --reader or --sim, not both")
    if not sim and (profile is not None or state is not None):
        raise UsageError("--profile and --state go with --sim")
    if sim:
        from cardwire.sim.card import SimCard
        from cardwire.transport.memory import MemoryTransport

        return MemoryTransport(SimCard.from_files(profile, state))
    from cardwire.transport.pcsc import PcscTransport

    return PcscTransport(reader)


RESET_HELP = "Reset the card first, to start from a fresh ATR (no session, no selection)."
LEAVE_HELP = (
    "Leave the card as it is at the end: its secure session stays open on the card "
    "(by default a command that opened one resets the card when it disconnects)."
)


def reset_option(command: F) -> F:
    """``--reset``; the command receives ``reset: bool``."""
    return click.option("--reset", is_flag=True, help=RESET_HELP)(command)


def leave_option(command: F) -> F:
    """``--leave``; the command receives ``leave: bool``."""
    return click.option("--leave", is_flag=True, help=LEAVE_HELP)(command)


@dataclass
class Disconnect:
    """How :func:`open_card` lets the card go: ``secure`` is set by the command once it starts
    a handshake; then the card is reset on disconnect unless ``leave``."""

    leave: bool = False
    secure: bool = False


@contextmanager
def open_card(
    target: CardTarget,
    *,
    on_wire: Listener | None = None,
    trace: bool = False,
    reset: bool = False,
    disconnect: Disconnect | None = None,
) -> Iterator[Card]:
    """The :class:`Card` for a command: reset first with ``reset``; at the end, after an
    error too, reset when ``disconnect.secure`` and not ``disconnect.leave``.

    cardwire's own rule (docs/cli.md, "Readers and card state"): a card-side secure session
    must not outlive the program that holds its keys, or the next program finds the card in
    it (6982/6985, 6E00). GlobalPlatformPro leaves the card unless GP_PCSC_RESET=true;
    ``--leave`` does what it does."""
    card = Card(target.open(on_wire), trace=trace)
    try:
        if reset:
            card.reset()
        yield card
    finally:
        try:
            if disconnect is not None and disconnect.secure and not disconnect.leave:
                # PC/SC part 5 SCardReconnect SCARD_RESET_CARD: the session ends on the card.
                # A card that is gone or mute took its session with it.
                with suppress(CardwireError):
                    card.reset()
        finally:
            card.close()


def wire_printer(echo: Callable[[str], None]) -> Listener:
    """A wire listener for ``--verbose``: each exchange as two indented lines."""

    def show(entry: TraceEntry) -> None:
        echo(f"  wire > {to_hex(entry.command)}")
        echo(f"  wire < {to_hex(entry.response)}")

    return show


def trace_option(*aliases: str) -> Callable[[F], F]:
    """``--trace FILE`` (plus ``aliases``); the command receives ``trace: Path | None``."""
    return click.option(
        "--trace",
        *aliases,
        "trace",
        metavar="FILE",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help=TRACE_HELP,
    )


def verbose_option(command: F) -> F:
    """``-v/--verbose``; the command receives ``verbose: bool``."""
    return click.option("--verbose", "-v", is_flag=True, help=VERBOSE_HELP)(command)


def profile_option(help_text: str) -> Callable[[F], F]:
    """``--profile FILE``: a simulated card's profile (must exist); the command receives
    ``profile: Path | None``."""
    return click.option(
        "--profile", type=click.Path(exists=True, dir_okay=False, path_type=Path), help=help_text
    )


def state_option(help_text: str) -> Callable[[F], F]:
    """``--state FILE``: a simulated card's state file; the command receives
    ``state: Path | None``."""
    return click.option("--state", type=click.Path(dir_okay=False, path_type=Path), help=help_text)


def target_options(command: F) -> F:
    """Add --reader / --sim / --profile / --state / --trace; the command receives
    ``target: CardTarget``."""

    @click.option(
        "--reader",
        "-r",
        metavar="NAME|INDEX",
        help="PC/SC reader: index or (part of) the name shown by `cardwire readers`.",
    )
    @click.option("--sim", is_flag=True, help="Use the simulated card in this process.")
    @profile_option("With --sim: card profile file (default: the built-in card).")
    @state_option("With --sim: card state file (kept between runs).")
    @trace_option()
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        reader: str | None,
        sim: bool,
        profile: Path | None,
        state: Path | None,
        trace: Path | None,
        **kwargs: Any,
    ) -> Any:
        target = CardTarget(reader=reader, sim=sim, profile=profile, state=state, trace=trace)
        return command(*args, target=target, **kwargs)

    return wrapper  # type: ignore[return-value]
