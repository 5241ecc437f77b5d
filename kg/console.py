"""Terminal output: errors as one line on stderr, progress bars on a terminal (a line a minute off one); for
scripts (`--json`), progress and summaries as JSON lines on stdout."""
from __future__ import annotations

import sys
import time
from collections.abc import Generator, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
import typer
from rich import progress as bars
from rich.console import Console

T = TypeVar("T")
err = Console(stderr=True, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """Print one error line to stderr."""
    if err.is_terminal:
        err.print(f"[red]error:[/red] {message}", markup=True)
    else:
        print(f"error: {message}", file=sys.stderr)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as an error and return the Exit to raise."""
    error(message)
    return typer.Exit(code)


EVENT_EVERY_S = 1.0  # progress events at most this often (and one at the end)
TICK_S = 60.0  # off a terminal, a long stage says how far it is on stderr at most this often


def event(kind: str, **fields: Any) -> None:
    """One JSON line on stdout: {"event": kind, ...fields}."""
    sys.stdout.buffer.write(orjson.dumps({"event": kind, **fields}) + b"\n")
    sys.stdout.buffer.flush()


class Progress:
    """How far one stage of a command is, the one way every command shows it: with `json`, {"event":
    "progress", "stage", "done", "total", "seconds"} lines on stdout (at most one an EVENT_EVERY_S, and one
    at the end); else a bar on stderr when it is a terminal; else "<command>: <stage>: <done> of <total>"
    on stderr at most once a TICK_S. Call it with the items done so far (and the total once known)."""

    def __init__(self, label: str, total: int | None = None, command: str = "kg", json: bool = False) -> None:
        self.label, self.total, self.command, self.json = label, total, command, json
        self.done = self.shown = 0
        self.started = self.last = time.monotonic()
        self._bar: bars.Progress | None = None
        self._task: bars.TaskID | None = None

    def __enter__(self) -> Progress:
        if not self.json and err.is_terminal:
            columns = [bars.TextColumn(self.label), bars.BarColumn(), bars.MofNCompleteColumn(),
                       bars.TimeElapsedColumn()]
            self._bar = bars.Progress(*columns, console=err, transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def __exit__(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.json and (self.shown != self.done or self.done == 0):
            self._event(time.monotonic())

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, total=self.total)
            return
        now = time.monotonic()
        if now - self.last < (EVENT_EVERY_S if self.json else TICK_S):
            return
        self.last = now
        if self.json:
            self._event(now)
        else:
            of = f" of {self.total:,}" if self.total is not None else ""
            err.print(f"{self.command}: {self.label}: {done:,}{of}", highlight=False)

    def advance(self, by: int = 1) -> None:
        """`by` more items done."""
        self(self.done + by)

    def _event(self, now: float) -> None:
        event("progress", stage=self.label, done=self.done, total=self.total, seconds=round(now - self.started, 3))
        self.shown = self.done


@dataclass(frozen=True)
class Report:
    """How a command reports the progress of its stages: its name, and whether as JSON events."""

    command: str
    json: bool = False

    def progress(self, label: str, total: int | None = None) -> Progress:
        """The `Progress` of one stage."""
        return Progress(label, total, self.command, self.json)

    def track(self, items: Iterable[T], label: str, total: int | None = None) -> Generator[T, None, None]:
        """`items`, their progress shown as one stage."""
        return progress(items, label, total, self.json, self.command)


def progress_of(report: Report | None, label: str, total: int | None = None
                ) -> AbstractContextManager[Progress | None]:
    """The `Progress` of one stage as `report` shows it, or None (shown nowhere) without a report."""
    return report.progress(label, total) if report is not None else nullcontext()


def progress(items: Iterable[T], label: str, total: int | None = None, json: bool = False,
             command: str = "kg") -> Generator[T, None, None]:
    """`items`, their progress shown as `Progress` shows it; closing this closes them (a query read)."""
    with Progress(label, total, command, json) as shown, closing_if_any(items):
        for item in items:
            yield item
            shown.advance()


@contextmanager
def closing_if_any(items: Iterable[Any]) -> Iterator[None]:
    """Close `items` on the way out when they can be closed (a generator)."""
    try:
        yield
    finally:
        if (close := getattr(items, "close", None)) is not None:
            close()


@contextmanager
def stage(label: str, command: str = "bulk") -> Iterator[None]:
    """Report on stderr how long one stage of `command` took: "<command>: <label> in <s> s"."""
    start = time.perf_counter()
    yield
    err.print(f"{command}: {label} in {time.perf_counter() - start:,.1f} s", highlight=False)
