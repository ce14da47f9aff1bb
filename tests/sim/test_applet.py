"""cardwire.sim.applet.ConfiguredApplet: one loader and one exporter for the applets built from a
configuration class (cardwire.sim.config_loader)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cardwire.apdu import Command, Response
from cardwire.errors import ConfigError
from cardwire.sim.applet import ChannelContext, ConfiguredApplet


@dataclass(frozen=True, slots=True)
class CounterConfig:
    aid: bytes = bytes.fromhex("F000000001")
    count: int = 0


class CounterApplet(ConfiguredApplet):
    config_type = CounterConfig
    type_name = "counter"

    def __init__(self, config: CounterConfig) -> None:
        self.aid = config.aid
        self.count = config.count

    def settings(self) -> CounterConfig:
        return CounterConfig(self.aid, self.count)

    def new_channel_state(self) -> None:
        return None

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        return Response()

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        self.count += 1
        return Response()


def test_a_section_loads_and_the_state_exports_with_its_type() -> None:
    applet = CounterApplet.from_config({"type": "counter", "aid": "F000000002", "count": 3})
    assert (applet.aid, applet.count) == (bytes.fromhex("F000000002"), 3)
    applet.count = 4
    state = applet.export_state()
    assert state == {"type": "counter", "aid": "F000000002", "count": 4}
    assert CounterApplet.from_config(state).settings() == applet.settings()


def test_unknown_keys_are_refused_by_the_loader() -> None:
    with pytest.raises(ConfigError, match="colour"):
        CounterApplet.from_config({"colour": "red"})
