"""``cardwire send``: send APDUs to a card and print each exchange with its status word.

The APDUs go through the host session (:class:`cardwire.card.Card`) and its layers: after 61xx
the GET RESPONSE layer fetches the rest, after 6Cxx the wrong-Le layer re-sends the command with
Le = xx (ISO/IEC 7816-4:2020 5.3.4 and 5.6), and data too long for one APDU are chained.
``--raw`` bypasses the layers: each APDU goes on the wire as it is, once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import click

from cardwire.apdu import Command, Response
from cardwire.card import Card
from cardwire.cli.app import cli
from cardwire.cli.output import check_option, emit_json, json_option
from cardwire.cli.progress import AnswerBar, apdu_bar, stderr_progress
from cardwire.cli.target import (
    CardTarget,
    open_card,
    reset_option,
    target_options,
    verbose_option,
    wire_printer,
)
from cardwire.errors import DecodeError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.scripting.runner import exchange_lines
from cardwire.sw import check
from cardwire.trace.recorder import TraceEntry

_SEPARATORS = re.compile(r"[\s:]+")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One APDU from the command line and the card's (reassembled) answer: ``command`` as
    typed, ``sent`` as the layers finally sent it (another Le after 6Cxx)."""

    command: bytes
    response: Response
    sent: bytes | None = None

    @property
    def resent_as(self) -> bytes | None:
        """The re-sent command when the layers re-sent it with another Le, else None."""
        return self.sent if self.sent is not None and self.sent != self.command else None


def as_sent(command: Command, wire: Sequence[TraceEntry]) -> Command:
    """``command`` as the layers finally sent it: after 6Cxx it was re-sent with the Le the
    card asked for (ISO/IEC 7816-4:2020 5.6, SW1 = 6C); ``wire`` is what went on the wire."""
    if len(wire) < 2 or wire[0].response[-2:-1] != b"\x6c":
        return command
    try:
        sent = Command.decode(wire[1].command)
    except DecodeError:
        return command
    same = (sent.cla, sent.ins, sent.p1, sent.p2, sent.data)
    return (
        sent
        if same == (command.cla, command.ins, command.p1, command.p2, command.data)
        else command
    )


def exchange(card: Card, apdu: bytes, wire: list[TraceEntry], *, raw: bool) -> Exchange:
    """Send one APDU: as it is when ``raw``, else through the card's layers."""
    wire.clear()
    if raw:
        return Exchange(apdu, Response.decode(card.transmit(apdu)))
    command = Command.decode(apdu)
    response = card.send(command, check=False)
    sent = as_sent(command, wire)
    return Exchange(apdu, response, sent.encode())


HEADER_LENGTH = 4  # ISO/IEC 7816-3 12.1: CLA INS P1 P2, the shortest command APDU


def apdu_arguments(texts: Sequence[str]) -> list[str]:
    """The APDU arguments, with a spaced APDU pasted without quotes (``00 A4 04 00``: every
    argument one byte) joined back into one APDU, as ``decode apdu`` joins its arguments."""
    if len(texts) >= HEADER_LENGTH and all(len(_SEPARATORS.sub("", t)) == 2 for t in texts):
        return [" ".join(texts)]
    return list(texts)


def parse_apdus(texts: Sequence[str], *, raw: bool) -> list[bytes]:
    """Every APDU argument as bytes, checked before anything is sent (``raw``: hex only).
    An argument too short to be an APDU, among several, is most likely part of a spaced APDU
    pasted without quotes: the error says to quote it."""
    texts = apdu_arguments(texts)
    apdus = []
    for number, text in enumerate(texts, start=1):
        try:
            apdu = parse_hex(text)
            if len(texts) > 1 and len(apdu) < HEADER_LENGTH:
                size = f"{len(apdu)} byte" + ("s are" if len(apdu) != 1 else " is")
                raise DecodeError(
                    f"{size} not a command APDU; an APDU with spaces is one argument: "
                    'quote it ("00 A4 04 00 ...")'
                )
            if not raw:
                Command.decode(apdu)
        except DecodeError as exc:
            raise DecodeError(f"APDU {number}: {exc}") from exc
        apdus.append(apdu)
    return apdus


def _exchange_document(item: Exchange) -> dict[str, str | None]:
    resent = item.resent_as
    return {
        "command": to_hex(item.command),
        "resent_as": None if resent is None else to_hex(resent),
        "response": to_hex(item.response.encode()),
        "data": to_hex(item.response.data),
        "sw": f"{item.response.sw:04X}",
    }


@cli.command("send")
@click.argument("apdus", nargs=-1, required=True, metavar="APDU...")
@target_options
@click.option("--raw", is_flag=True, help="No layers: no GET RESPONSE, no re-send, no chaining.")
@check_option
@json_option("Print a JSON array of the exchanges.")
@verbose_option
@reset_option
def send(
    apdus: tuple[str, ...],
    target: CardTarget,
    raw: bool,
    check_sw: bool,
    as_json: bool,
    verbose: bool,
    reset: bool,
) -> None:
    """Send command APDUs (hex, one per argument) to the card, all in one session.

    Each exchange is printed: the command, the answer's data and status word apart, the data
    as hex+ASCII, the status word's meaning, and a note when the command was re-sent with
    the Le the card asked for (6Cxx). Exit 0 when every APDU got an
    answer, whatever its status word; with --check an error status word exits 1. Without
    --reader or --sim the only PC/SC reader is used.

    \b
    Example:
      cardwire send --sim 00A4040C0AF0636172647769726501 00B0000000
      cardwire send --sim --json "00 20 00 01 04 31 32 33 34" 0020000100
      cardwire send --reader 0 --trace select.trace 00A4040000
    """
    commands = parse_apdus(apdus, raw=raw)
    wire: list[TraceEntry] = []
    show_wire = wire_printer(lambda line: click.echo(line, err=True)) if verbose else None
    exchanges = []
    with stderr_progress() as bars:  # on stderr when a terminal (docs/cli.md, Progress)
        answer = AnswerBar(bars)

        def on_wire(entry: TraceEntry) -> None:
            wire.append(entry)
            if show_wire is not None:
                show_wire(entry)
            if not raw:  # --raw: a 61xx is the answer, nothing more comes
                answer.on_wire(entry)

        with open_card(target, on_wire=on_wire, reset=reset) as card:
            advance = apdu_bar(bars, len(commands))
            for apdu in commands:
                item = exchange(card, apdu, wire, raw=raw)
                answer.end_command()
                advance()
                exchanges.append(item)
                if not as_json:
                    sent = item.sent if item.sent is not None else item.command
                    for line in exchange_lines(sent, item.response, item.command):
                        click.echo(line)
    if as_json:
        emit_json([_exchange_document(item) for item in exchanges])
    if check_sw:
        for item in exchanges:
            try:
                failing: Command | None = Command.decode(item.command)
            except DecodeError:
                failing = None
            check(item.response.sw, failing)
