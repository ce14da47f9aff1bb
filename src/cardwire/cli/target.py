"""Which card a command talks to: ``--reader NAME|INDEX`` or ``--sim`` (shared by every command).

Usage in a command module::

    @cli.command()
    @target_options
    def send(target: CardTarget, ...) -> None:
        transport = target.open()

Without ``--reader`` or ``--sim`` the only PC/SC reader present is used; when there are none
or several, the error lists the readers that exist.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from cardwire.errors import UsageError
from cardwire.transport.base import Transport

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class CardTarget:
    """The card chosen on the command line."""

    reader: str | None = None
    sim: bool = False
    profile: Path | None = None
    state: Path | None = None

    def open(self) -> Transport:
        return open_transport(self.reader, sim=self.sim, profile=self.profile, state=self.state)


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


def target_options(command: F) -> F:
    """Add --reader / --sim / --profile / --state; the command receives ``target: CardTarget``."""

    @click.option(
        "--reader",
        "-r",
        metavar="NAME|INDEX",
        help="PC/SC reader: index or (part of) the name shown by `cardwire readers`.",
    )
    @click.option("--sim", is_flag=True, help="Use the simulated card in this process.")
    @click.option(
        "--profile",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="With --sim: card profile file (default: the built-in card).",
    )
    @click.option(
        "--state",
        type=click.Path(dir_okay=False, path_type=Path),
        help="With --sim: card state file (kept between runs).",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        reader: str | None,
        sim: bool,
        profile: Path | None,
        state: Path | None,
        **kwargs: Any,
    ) -> Any:
        target = CardTarget(reader=reader, sim=sim, profile=profile, state=state)
        return command(*args, target=target, **kwargs)

    return wrapper  # type: ignore[return-value]
