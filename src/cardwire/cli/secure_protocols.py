"""One command shape per secure protocol, shared by the CLI, the shell and scripts.

Each protocol (BAC, SCP03, Keycard, PACE) registers a :class:`SecureProtocol`: its click
options (the same names everywhere: ``--mrz``, ``--can``, ``--pin``, ``--keys``, ``--kvn``,
``--level``, ``--pairing-password``) and an ``establish`` function that runs the handshake on a
card or channel and returns the host secure session. From that one registration come:

- ``cardwire NAME [options] send APDU...`` (any reader or ``--sim``), made by
  :func:`protocol_command`;
- ``open NAME [options]`` in ``cardwire shell`` and in APDU scripts, through
  :func:`open_statement`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import click

from cardwire.card import Card, CardCommands
from cardwire.errors import UsageError
from cardwire.sm.base import HostSecureSession

Establish = Callable[[CardCommands, dict[str, Any]], HostSecureSession]
"""Runs the protocol's handshake on ``card`` with the parsed option values; returns the
session (not yet installed: the caller installs it with ``card.secure(session)``)."""

OptionDecorator = Callable[[Callable[..., Any]], Callable[..., Any]]


@dataclass(frozen=True)
class SecureProtocol:
    """A secure protocol as the command line sees it."""

    name: str
    summary: str
    options: tuple[OptionDecorator, ...]
    establish: Establish
    example: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


PROTOCOLS: dict[str, SecureProtocol] = {}


def register(protocol: SecureProtocol) -> SecureProtocol:
    """Make ``protocol`` known to ``open`` statements (the shell, scripts)."""
    if protocol.name in PROTOCOLS:
        raise UsageError(f"secure protocol {protocol.name!r} is registered twice")
    PROTOCOLS[protocol.name] = protocol
    return protocol


def _options_command(protocol: SecureProtocol) -> click.Command:
    """A click command that only parses the protocol's options (for ``open`` statements)."""

    def collect(**values: Any) -> dict[str, Any]:
        return values

    command: Callable[..., Any] = collect
    for option in reversed(protocol.options):
        command = option(command)
    return click.Command(
        name=f"open {protocol.name}",
        callback=command,
        params=getattr(command, "__click_params__", []),
        add_help_option=False,
    )


def parse_options(protocol: SecureProtocol, args: Sequence[str]) -> dict[str, Any]:
    """Parse ``args`` with the protocol's options; a UsageError names the problem."""
    parser = _options_command(protocol)
    try:
        with parser.make_context(parser.name, list(args), resilient_parsing=False) as ctx:
            values: dict[str, Any] = parser.invoke(ctx)
    except click.UsageError as exc:
        raise UsageError(f"open {protocol.name}: {exc.format_message()}") from exc
    return values


def open_statement(card: CardCommands, statement: str | Sequence[str]) -> HostSecureSession:
    """Run ``open NAME [options]`` (the words after ``open``) on ``card`` and install the
    session there; returns it."""
    words = shlex.split(statement) if isinstance(statement, str) else list(statement)
    if not words:
        raise UsageError(f"open what? one of: {', '.join(sorted(PROTOCOLS))}")
    name, *args = words
    protocol = PROTOCOLS.get(name)
    if protocol is None:
        known = ", ".join(sorted(PROTOCOLS)) or "none registered"
        raise UsageError(f"unknown secure protocol {name!r} (known: {known})")
    session = protocol.establish(card, parse_options(protocol, args))
    card.secure(session)
    return session


def close_statement(card: CardCommands) -> None:
    """``close``: end the secure session held on ``card``."""
    card.secure(None)


def protocol_command(protocol: SecureProtocol) -> click.Group:
    """The ``cardwire NAME [options] send APDU...`` group for ``protocol``.

    The group callback stores the option values; ``send`` opens the card (``--reader`` or
    ``--sim``), runs the handshake, sends every APDU through the secure session and prints the
    plain exchanges (``--verbose``: the wire too).
    """
    from cardwire.cli.secure_send import send_command

    def group_callback(**values: Any) -> None:
        click.get_current_context().obj = values

    callback: Callable[..., Any] = group_callback
    for option in reversed(protocol.options):
        callback = option(callback)
    help_text = protocol.summary
    if protocol.example:
        help_text += f"\n\n\b\nExample:\n  {protocol.example}"
    group = click.Group(
        name=protocol.name,
        callback=click.pass_context(lambda ctx, **values: setattr(ctx, "obj", values)),
        params=getattr(callback, "__click_params__", []),
        help=help_text,
    )
    group.add_command(send_command(protocol))
    return group


def establish_on(card: Card, protocol: SecureProtocol, values: dict[str, Any]) -> None:
    """Run the handshake on the basic channel and install the session."""
    card.secure(protocol.establish(card, values))
