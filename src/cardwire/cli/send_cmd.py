"""``cardwire send``: send APDUs to a card and print each exchange with its status word.

A minimal host loop for now (the host-session layers will replace it): after 61xx it fetches the
rest with GET RESPONSE, after 6Cxx it re-sends the command with Le = xx (ISO 7816-4:2020 5.3.4,
ISO 7816-3:2006 10.3.3), unless ``--raw``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from cardwire.apdu import MAX_SHORT_NE, Command, Response
from cardwire.cla import parse_cla, with_chaining, with_secure_messaging
from cardwire.cli.app import cli
from cardwire.cli.output import emit_json
from cardwire.errors import DecodeError, UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.ins import Ins
from cardwire.sim.card import SimCard
from cardwire.sw import check, meaning

# 65536 bytes in 256-byte pieces, with room to spare: a card that never stops is cut off.
MAX_GET_RESPONSE_ROUNDS = 300


@dataclass(frozen=True, slots=True)
class Exchange:
    """One APDU from the command line and the card's (reassembled) answer."""

    command: bytes
    response: Response


def _get_response_cla(cla: int) -> int:
    """GET RESPONSE uses the command's class on the same channel, without SM or chaining."""
    parsed = parse_cla(cla)
    if not (parsed.interindustry or parsed.gp):
        return cla
    return with_secure_messaging(with_chaining(cla, False), False)


def exchange(card: SimCard, apdu: bytes, *, raw: bool) -> Exchange:
    """Send one APDU; unless ``raw``, follow 6Cxx once and 61xx until the answer is whole."""
    response = Response.decode(card.process(apdu))
    if raw:
        return Exchange(apdu, response)
    command = Command.decode(apdu)
    if response.sw1 == 0x6C:  # wrong Le: re-send with Le = SW2 (00 means 256)
        command = command.replace(ne=response.sw2 or MAX_SHORT_NE)
        response = Response.decode(card.process(command.encode()))
    data = bytearray(response.data)
    rounds = 0
    while response.sw1 == 0x61 and rounds < MAX_GET_RESPONSE_ROUNDS:
        get_response = Command(
            _get_response_cla(command.cla), Ins.GET_RESPONSE, ne=response.sw2 or MAX_SHORT_NE
        )
        response = Response.decode(card.process(get_response.encode()))
        data += response.data
        rounds += 1
    return Exchange(command.encode(), Response(bytes(data), response.sw))


def _parse_apdus(texts: tuple[str, ...], *, raw: bool) -> list[bytes]:
    apdus = []
    for number, text in enumerate(texts, start=1):
        try:
            apdu = parse_hex(text)
            if not raw:
                Command.decode(apdu)
        except DecodeError as exc:
            raise DecodeError(f"APDU {number}: {exc}") from exc
        apdus.append(apdu)
    return apdus


@cli.command("send")
@click.argument("apdus", nargs=-1, required=True, metavar="APDU...")
@click.option("--sim", "use_sim", is_flag=True, help="Use the simulated card in this process.")
@click.option(
    "--profile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Card profile for --sim (YAML or JSON); default: the built-in card.",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Card state file for --sim: loaded if it exists, saved after every change.",
)
@click.option("--raw", is_flag=True, help="No GET RESPONSE after 61xx, no re-send after 6Cxx.")
@click.option("--check", "check_sw", is_flag=True, help="Exit 1 if any status word is an error.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of the exchanges.")
def send(
    apdus: tuple[str, ...],
    use_sim: bool,
    profile: Path | None,
    state: Path | None,
    raw: bool,
    check_sw: bool,
    as_json: bool,
) -> None:
    """Send command APDUs (hex, one per argument) to the card, all in one session.

    Each exchange is printed with the status word's meaning. Exit 0 when every APDU got an
    answer, whatever its status word; with --check an error status word exits 1.

    \b
    Example:
      cardwire send --sim 00A4040C0AF0636172647769726501 00B0000000
      cardwire send --sim --json "00 20 00 01 04 31 32 33 34" 0020000100
    """
    if not use_sim:
        raise UsageError("no card chosen: use --sim (PC/SC readers come with --reader later)")
    commands = _parse_apdus(apdus, raw=raw)
    card = SimCard.from_files(profile, state)
    exchanges = [exchange(card, apdu, raw=raw) for apdu in commands]
    if as_json:
        emit_json(
            [
                {
                    "command": to_hex(item.command),
                    "response": to_hex(item.response.encode()),
                    "data": to_hex(item.response.data),
                    "sw": f"{item.response.sw:04X}",
                }
                for item in exchanges
            ]
        )
    else:
        for item in exchanges:
            click.echo(f"> {to_hex(item.command)}")
            click.echo(f"< {to_hex(item.response.encode())}")
            click.echo(f"  {item.response.sw:04X} {meaning(item.response.sw)}")
    if check_sw:
        for item in exchanges:
            try:
                failing: Command | None = Command.decode(item.command)
            except DecodeError:
                failing = None
            check(item.response.sw, failing)
