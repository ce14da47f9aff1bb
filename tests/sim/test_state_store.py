"""Atomic state files: killing a process that writes card state at random moments always
leaves a file that loads to the state before or after the interrupted write."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from cardwire.apdu import Command, Response
from cardwire.hexutil import parse_hex, to_hex
from cardwire.sim import profile as profiles
from cardwire.sim import state_store
from cardwire.sim.applet import Applet, AppletFactory, ChannelContext
from cardwire.sim.card import SimCard
from cardwire.sim.profile import AppletSpec, CardOptions, Profile

COUNTER_AID = bytes.fromhex("F0000000EE01")
PAYLOAD_REPEAT = 4096  # makes each write large enough to be interrupted half-way


def payload(generation: int) -> str:
    return to_hex(generation.to_bytes(4, "big") * PAYLOAD_REPEAT)


class Counter(Applet):
    """Each command bumps a generation number and commits; the state carries a payload derived
    from the generation, so a torn or mixed file is detected."""

    def __init__(self, generation: int) -> None:
        self.aid = COUNTER_AID
        self.generation = generation

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> Counter:
        return cls(int(section.get("generation", 0)))

    def new_channel_state(self) -> None:
        return None

    def select(self, ctx: ChannelContext, command: Command) -> Response:
        return Response()

    def process(self, ctx: ChannelContext, command: Command) -> Response:
        self.generation += 1
        ctx.card.commit()
        return Response()

    def export_state(self) -> dict[str, Any]:
        return {"generation": self.generation, "payload": payload(self.generation)}


TYPES: dict[str, AppletFactory] = {"counter": Counter.from_section}


def loaded_generation(path: Path) -> int:
    """Load the state file as the card would and check it is one whole state."""
    loaded = profiles.load(path)
    settings = loaded.applets[0].settings
    generation = int(settings["generation"])
    assert settings["payload"] == payload(generation)
    return generation


def test_save_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "state.yaml"
    state_store.save_atomic(path, "one\n")
    state_store.save_atomic(path, "two\n")
    assert state_store.load_text(path) == "two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.yaml"]


def test_save_atomic_failure_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "state.yaml"
    state_store.save_atomic(path, "old\n")
    with pytest.raises(OSError):
        state_store.save_atomic(tmp_path / "missing" / "state.yaml", "new\n")
    assert path.read_text() == "old\n"


def _writer(path: Path) -> None:  # runs in the forked child until killed
    card = SimCard(state_path=path, applet_types=TYPES)
    while True:
        card.process(parse_hex("00100000"))


@pytest.mark.timeout(90)
def test_killing_a_writer_never_leaves_a_broken_state_file(tmp_path: Path) -> None:
    path = tmp_path / "card.yaml"
    start = Profile(
        CardOptions(),
        (AppletSpec("counter", COUNTER_AID, {"generation": 0, "payload": payload(0)}),),
    )
    profiles.save(path, start)
    chooser = random.Random(7816)
    kills = 0
    highest = 0
    deadline = time.monotonic() + 30
    while kills < 300 and time.monotonic() < deadline:
        pid = os.fork()
        if pid == 0:  # child: write states until killed
            try:
                _writer(path)
            finally:
                os._exit(0)
        time.sleep(chooser.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status)
        kills += 1
        generation = loaded_generation(path)
        assert generation >= highest  # the old state or a newer one, never older
        highest = generation
    assert kills >= 300
    assert highest > 0  # the writers did make progress between kills
    # Some kills landed between creating and renaming a temporary file: the window this test
    # is about was really hit (about half of the kills do, on a typical machine).
    assert any(tmp_path.glob(".card.yaml.*.tmp"))
