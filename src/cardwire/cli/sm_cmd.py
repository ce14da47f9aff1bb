"""``cardwire sm protect|unprotect``: ISO/ICAO secure messaging by hand, for debugging.

The SSC given is the counter value *before* the message; the tool increments it first, as ICAO
Doc 9303-11 9.8.2 does. So a command protected with ``--ssc X`` uses X+1 and its response is
unprotected with ``--ssc X+1``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import click

from cardwire.apdu import Command, Response
from cardwire.cli.app import CardwireGroup, cli
from cardwire.cli.output import emit_json, json_option
from cardwire.errors import UsageError
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sm.iso7816 import IsoSmHost, make_suite

_SUITE_HELP = "Cipher suite: 3des (16-byte keys) or aes (key size follows --kenc)."
_SSC_HELP = "Send sequence counter before this message, hex (left-padded with zeros)."


@cli.group("sm", cls=CardwireGroup)
def sm() -> None:
    """ISO 7816-4 / ICAO 9303 secure messaging by hand: protect commands, unprotect responses.

    \b
    Example (ICAO Doc 9303-11 Appendix D.4, SELECT EF.COM):
      cardwire sm protect --suite 3des --kenc 979EC13B1CBFE9DCD01AB0FED307EAE5 \\
        --kmac F1CB1F1FB5ADF208806B89DC579DC1F8 --ssc 887022120C06C226 00A4020C02011E
    """


def _host_session(suite_name: str, kenc: str, kmac: str, ssc: str) -> IsoSmHost:
    """The host side of ISO SM with these keys, the counter left-padded to the suite's width."""
    suite = make_suite(suite_name, parse_hex(kenc), parse_hex(kmac))
    counter = parse_hex(ssc)
    width = suite.ssc_width
    if len(counter) > width:
        raise UsageError(f"--ssc is {len(counter)} bytes; the {suite_name} suite uses {width}")
    return IsoSmHost(suite, counter.rjust(width, b"\x00"))


_Step = Callable[[IsoSmHost, bytes], tuple[str, bytes]]


def _sm_command(name: str, metavar: str) -> Callable[[_Step], click.Command]:
    """An ``sm`` subcommand: ``step`` takes the session (from --suite, --kenc, --kmac, --ssc)
    and the message; it returns the JSON key and the message to print."""

    def decorate(step: _Step) -> click.Command:
        @sm.command(name, help=inspect.getdoc(step))
        @click.argument("hex_parts", metavar=metavar, nargs=-1, required=True)
        @click.option(
            "--suite",
            "suite_name",
            required=True,
            type=click.Choice(["3des", "aes"]),
            help=_SUITE_HELP,
        )
        @click.option("--kenc", required=True, help="Encryption session key, hex.")
        @click.option("--kmac", required=True, help="MAC session key, hex.")
        @click.option("--ssc", required=True, help=_SSC_HELP)
        @json_option()
        def command(
            hex_parts: tuple[str, ...],
            suite_name: str,
            kenc: str,
            kmac: str,
            ssc: str,
            as_json: bool,
        ) -> None:
            session = _host_session(suite_name, kenc, kmac, ssc)
            key, message = step(session, parse_hex(*hex_parts))
            if as_json:  # with the counter after the message
                emit_json({key: to_hex(message), "ssc": to_hex(session.ssc)})
            else:
                click.echo(to_hex(message))

        return command

    return decorate


@_sm_command("protect", "APDU...")
def protect(session: IsoSmHost, apdu: bytes) -> tuple[str, bytes]:
    """Protect a plain command APDU; print the protected APDU.

    \b
    Example (ICAO Doc 9303-11 Appendix D.4, READ BINARY of 4 bytes):
      cardwire sm protect --suite 3des --kenc 979EC13B1CBFE9DCD01AB0FED307EAE5 \\
        --kmac F1CB1F1FB5ADF208806B89DC579DC1F8 --ssc 887022120C06C228 00B0000004
      0CB000000D9701048E08ED6705417E96BA5500
    """
    return "apdu", session.protect(Command.decode(apdu)).encode()


@_sm_command("unprotect", "RESPONSE...")
def unprotect(session: IsoSmHost, response: bytes) -> tuple[str, bytes]:
    """Verify and decrypt a protected response APDU; print data || SW.

    A bad MAC, bad padding, or a plain status word without secure messaging objects is an
    error (exit 1).

    \b
    Example (ICAO Doc 9303-11 Appendix D.4, answer to READ BINARY of 4 bytes):
      cardwire sm unprotect --suite 3des --kenc 979EC13B1CBFE9DCD01AB0FED307EAE5 \\
        --kmac F1CB1F1FB5ADF208806B89DC579DC1F8 --ssc 887022120C06C229 \\
        8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000
      60145F019000
    """
    return "response", session.unprotect(Response.decode(response)).encode()


__all__ = ["sm"]
