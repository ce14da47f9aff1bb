"""The echo applet: answers INS 00 with its command data and 9000 (a test and demo aid).

It is *not* multiselectable, so selecting it on a second channel exercises the 6985 rule
(ISO 7816-4:2020 5.4.2 / Java Card 3 Runtime Environment Specification 4.2: an application
that is not multiselectable may be current on one logical channel only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from cardwire.apdu import Command, Response
from cardwire.sim.applet import Applet, CardStatus, ChannelContext
from cardwire.sim.config_loader import export, load, without_type
from cardwire.sw import SW

ECHO_INS = 0x00
_FCI_TEMPLATE = 0x6F  # ISO 7816-4:2020 7.4.1, table 12
_DF_NAME = 0x84


ECHO_AID = bytes.fromhex("F0636172647769726503")  # F0 "cardwire" 03


@dataclass(frozen=True)
class EchoConfig:
    """The echo applet's profile section: its AID only."""

    aid: bytes = ECHO_AID


def default_config() -> dict[str, Any]:
    """The echo applet's section in the default profile (it has no configuration of its own)."""
    return export(EchoConfig())


class EchoApplet(Applet):
    """Echoes the data of INS 00; every other INS answers 6D00."""

    multiselectable = False

    def __init__(self, aid: bytes) -> None:
        self.aid = aid

    @classmethod
    def from_config(cls, section: Mapping[str, object]) -> Self:
        return cls(load(EchoConfig, without_type(section)).aid)

    def new_channel_state(self) -> None:
        return None

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        # ISO 7816-4:2020 11.2.2, table 63: P2 b4-b3 = 11 asks for no response data.
        if command.p2 & 0x0C == 0x0C:
            return Response()
        name = bytes((_DF_NAME, len(self.aid))) + self.aid
        return Response(bytes((_FCI_TEMPLATE, len(name))) + name)

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        if command.ins != ECHO_INS:
            raise CardStatus(SW.INS_NOT_SUPPORTED)
        return Response(command.data)

    def export_state(self) -> dict[str, Any]:
        return {}  # nothing changes on the card: the profile's section stays as written
