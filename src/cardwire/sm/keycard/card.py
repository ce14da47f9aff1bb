"""Card side of the Keycard secure channel: the session the simulated applet installs."""

from __future__ import annotations

from cardwire.apdu import Command, Response
from cardwire.cla import parse_cla
from cardwire.errors import (
    SecureChannelError,
    SessionClosedError,
)
from cardwire.ins import Ins
from cardwire.sm.keycard.codec import KeycardCodec, SessionKeys
from cardwire.sm.keycard.constants import (
    CLA_KEYCARD,
    INS_OPEN_SECURE_CHANNEL,
    INS_PAIR,
    SW_CHANNEL_CLOSED,
    SW_SUCCESS,
)
from cardwire.sm.selection import SessionScope

INS_MANAGE_CHANNEL = Ins.MANAGE_CHANNEL
INS_GET_RESPONSE = Ins.GET_RESPONSE


class KeycardCardSession:
    """Card side of an open channel, for the simulated applet (a ``CardSession``).

    It unwraps every CLA 80 command except OPEN SECURE CHANNEL and PAIR, which the applet takes
    plain (Keycard docs: those two run outside the channel). Any failure raises a
    SecureChannelError with ``card_sw`` 6982 and ends the session: the OS answers 6982 plain.
    """

    #: Keycard APDU docs: SELECT is plain and deselects the applet, ending the channel.
    scope = SessionScope.SELECTION

    def __init__(self, keys: SessionKeys, iv: bytes) -> None:
        self._codec: KeycardCodec | None = KeycardCodec(keys, iv)
        self.authenticated = False  # set by the applet after MUTUALLY AUTHENTICATE

    @property
    def active(self) -> bool:
        return self._codec is not None

    def handles(self, command: Command) -> bool:
        return (
            self._codec is not None
            and command.cla == CLA_KEYCARD
            and command.ins not in (INS_OPEN_SECURE_CHANNEL, INS_PAIR)
        )

    def admits_plain(self, command: Command) -> bool:
        """OPEN SECURE CHANNEL and PAIR (Keycard docs: they run outside the channel), and the
        interindustry MANAGE CHANNEL and GET RESPONSE, which the Java Card runtime serves
        without the applet (Java Card 3 RE spec 4.5, 4.6). Any other plain command, a chained
        piece (CLA 90) included, ends the channel: cardwire's choice (docs/keycard.md)."""
        if command.cla == CLA_KEYCARD:
            return command.ins in (INS_OPEN_SECURE_CHANNEL, INS_PAIR)
        info = parse_cla(command.cla)
        return (
            info.interindustry
            and not info.chaining
            and command.ins in (INS_MANAGE_CHANNEL, INS_GET_RESPONSE)
        )

    def _require(self) -> KeycardCodec:
        if self._codec is None:
            raise SessionClosedError("no Keycard secure channel is open", card_sw=SW_CHANNEL_CLOSED)
        return self._codec

    def unwrap(self, command: Command) -> Command:
        codec = self._require()
        try:
            plain = codec.open_command(command.header, command.data)
        except SecureChannelError:
            self.close()
            raise
        return Command(command.cla, command.ins, command.p1, command.p2, plain)

    def wrap(self, response: Response) -> Response:
        codec = self._require()
        body = codec.seal_response(response.data + response.sw.to_bytes(2, "big"))
        return Response(body, SW_SUCCESS)  # Keycard docs: the outer SW is always 9000

    def close(self) -> None:
        self._codec = None
        self.authenticated = False

    def __repr__(self) -> str:
        return f"KeycardCardSession(active={self.active})"


__all__ = [
    "KeycardCardSession",
]
