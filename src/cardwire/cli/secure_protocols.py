"""One command shape per secure protocol, shared by the CLI, the shell and scripts.

Each protocol (BAC, SCP03, Keycard, PACE) registers a :class:`SecureProtocol`: its name, a
one-line summary, its click options (the same names everywhere: ``--mrz``, ``--can``,
``--pin``, ``--keys``, ``--kvn``, ``--level``, ``--pairing-password``) and an ``establish``
function that runs the handshake on a card or channel and returns the host secure session.
From that one registration come:

- ``cardwire NAME [options] send [--sim|--reader R] APDU...``: :func:`protocol_command` builds
  the click group (the module that registers the protocol adds it to ``cli``);
- ``open NAME [options]`` and ``close`` in ``cardwire shell`` and its scripts, through
  :func:`open_statement` and :func:`close_statement`.

Usage in a protocol's CLI module::

    BAC = register(SecureProtocol("bac", "Basic Access Control ...", (MRZ_OPTION,), establish,
                                  example="cardwire bac --mrz L898902C<,690806,940623 send ..."))
    cli.add_command(protocol_command(BAC))

``establish(card, values)`` gets the parsed option values by parameter name (``values["mrz"]``)
and must raise :class:`cardwire.errors.UsageError` for a missing required value: the options
are not ``required=True`` in click, so that ``cardwire NAME send --help`` works without them.
"""

from __future__ import annotations

import importlib
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import click

from cardwire.card import CardCommands
from cardwire.errors import UsageError
from cardwire.sm.base import HostSecureSession

Establish = Callable[[CardCommands, dict[str, Any]], HostSecureSession]
"""Runs the protocol's handshake on ``card`` with the parsed option values and returns the
session, not yet installed (the caller installs it with ``card.secure(session)``)."""

AfterOpen = Callable[[CardCommands, dict[str, Any]], None]
"""Runs with the new session installed on ``card`` (commands it sends travel protected)."""

OptionDecorator = Callable[[Callable[..., Any]], Callable[..., Any]]
"""A click option decorator, e.g. ``click.option("--mrz", metavar="DOC,BIRTH,EXPIRY")``."""


@dataclass(frozen=True)
class SecureProtocol:
    """A secure protocol as the command line sees it."""

    name: str
    summary: str
    options: tuple[OptionDecorator, ...]
    establish: Establish
    example: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)  # the protocol's own use
    # Runs once the session is installed, inside it (e.g. Keycard's VERIFY PIN).
    after_open: AfterOpen | None = None
    # Runs after the last command of ``send``, before the card is closed (e.g. Keycard's UNPAIR
    # of a pairing that is not stored).
    before_close: AfterOpen | None = None

    def start(self, card: CardCommands, values: dict[str, Any]) -> HostSecureSession:
        """Run the handshake on ``card``, install the session there, then ``after_open``."""
        session = self.establish(card, values)
        card.secure(session)
        if self.after_open is not None:
            self.after_open(card, values)
        return session


PROTOCOLS: dict[str, SecureProtocol] = {}
"""Every registered protocol by name (what ``open NAME`` knows)."""


def register(protocol: SecureProtocol) -> SecureProtocol:
    """Make ``protocol`` known to ``open`` statements; returns it."""
    if not protocol.name or any(c.isspace() for c in protocol.name):
        raise UsageError(f"a secure protocol needs a one-word name, got {protocol.name!r}")
    if protocol.name in PROTOCOLS:
        raise UsageError(f"secure protocol {protocol.name!r} is registered twice")
    PROTOCOLS[protocol.name] = protocol
    return protocol


def protocol_params(protocol: SecureProtocol) -> list[click.Parameter]:
    """The click parameters of the protocol's options, in declaration order."""

    def target(**values: Any) -> None:
        """Only collects the parameters the decorators attach."""

    decorated: Callable[..., Any] = target
    for option in reversed(protocol.options):
        decorated = option(decorated)
    params: list[click.Parameter] = list(getattr(decorated, "__click_params__", []))
    params.reverse()  # decorators attach their parameters bottom-up, as click.command knows
    return params


def parse_options(protocol: SecureProtocol, args: Sequence[str]) -> dict[str, Any]:
    """Parse ``args`` (the words after ``open NAME``) with the protocol's options."""
    parser = click.Command(
        f"open {protocol.name}", params=protocol_params(protocol), add_help_option=False
    )
    try:
        context = parser.make_context(parser.name, list(args))
    except click.ClickException as exc:
        raise UsageError(f"open {protocol.name}: {exc.format_message()}") from exc
    return dict(context.params)


PROTOCOL_MODULES = tuple(
    f"cardwire.cli.{name}_cmd"
    for name in ("bac", "counter", "keycard", "pace", "scp02", "scp03", "scp11")
)
"""The modules that register a protocol; ``open`` imports them (the CLI imports a module only
when one of its commands runs)."""


def load_protocols() -> dict[str, SecureProtocol]:
    """Import every protocol module; returns :data:`PROTOCOLS`."""
    for module in PROTOCOL_MODULES:
        importlib.import_module(module)
    return PROTOCOLS


def _lookup(name: str) -> SecureProtocol:
    protocol = load_protocols().get(name)
    if protocol is None:
        known = ", ".join(sorted(PROTOCOLS)) or "none registered"
        raise UsageError(f"unknown secure protocol {name!r} (known: {known})")
    return protocol


def _split(statement: str | Sequence[str]) -> tuple[SecureProtocol, dict[str, Any]]:
    """The protocol and parsed option values of ``open NAME [options]``; nothing is sent."""
    try:
        words = shlex.split(statement) if isinstance(statement, str) else list(statement)
    except ValueError as exc:  # unbalanced quotes
        raise UsageError(f"open: {exc}") from exc
    if not words:
        known = ", ".join(sorted(load_protocols())) or "none registered"
        raise UsageError(f"open what? one of: {known}")
    name, *args = words
    protocol = _lookup(name)
    return protocol, parse_options(protocol, args)


def check_open(statement: str | Sequence[str]) -> None:
    """Check ``open NAME [options]`` without a card: the protocol is known and its options
    parse (``run`` checks every ``open`` line before it sends anything). Values read at open
    time (a prompt, ``@FILE``, ``env:NAME``) are not read here."""
    _split(statement)


def open_statement(card: CardCommands, statement: str | Sequence[str]) -> HostSecureSession:
    """Run ``open NAME [options]`` (``statement`` is what follows ``open``) on ``card``.

    Any session already held there ends first (handshakes run in plain); the new session is
    installed on ``card`` and returned.
    """
    protocol, values = _split(statement)
    card.secure(None)
    return protocol.start(card, values)


def close_statement(card: CardCommands) -> None:
    """``close``: end the secure session held on ``card`` (nothing is sent to the card)."""
    card.secure(None)


def protocol_command(protocol: SecureProtocol) -> click.Group:
    """The ``cardwire NAME [options] send APDU...`` group for ``protocol``.

    The group parses the protocol's options; its ``send`` subcommand
    (:func:`cardwire.cli.secure_send.send_command`) reads them from the group's context.
    """
    from cardwire.cli.app import CardwireGroup
    from cardwire.cli.secure_send import send_command

    help_text = protocol.summary
    if protocol.example:
        help_text += f"\n\n\b\nExample:\n  {protocol.example}"
    group = CardwireGroup(
        name=protocol.name,
        params=protocol_params(protocol),
        callback=lambda **values: None,
        help=help_text,
        short_help=protocol.summary.split(". ")[0],
    )
    group.add_command(send_command(protocol))
    return group


def add_protocol(protocol: SecureProtocol) -> SecureProtocol:
    """Register ``protocol`` (:func:`register`) and add its ``cardwire NAME`` group to the CLI;
    returns it."""
    from cardwire.cli.app import cli

    cli.add_command(protocol_command(register(protocol)))
    return protocol


def establish_on(card: CardCommands, protocol: SecureProtocol, values: dict[str, Any]) -> None:
    """Run the handshake on ``card`` and install the session there."""
    protocol.start(card, values)


def group_values(context: click.Context) -> dict[str, Any]:
    """The protocol option values parsed by the enclosing ``cardwire NAME`` group."""
    parent = context.parent
    return dict(parent.params) if parent is not None else {}


__all__ = [
    "PROTOCOLS",
    "PROTOCOL_MODULES",
    "Establish",
    "OptionDecorator",
    "SecureProtocol",
    "check_open",
    "close_statement",
    "establish_on",
    "group_values",
    "load_protocols",
    "open_statement",
    "parse_options",
    "protocol_command",
    "protocol_params",
    "register",
]
