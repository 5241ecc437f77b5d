"""Terminal output: errors as one line on stderr, progress bars only on a terminal; for scripts (`--json`),
progress and summaries as JSON lines on stdout."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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


def event(kind: str, **fields: Any) -> None:
    """One JSON line on stdout: {"event": kind, ...fields}."""
    sys.stdout.buffer.write(orjson.dumps({"event": kind, **fields}) + b"\n")
    sys.stdout.buffer.flush()


def progress_events(items: Iterable[T], stage: str, total: int | None = None) -> Iterator[T]:
    """`items`, with {"event": "progress", "stage", "done", "total", "seconds"} lines on stdout: at most one
    a second, and one when they are all through."""
    started = last = time.monotonic()
    done = shown = 0
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= EVENT_EVERY_S:
            event("progress", stage=stage, done=done, total=total, seconds=round(now - started, 3))
            last, shown = now, done
    if shown != done or done == 0:
        event("progress", stage=stage, done=done, total=total, seconds=round(time.monotonic() - started, 3))


def progress(items: Iterable[T], label: str, total: int | None = None, json: bool = False) -> Iterator[T]:
    """`items`, with progress events on stdout with `json`, else a progress bar on stderr when it is a terminal."""
    if json:
        yield from progress_events(items, label, total)
        return
    if not err.is_terminal:
        yield from items
        return
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task)


@contextmanager
def stage(label: str, command: str = "bulk") -> Iterator[None]:
    """Report on stderr how long one stage of `command` took: "<command>: <label> in <s> s"."""
    start = time.perf_counter()
    yield
    err.print(f"{command}: {label} in {time.perf_counter() - start:,.1f} s", highlight=False)


TICK_S = 60.0  # a long stage says how far it is at most this often


def ticker(label: str, total: int, command: str = "ingest") -> Callable[[int], None]:
    """A function of `done` that reports on stderr "<command>: <label>: <done> of <total>", at most once a
    TICK_S."""
    last = time.monotonic()

    def tick(done: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= TICK_S:
            last = now
            err.print(f"{command}: {label}: {done:,} of {total:,}", highlight=False)
    return tick
