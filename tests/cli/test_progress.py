"""cardwire.cli.progress: when a bar is shown and what it is fed (the drawing itself is checked
through a pty in test_run_cmd, test_send_cmd and test_shell_cmd)."""

from __future__ import annotations

import io
import sys

import pytest
from rich.progress import TaskID

from cardwire.cli.progress import (
    PROGRESS_MIN_APDUS,
    AnswerBar,
    FileBars,
    ReadBar,
    StderrProgress,
    apdu_bar,
    stderr_progress,
    wants_progress_bar,
)
from cardwire.trace.recorder import TraceEntry

Event = tuple[object, ...]


class RecordedBars(StderrProgress):
    """What a bar would be asked to draw."""

    def __init__(self, enabled: bool = True) -> None:
        super().__init__(enabled)
        self.events: list[Event] = []

    def add(self, label: str, total: int | None, unit: str, done: int = 0) -> TaskID | None:
        if not self.enabled:
            return None
        self.events.append(("add", label, done, total, unit))
        return TaskID(len(self.events))

    def update(self, task: TaskID | None, done: int, total: int | None = None) -> None:
        if task is not None:
            self.events.append(("update", done, total))

    def remove(self, task: TaskID | None) -> None:
        if task is not None:
            self.events.append(("remove",))


def answer(response: str) -> TraceEntry:
    return TraceEntry(bytes.fromhex("00C0000000"), bytes.fromhex(response), 0.0, 0.0)


@pytest.mark.parametrize(
    ("stderr_terminal", "apdus", "bar"),
    [
        (True, PROGRESS_MIN_APDUS, True),
        (True, PROGRESS_MIN_APDUS - 1, False),
        (False, 10 * PROGRESS_MIN_APDUS, False),
    ],
)
def test_a_bar_over_the_apdus_only_for_long_work_when_stderr_is_a_terminal(
    stderr_terminal: bool, apdus: int, bar: bool
) -> None:
    assert wants_progress_bar(stderr_terminal, apdus) is bar
    bars = RecordedBars(stderr_terminal)
    advance = apdu_bar(bars, apdus)
    advance()
    expected = [("add", "APDUs", 0, apdus, "APDUs"), ("update", 1, None)] if bar else []
    assert bars.events == expected


@pytest.mark.parametrize("terminal", [True, False])
def test_stderr_progress_follows_whether_stderr_is_a_terminal(
    monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(stream, "isatty", lambda: terminal)
    monkeypatch.setattr(sys, "stderr", stream)
    with stderr_progress() as bars:
        assert bars.enabled is terminal


def test_a_disabled_bar_draws_nothing() -> None:
    bars = StderrProgress(False)
    task = bars.add("APDUs", 10, unit="APDUs")
    bars.update(task, 5)
    bars.close()
    assert task is None


def test_a_read_bar_appears_at_the_second_read_binary() -> None:
    bars = RecordedBars()
    read = ReadBar(bars, "EF 5006")
    read(256, 40000)
    assert bars.events == []  # a one-APDU read shows nothing
    read(512, 40000)
    read(600, 600)  # the last call gives the total
    assert bars.events == [
        ("add", "EF 5006", 512, 40000, "bytes"),
        ("update", 600, 600),
    ]


def test_an_answer_bar_appears_at_6100_and_goes_with_the_command() -> None:
    bars = RecordedBars()
    bar = AnswerBar(bars)
    bar.on_wire(answer("61C8"))  # 200 bytes to come: one GET RESPONSE, no bar
    bar.on_wire(answer("41" * 200 + "9000"))
    bar.end_command()
    assert bars.events == []
    bar.on_wire(answer("6100"))  # 256 bytes or more to come
    bar.on_wire(answer("41" * 256 + "6190"))
    bar.on_wire(answer("41" * 144 + "9000"))
    bar.end_command()
    assert bars.events == [
        ("add", "answer", 0, None, "bytes"),
        ("update", 256, None),
        ("update", 400, None),
        ("remove",),
    ]
    assert (bar.received, bar.task) == (0, None)


def test_an_answer_bar_ignores_what_is_not_an_answer() -> None:
    bars = RecordedBars()
    bar = AnswerBar(bars)
    bar.on_wire(answer("61"))
    assert (bars.events, bar.received) == ([], 0)


def test_file_bars_show_large_files_only_each_until_it_is_read() -> None:
    bars = RecordedBars()
    files = FileBars(bars, 4096)
    files("DG1", 93, 93)  # small: no bar
    files("DG2", 4100, 5540)
    files("DG2", 5540, 5540)
    assert bars.events == [
        ("add", "DG2", 4100, 5540, "bytes"),
        ("update", 5540, 5540),
        ("remove",),
    ]
