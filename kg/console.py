"""Terminal output: errors as one line on stderr, progress bars only on a terminal."""
from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

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


def progress(items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """`items`, with a progress bar on stderr when it is a terminal."""
    if not err.is_terminal:
        yield from items
        return
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task)
