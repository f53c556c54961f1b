"""Showing progress: a bar with rate and time left on a terminal, plain periodic lines in a log.

Commands call `command_progress(self, options)`; scripts (the benchmarks) call `progress_for(stream)`.
Both write to stderr, never stdout, so the output that scripts and tests parse is unchanged. On a
terminal the bar is rich's; elsewhere (CI logs, pipes, cron) a line such as

    verify: 40,960/120,000 entries (34%), 98,512 entries/s, 0:01 left

appears every FRONTDESK_PROGRESS_SECONDS (default 5) seconds, then a last line with the total. Work
that ends before the first line is due prints nothing, so quick runs stay quiet in logs.
`--no-progress` or `-v 0` silences both.
"""

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import IO, Any, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichBar
from rich.progress import Task as RichTask
from rich.table import Column
from rich.text import Text

from frontdesk.core.progress import SILENT, Progress, Task

DEFAULT_SECONDS = 5.0


def interval_from_environment() -> float:
    raw = os.environ.get("FRONTDESK_PROGRESS_SECONDS", "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_SECONDS
    except ValueError:
        return DEFAULT_SECONDS


def rate(per_second: float, unit: str) -> str:
    """12,345 entries/s; 0.50 offices/s."""
    figure = f"{per_second:,.0f}" if per_second >= 10 else f"{per_second:,.2f}"
    return f"{figure} {unit}/s"


def duration(seconds: float) -> str:
    """0:07, 12:30, 1:02:03."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


# --- Plain lines ---------------------------------------------------------------------------------


class LineTask(Task):
    def __init__(
        self,
        stream: IO[str],
        description: str,
        total: int | None,
        unit: str,
        interval: float,
        clock: Callable[[], float],
    ) -> None:
        self.stream, self.description, self.total, self.unit = stream, description, total, unit
        self.interval, self.clock = interval, clock
        self.done = 0
        self.started = self.last_line = clock()
        self.lines = 0
        self.closed = False

    def advance(self, n: int = 1) -> None:
        if n <= 0:
            return  # nothing new to report
        self.done += n
        now = self.clock()
        if now - self.last_line >= self.interval:
            self.last_line = now
            self._write(self.line(now))

    def line(self, now: float) -> str:
        elapsed = now - self.started
        per_second = self.done / elapsed if elapsed > 0 else 0.0
        text = f"{self.description}: {self.done:,}"
        if self.total:
            text += f"/{self.total:,} {self.unit} ({self.done / self.total:.0%})"
        else:
            text += f" {self.unit}"
        text += f", {rate(per_second, self.unit)}"
        if self.total and per_second > 0:
            text += f", {duration(max(0, self.total - self.done) / per_second)} left"
        else:
            text += f", {duration(elapsed)} elapsed"
        return text

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.lines:  # quick work that never printed a line stays quiet
            elapsed = self.clock() - self.started
            speed = f", {rate(self.done / elapsed, self.unit)}" if elapsed > 0 else ""
            self._write(f"{self.description}: {self.done:,} {self.unit} in {duration(elapsed)}{speed}")

    def _write(self, text: str) -> None:
        self.lines += 1
        self.stream.write(text + "\n")
        self.stream.flush()


class LineProgress(Progress):
    """A line every `interval` seconds per task, for output that is not a terminal."""

    def __init__(
        self, stream: IO[str], *, interval: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.interval = interval_from_environment() if interval is None else interval
        self.clock = clock
        self.tasks: list[LineTask] = []

    def task(self, description: str, *, total: int | None = None, unit: str = "items") -> Task:
        task = LineTask(self.stream, description, total, unit, self.interval, self.clock)
        self.tasks.append(task)
        return task

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        for task in self.tasks:
            task.close()


# --- A bar on a terminal ---------------------------------------------------------------------------


class _RateColumn(ProgressColumn):
    """Items per second, in the task's own unit (rich's speed column counts bytes)."""

    def render(self, task: RichTask) -> Text:
        speed = task.finished_speed or task.speed
        if not speed and task.completed and task.elapsed:
            speed = task.completed / task.elapsed  # rich needs two updates to estimate; one is enough here
        if not speed:
            return Text("")
        return Text(rate(speed, task.fields.get("unit", "")), style="progress.data.speed")


REFRESH_SECONDS = 0.25


class TerminalTask(Task):
    def __init__(self, display: "TerminalProgress", description: str, total: int | None, unit: str) -> None:
        self.display, self.bar, self.total = display, display.bar, total
        self.task_id = self.bar.add_task(description, total=total, unit=unit)
        self.done = 0
        self.closed = False

    def advance(self, n: int = 1) -> None:
        self.done += n
        self.bar.advance(self.task_id, n)
        if not self.display.background:
            self.display.refresh()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.total is None:
            self.bar.update(self.task_id, total=self.done)  # an open-ended task shows as done
        self.bar.stop_task(self.task_id)


class TerminalProgress(Progress):
    """rich's progress bar: description, bar, count, percentage, rate, time left, time taken.

    By default a thread redraws it four times a second. With `background=False` it is redrawn only from
    `advance` (at most as often), so a benchmark can keep the drawing out of the code it times.
    """

    def __init__(self, stream: IO[str], *, background: bool = True) -> None:
        self.background = background
        self.refreshed = 0.0
        console = Console(file=stream, force_terminal=True, stderr=True)
        self.bar = RichBar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            _RateColumn(table_column=Column(no_wrap=True)),
            TextColumn("left"),
            TimeRemainingColumn(),
            TextColumn("taken"),
            TimeElapsedColumn(),
            console=console,
            redirect_stdout=False,
            redirect_stderr=False,
            auto_refresh=background,
            refresh_per_second=1 / REFRESH_SECONDS,
        )
        self.tasks: list[TerminalTask] = []

    def task(self, description: str, *, total: int | None = None, unit: str = "items") -> Task:
        task = TerminalTask(self, description, total, unit)
        self.tasks.append(task)
        return task

    def refresh(self) -> None:
        now = time.monotonic()
        if now - self.refreshed >= REFRESH_SECONDS:
            self.refreshed = now
            self.bar.refresh()

    def __enter__(self) -> Self:
        self.bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        for task in self.tasks:
            task.close()
        self.bar.stop()


# --- Choosing ------------------------------------------------------------------------------------


@contextmanager
def progress_for(
    stream: IO[str], *, enabled: bool = True, interval: float | None = None, background: bool = True
) -> Iterator[Progress]:
    """A bar if `stream` is a terminal, plain lines if not, nothing if not `enabled`.

    `background=False` redraws a bar only when a task advances (see TerminalProgress)."""
    if not enabled:
        yield SILENT
        return
    isatty = getattr(stream, "isatty", None)
    display: TerminalProgress | LineProgress
    if isatty is not None and isatty():
        display = TerminalProgress(stream, background=background)
    else:
        display = LineProgress(stream, interval=interval)
    with display:
        yield display


@contextmanager
def command_progress(command: Any, options: dict[str, Any]) -> Iterator[Progress]:
    """Progress on a management command's stderr, unless `--no-progress` or `-v 0`."""
    enabled = not options.get("no_progress") and int(options.get("verbosity", 1)) > 0
    # Django's OutputWrapper appends a newline to every write; the bar needs the stream itself.
    stream = getattr(command.stderr, "_out", command.stderr)
    with progress_for(stream, enabled=enabled) as progress:
        yield progress


def add_progress_argument(parser: Any) -> None:
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="Show no progress on stderr (shown by default: a bar on a terminal, a line every few seconds otherwise).",
    )
