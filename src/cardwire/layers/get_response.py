"""GET RESPONSE on 61xx: fetch and concatenate the rest of a long answer.

ISO/IEC 7816-4 5.3.4 (response chaining): SW1 = 61 says SW2 more bytes are available (00 means
256 or more) and the interface device fetches them with GET RESPONSE (INS C0, P1-P2 0000, Le =
SW2) on the same logical channel. Under secure messaging the GET RESPONSE commands travel
unprotected and the concatenated answer is unwrapped once, by the layer above.
"""

from __future__ import annotations

from cardwire import commands
from cardwire.apdu import Command, Response
from cardwire.cla import channel_of
from cardwire.errors import TransportError
from cardwire.layers.base import Exchanger, finish
from cardwire.sw import more_data

DEFAULT_MAX_ROUNDS = 256
"""65536 bytes (the largest extended answer) in 256-byte pieces."""


class GetResponsePlan:
    """Sans-IO: send ``command``; while the card answers 61xx, ask for more and concatenate."""

    def __init__(self, command: Command, max_rounds: int = DEFAULT_MAX_ROUNDS) -> None:
        self.command = command
        self.max_rounds = max_rounds
        self.rounds = 0
        self._data = bytearray()
        # GET RESPONSE goes to the channel of the command it continues (ISO 7816-4 5.3.4).
        self._channel = channel_of(command.cla) or 0

    def first(self) -> Command:
        return self.command

    def feed(self, response: Response) -> Command | Response:
        self._data += response.data
        remaining = more_data(response.sw)
        if remaining is None:
            return Response(bytes(self._data), response.sw)
        if self.rounds >= self.max_rounds:
            raise TransportError(
                f"the card still answered {response.sw:04X} after {self.rounds} GET RESPONSE "
                "rounds; giving up"
            )
        self.rounds += 1
        return commands.get_response(remaining, channel=self._channel)


class GetResponseLayer:
    """Runs a :class:`GetResponsePlan` for every command over the layer below."""

    def __init__(self, lower: Exchanger, max_rounds: int = DEFAULT_MAX_ROUNDS) -> None:
        self.lower = lower
        self.max_rounds = max_rounds

    def exchange(self, command: Command) -> Response:
        answer = self.lower.exchange(command)
        if more_data(answer.sw) is None:
            return answer  # the whole answer at once, the usual case: no plan needed
        return finish(GetResponsePlan(command, self.max_rounds), answer, self.lower)
