"""Items in chunks bounded by a count and a size: a parse pool's tasks, a load's transactions."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def bounded(sized: Iterable[tuple[T, int]], most: int, size: int) -> Iterator[list[T]]:
    """`sized`'s items, each given with its size, in order, in chunks of at most `most` items and, but for one
    larger item alone, `size` of size."""
    chunk: list[T] = []
    total = 0
    for item, more in sized:
        if chunk and (len(chunk) >= most or total + more > size):
            yield chunk
            chunk, total = [], 0
        chunk.append(item)
        total += more
    if chunk:
        yield chunk
