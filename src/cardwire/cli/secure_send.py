"""``cardwire NAME [options] send APDU...``: APDUs through a secure session (any protocol).

The command opens the card (``--reader`` or ``--sim``), runs the protocol's handshake, sends
each APDU through the session and prints the plain exchanges; ``--verbose`` adds what went over
the wire (handshake included), on stderr. ``--json`` prints one array, one object per APDU,
with the keys of ``cardwire send --json`` for the plain exchange (``command`` as given,
``response``, ``data``, ``sw``) plus ``protected_command`` and ``protected_response`` (the last
protected pair the session produced and checked for it; ``null`` when the APDU went out plain
because the session had ended) and ``wire`` (every exchange on the wire: ``command``, ``response``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import click

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.cli.output import check_option, emit_json, json_option
from cardwire.cli.secure_protocols import SecureProtocol, group_values
from cardwire.cli.target import (
    CardTarget,
    Disconnect,
    leave_option,
    open_card,
    reset_option,
    target_options,
)
from cardwire.hexutil import to_hex
from cardwire.scripting.runner import exchange_lines
from cardwire.sm.base import HostSecureSession
from cardwire.sw import check


class RecordingSession:
    """A :class:`HostSecureSession` that remembers the last protected command and response."""

    def __init__(self, session: HostSecureSession) -> None:
        self.session = session
        # The wrapped session's SELECT rule (cardwire.sm.selection), None when it declares none.
        self.scope: object = getattr(session, "scope", None)
        self.protected_command: Command | None = None
        self.protected_response: Response | None = None

    @property
    def active(self) -> bool:
        return self.session.active

    @property
    def max_payload(self) -> int:
        return self.session.max_payload

    def protect(self, command: Command) -> Command:
        self.protected_command = self.session.protect(command)
        return self.protected_command

    def unprotect(self, response: Response) -> Response:
        self.protected_response = response
        return self.session.unprotect(response)

    def close(self) -> None:
        self.session.close()

    def forget(self) -> None:
        self.protected_command = self.protected_response = None


@dataclass
class SecureExchange:
    """One APDU from the command line: plain exchange, protected pair and wire exchanges."""

    command: bytes
    response: Response
    protected_command: Command | None = None
    protected_response: Response | None = None
    wire: list[tuple[bytes, bytes]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "command": to_hex(self.command),
            "response": to_hex(self.response.encode()),
            "data": to_hex(self.response.data),
            "sw": f"{self.response.sw:04X}",
            "protected_command": None
            if self.protected_command is None
            else to_hex(self.protected_command.encode()),
            "protected_response": None
            if self.protected_response is None
            else to_hex(self.protected_response.encode()),
            "wire": [{"command": to_hex(c), "response": to_hex(r)} for c, r in self.wire],
        }


def parse_apdus(texts: tuple[str, ...]) -> list[Command]:
    """Each argument is one command APDU in hex (any case, spaces and colons allowed)."""
    from cardwire.cli.send_cmd import parse_apdus as parse_plain

    # the same rules as `cardwire send` (a spaced APDU pasted without quotes is joined)
    return [Command.decode(apdu) for apdu in parse_plain(texts, raw=False)]


def _wire_lines(entries: list[tuple[bytes, bytes]]) -> list[str]:
    lines = []
    for command, response in entries:
        lines.append(f"  wire > {to_hex(command)}")
        lines.append(f"  wire < {to_hex(response)}")
    return lines


def run_secure_send(
    protocol: SecureProtocol,
    values: dict[str, Any],
    card: Card,
    commands: list[Command],
    echo: Any,
) -> list[SecureExchange]:
    """Handshake on ``card`` (which records a trace), then every command through the session.

    ``echo(line)`` is called for the handshake's wire lines (when verbose output is wanted the
    caller passes ``click.echo``, else a no-op).
    """
    assert card.trace is not None
    recorder = card.trace
    session = RecordingSession(protocol.establish(card, values))
    card.secure(session, close_previous=False)  # the recorder wraps what establish installed
    if protocol.after_open is not None:
        protocol.after_open(card, values)
    echo(f"# {protocol.name} session established")
    for line in _wire_lines([(e.command, e.response) for e in recorder.entries]):
        echo(line)
    exchanges = []
    for command in commands:
        start = len(recorder.entries)
        session.forget()
        response = card.send(command, check=False)
        wire = [(e.command, e.response) for e in recorder.entries[start:]]
        exchanges.append(
            SecureExchange(
                command.encode(),
                response,
                session.protected_command,
                session.protected_response,
                wire,
            )
        )
    if protocol.before_close is not None:
        protocol.before_close(card, values)
    return exchanges


def send_command(protocol: SecureProtocol) -> click.Command:
    """The ``send`` subcommand of ``cardwire NAME`` for ``protocol``."""

    @click.command("send")
    @click.argument("apdus", nargs=-1, required=True, metavar="APDU...")
    @target_options
    @click.option("--verbose", "-v", is_flag=True, help="Also show every exchange on the wire.")
    @check_option
    @json_option("Print a JSON array of the exchanges.")
    @reset_option
    @leave_option
    def send(
        apdus: tuple[str, ...],
        target: CardTarget,
        verbose: bool,
        check_sw: bool,
        as_json: bool,
        reset: bool,
        leave: bool,
    ) -> None:
        values = group_values(click.get_current_context())
        commands = parse_apdus(apdus)

        # --verbose goes to stderr (docs/cli.md, Conventions): stdout stays the same
        def show(line: str) -> None:
            if verbose:
                click.echo(line, err=True)

        disconnect = Disconnect(leave=leave, secure=True)
        with open_card(target, trace=True, reset=reset, disconnect=disconnect) as card:
            exchanges = run_secure_send(protocol, values, card, commands, show)
        if as_json:
            emit_json([item.to_json() for item in exchanges])
        else:
            for item in exchanges:
                for line in _wire_lines(item.wire):
                    show(line)
                for line in exchange_lines(item.command, item.response):
                    click.echo(line)
        if check_sw:
            for item in exchanges:
                check(item.response.sw, Command.decode(item.command))
        sys.stdout.flush()

    example = protocol.example or f"cardwire {protocol.name} [options] send --sim APDU..."
    send.help = (
        f"Run the {protocol.name} handshake, then send each command APDU (hex, one per "
        "argument) through the secure session and print the plain exchanges.\n\n"
        "The protocol's options go before 'send'; the card (--sim or --reader) after it. "
        "Exit 0 when every APDU got an answer, whatever its status word; with --check an "
        "error status word exits 1. A refused handshake or a MAC failure exits 1. The card "
        "is reset when the command ends, so that its secure session ends with the program "
        "(--leave keeps it).\n\n"
        f"\b\nExample:\n  {example}"
    )
    return send


__all__ = ["RecordingSession", "SecureExchange", "parse_apdus", "run_secure_send", "send_command"]
