"""Running parsed script statements on a card session, one at a time.

The runner keeps the script's state (the channels it opened, the channel in use) and returns
what each statement did as an :class:`Outcome`; the caller prints, counts and decides whether
to go on after a failed expectation. Secure sessions are opened through the ``open_secure`` /
``close_secure`` functions it is given (the CLI gives the protocol registry's), so this module
knows no protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field

from cardwire.apdu import Command, Response
from cardwire.card import Card, CardCommands
from cardwire.channels import Channel
from cardwire.errors import UsageError
from cardwire.hexutil import hex_dump, to_hex
from cardwire.scripting.grammar import (
    CloseChannel,
    CloseSecure,
    OpenChannel,
    OpenSecure,
    Reset,
    SendApdu,
    Statement,
    UseChannel,
)
from cardwire.sw import meaning

OpenSecureFunction = Callable[[CardCommands, Sequence[str]], object]
CloseSecureFunction = Callable[[CardCommands], None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one statement did: lines to show and, for an APDU, the exchange and the verdict."""

    statement: Statement
    lines: tuple[str, ...] = ()
    command: bytes | None = None
    response: Response | None = None
    mismatch: str | None = None
    channel: int | None = None  # open-channel: the number the card gave; channel, close-channel
    atr: bytes | None = None  # reset: the new ATR
    resent_as: bytes | None = None  # an APDU the layers re-sent with another Le (6Cxx)

    @property
    def expectation_met(self) -> bool | None:
        """True/False for an APDU with ``expect``, None otherwise."""
        if not isinstance(self.statement, SendApdu) or self.statement.expect is None:
            return None
        return self.mismatch is None


def exchange_lines(
    command: bytes, response: Response, typed: bytes | None = None
) -> tuple[str, ...]:
    """The exchange as ``cardwire send`` prints it: the command (``typed``, when the layers
    re-sent it as ``command`` after 6Cxx, then the re-sent one), the response with its data and
    status word apart, the data as hex+ASCII, and the status word's meaning."""
    lines = [f"> {to_hex(typed if typed is not None else command)}"]
    if typed is not None and typed != command:
        # ISO/IEC 7816-4:2020 5.6: SW1 = 6C, the command is re-sent with Le = SW2
        lines.append(f"  re-sent as {to_hex(command)} (the card asked for another Le with 6Cxx)")
    data, sw = to_hex(response.data), f"{response.sw:04X}"
    lines.append(f"< {data} {sw}" if data else f"< {sw}")
    lines.extend(hex_dump(response.data, "    "))
    lines.append(f"  {sw} {meaning(response.sw)}")
    return tuple(lines)


def _no_protocols(card: CardCommands, words: Sequence[str]) -> object:
    raise UsageError("secure sessions are not available here")


def _end_session(card: CardCommands) -> None:
    card.secure(None)


@dataclass(eq=False)
class ScriptRunner:
    """Runs statements on ``card``; ``raw`` sends APDUs as they are, bypassing the layers.
    ``channels`` holds the channels the script opened, ``current`` the one APDUs go to."""

    card: Card
    _: KW_ONLY
    raw: bool = False
    open_secure: OpenSecureFunction = _no_protocols
    close_secure: CloseSecureFunction = _end_session
    show_keys: bool = False
    channels: dict[int, Channel] = field(default_factory=dict, init=False)
    current: int = field(default=0, init=False)

    @property
    def target(self) -> CardCommands:
        """The card or channel the next APDU goes to."""
        return self.card if self.current == 0 else self.channels[self.current]

    def run(self, statement: Statement) -> Outcome:
        """Run one statement. Runtime problems (a channel not open, an unknown protocol, a
        handshake refused, the card gone) raise the cardwire error."""
        match statement:
            case SendApdu():
                return self._send(statement)
            case Reset():
                atr = self.card.reset()
                self.channels.clear()
                self.current = 0
                return Outcome(statement, ("> reset", f"< ATR {to_hex(atr)}"), atr=atr)
            case OpenChannel():
                channel = self.target.open_channel()
                self.channels[channel.number] = channel
                return Outcome(
                    statement,
                    ("> open-channel", f"< channel {channel.number} open"),
                    channel=channel.number,
                )
            case UseChannel(number=number):
                self._check_open(number)
                self.current = number
                return Outcome(statement, (f"> channel {number}",), channel=number)
            case CloseChannel(number=number):
                self._check_open(number)
                self.channels.pop(number).close()
                if self.current == number:
                    self.current = 0
                return Outcome(
                    statement,
                    (f"> close-channel {number}", f"< channel {number} closed"),
                    channel=number,
                )
            case OpenSecure():
                channel_in_use = self.current
                self.open_secure(self.target, statement.words)
                shown = " ".join(statement.words) if self.show_keys else statement.protocol
                hidden = "" if self.show_keys else " (options hidden; --show-keys shows them)"
                return Outcome(
                    statement,
                    (f"> open {shown}{hidden}", "< secure session open"),
                    channel=channel_in_use,
                )
            case CloseSecure():
                self.close_secure(self.target)
                return Outcome(statement, ("> close",), channel=self.current)
        raise UsageError(f"not a script statement: {statement!r}")  # pragma: no cover

    def _check_open(self, number: int) -> None:
        if number and number not in self.channels:
            open_ones = ", ".join(str(n) for n in [0, *sorted(self.channels)])
            raise UsageError(f"channel {number} is not open here (open: {open_ones})")

    def _send(self, statement: SendApdu) -> Outcome:
        if self.raw:
            command = statement.apdu
            response = Response.decode(self.target.transmit(command))
        else:
            plain = Command.decode(statement.apdu)
            target = self.target
            if isinstance(target, Channel):
                plain = target.on_channel(plain)
            command = plain.encode()
            response = target.send(plain, check=False)
        mismatch = None if statement.expect is None else statement.expect.mismatch(response)
        lines = exchange_lines(command, response)
        if statement.secret:
            # a named command with a secret (verify REF PIN): the header only, never the PIN
            hidden = f"> {to_hex(command[:4])} <{len(command) - 4} bytes hidden>"
            lines = (hidden, *lines[1:])
            command = command[:4]
        return Outcome(statement, lines, command, response, mismatch)
