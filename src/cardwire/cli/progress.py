"""Progress on stderr for long work (issue 18; docs/cli.md, "Conventions", Progress).

Bars are shown whenever stderr is a terminal, also with stdout redirected to a file or a pipe
(which stays plain, ``--json`` included), and never when stderr is not a terminal. They are
transient (gone when the work ends) and rich is imported only when a bar is shown. Who shows
what:

- ``run`` and ``send``: one bar over the APDUs when there are at least
  :data:`PROGRESS_MIN_APDUS` of them (:func:`apdu_bar`);
- ``send``: the bytes of one answer arriving through GET RESPONSE, once the card says 256 bytes
  or more are still to come (:class:`AnswerBar`);
- the shell's ``cat`` and ``get``: the bytes of a whole-file read, from its second APDU on
  (:func:`file_read_bar`, fed by the library's
  :data:`cardwire.card.ReadProgress` callback);
- ``passport read``: a bar per large file (:class:`FileBars`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from cardwire.card import ReadProgress
from cardwire.trace.recorder import TraceEntry

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

PROGRESS_MIN_APDUS = 50
"""Scripts (and ``send`` command lines) with at least this many APDUs get a bar over them."""

MORE_DATA = 0x61  # ISO/IEC 7816-4:2020 5.3.4: SW1 61, SW2 more bytes (00: 256 or more)


def wants_progress_bar(stderr_is_terminal: bool, apdus: int) -> bool:
    """A bar over the APDUs of long work whenever stderr is a terminal, even with stdout (the
    exchanges, or the --json document) redirected: the bar is on stderr."""
    return stderr_is_terminal and apdus >= PROGRESS_MIN_APDUS


class StderrProgress:
    """Bars on stderr: nothing is drawn (nor rich imported) before the first :meth:`add`;
    :meth:`close` clears them. Disabled (every call does nothing) when not ``enabled``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Progress | None = None
        self._tasks: dict[TaskID, tuple[str, int | None]] = {}  # unit, total

    def _started(self) -> Progress:
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn

            # stdout on the same terminal: its lines go above the bars; redirected: to it as is
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[count]}"),
                console=Console(stderr=True),
                transient=True,
                redirect_stdout=sys.stdout.isatty(),
                redirect_stderr=False,
            )
            self._progress.start()
        return self._progress

    def add(self, label: str, total: int | None, unit: str, done: int = 0) -> TaskID | None:
        """A new bar at ``done`` (None when disabled); ``total`` None: not known yet."""
        if not self.enabled:
            return None
        count = _count(done, total, unit)
        task = self._started().add_task(label, total=total, completed=done, count=count)
        self._tasks[task] = (unit, total)
        return task

    def update(self, task: TaskID | None, done: int, total: int | None = None) -> None:
        """``done`` so far; ``total`` when it became known (None: as before)."""
        if task is None or self._progress is None or task not in self._tasks:
            return
        unit, known = self._tasks[task]
        known = known if total is None else total
        self._tasks[task] = (unit, known)
        self._progress.update(task, completed=done, total=known, count=_count(done, known, unit))

    def remove(self, task: TaskID | None) -> None:
        if task is not None and self._progress is not None and task in self._tasks:
            del self._tasks[task]
            self._progress.remove_task(task)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._tasks.clear()


def _count(done: int, total: int | None, unit: str) -> str:
    return f"{done} {unit}" if total is None else f"{done}/{total} {unit}"


@contextmanager
def stderr_progress(enabled: bool | None = None) -> Iterator[StderrProgress]:
    """Bars on stderr for the ``with`` block; ``enabled`` None: when stderr is a terminal."""
    bars = StderrProgress(sys.stderr.isatty() if enabled is None else enabled)
    try:
        yield bars
    finally:
        bars.close()


def apdu_bar(bars: StderrProgress, apdus: int) -> Callable[[], None]:
    """Advance by one APDU: a bar over ``apdus`` when :func:`wants_progress_bar`, else nothing."""
    if not wants_progress_bar(bars.enabled, apdus):
        return lambda: None
    task = bars.add("APDUs", apdus, unit="APDUs")
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        bars.update(task, done)

    return advance


class ReadBar:
    """A :data:`~cardwire.card.ReadProgress` for one whole-file read: the bar appears at the
    read's second APDU (a one-APDU read shows nothing)."""

    def __init__(self, bars: StderrProgress, label: str) -> None:
        self.bars = bars
        self.label = label
        self.calls = 0
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int | None) -> None:
        self.calls += 1
        if self.calls < 2:
            return
        if self.task is None:
            self.task = self.bars.add(self.label, total, unit="bytes", done=done)
        else:
            self.bars.update(self.task, done, total)


@contextmanager
def file_read_bar(label: str) -> Iterator[ReadProgress]:
    """The progress callback for one whole-file read, shown on stderr when it is a terminal."""
    with stderr_progress() as bars:
        yield ReadBar(bars, label)


class AnswerBar:
    """The bytes of one command's answer as they come on the wire (a ``send`` wire listener):
    shown once the card answers ``6100`` (256 bytes or more still to come, ISO/IEC 7816-4:2020
    5.3.4), so an answer fetched with one short GET RESPONSE shows nothing."""

    def __init__(self, bars: StderrProgress) -> None:
        self.bars = bars
        self.received = 0
        self.task: TaskID | None = None

    def on_wire(self, entry: TraceEntry) -> None:
        if len(entry.response) < 2:
            return  # not an answer: the layers above refuse it
        data, sw = entry.response[:-2], entry.response[-2:]
        self.received += len(data)
        if self.task is None and sw == bytes((MORE_DATA, 0x00)):
            self.task = self.bars.add("answer", None, unit="bytes", done=self.received)
        else:
            self.bars.update(self.task, self.received)

    def end_command(self) -> None:
        """The command's answer is complete: its bar goes."""
        self.bars.remove(self.task)
        self.task = None
        self.received = 0


class FileBars:
    """A bar per file of a read of several files (``passport read``: the callback of
    :func:`cardwire.passport.reader.read_passport`), for files of ``from_size`` bytes or more;
    each bar goes when its file is read."""

    def __init__(self, bars: StderrProgress, from_size: int) -> None:
        self.bars = bars
        self.from_size = from_size
        self.tasks: dict[str, TaskID | None] = {}

    def __call__(self, name: str, done: int, total: int) -> None:
        if total < self.from_size:
            return
        if name not in self.tasks:
            self.tasks[name] = self.bars.add(name, total, unit="bytes", done=done)
        else:
            self.bars.update(self.tasks[name], done, total)
        if done >= total:
            self.bars.remove(self.tasks[name])
