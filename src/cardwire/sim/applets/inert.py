"""The inert applet: what the simulated card installs from a package that names no built-in
applet (docs/gp.md, "load, install").

The simulator cannot run Java Card bytecode. An instance installed from a loaded CAP file whose
package AID is not a built-in applet's is still created, as GPC 11.5 says an INSTALL [for
install and make selectable] does: it is in the registry (GET STATUS lists it with its load
file), it can be locked, deleted and selected (SELECT answers 9000, no data), and every other
command answers the fixed status word :data:`INERT_SW`, 6A81 "function not supported"
(ISO/IEC 7816-4:2020 5.6, table 6). Its section records the load file and module it came from
(the per-instance load file record of the GP Registry, GPC 9.1), so the card's state file keeps
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from cardwire.apdu import Command, Response
from cardwire.sim.applet import Applet, CardStatus, ChannelContext
from cardwire.sim.config_loader import export, load, without_type
from cardwire.sw import SW

TYPE_NAME = "inert"
INERT_SW = SW.FUNCTION_NOT_SUPPORTED  # 6A81, the answer to every command but SELECT


@dataclass(frozen=True)
class InertConfig:
    """An inert instance's section: its AID and the load file and module it was installed
    from (placeholders in the default configuration, which no profile uses as is)."""

    aid: bytes = b"\xf0inert"
    load_file: bytes = b"\xf0inert"
    module: bytes = b"\xf0inert"


def default_config() -> dict[str, Any]:
    return export(InertConfig())


class InertApplet(Applet):
    """Selectable; answers :data:`INERT_SW` to everything else."""

    def __init__(self, config: InertConfig) -> None:
        self.aid = config.aid
        self.load_file = config.load_file
        self.module = config.module

    @classmethod
    def from_config(cls, section: Mapping[str, object]) -> Self:
        return cls(load(InertConfig, without_type(section)))

    def new_channel_state(self) -> None:
        return None

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        return Response()

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        raise CardStatus(INERT_SW)

    def export_state(self) -> dict[str, Any]:
        return {}  # nothing changes: the section written at INSTALL stays
