"""The export: batches of N-Triples, Turtle or JSON-LD from Neo4j, written as they come.

`triple_batches` is the one source of triples; `write` streams them to a file (the CLI) and
`chunks` to byte chunks (the HTTP `/rdf` route). Each page of Neo4j rows is written in the format
straight away (kg/rdf/syntax.py): a node's triples come together, so Turtle groups them under one
subject and JSON-LD makes them one node object.
"""
from __future__ import annotations

import gc
import math
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import neo4j
from pyoxigraph import RdfFormat

from kg.rdf.handoff import Handoff
from kg.rdf.source import EXPORT_BATCH, Scope, counts, rows
from kg.rdf.syntax import JsonLd, NTriples, Turtle
from kg.rdf.triples import Describer
from kg.rdf.vocab import Iris


@dataclass(frozen=True)
class Format:
    """One export format: its name on the command line, pyoxigraph format, media type, file suffix, and
    how the export writes it."""

    name: str
    rdf: RdfFormat
    media_type: str
    suffix: str
    syntax: type[NTriples]


# JSON-LD is in expanded form (full IRIs, no @context), one node object per subject and row.
FORMATS = {f.name: f for f in (
    Format("turtle", RdfFormat.TURTLE, "text/turtle", ".ttl", Turtle),
    Format("nt", RdfFormat.N_TRIPLES, "application/n-triples", ".nt", NTriples),
    Format("jsonld", RdfFormat.JSON_LD, "application/ld+json", ".jsonld", JsonLd),
)}


class Output(Protocol):
    """What `write` writes to: a binary file, or a sink with the same two methods."""

    def write(self, data: bytes | memoryview, /) -> int: ...

    def flush(self) -> None: ...


WRITE_SIZE = 1 << 16  # bytes per write, so that `chunks` holds little at a time


@dataclass(frozen=True)
class Batch:
    """The triples of one page of Neo4j rows, written in one format; its length is its number of triples."""

    data: bytes
    count: int
    format: str  # its Format's name

    def __len__(self) -> int:
        return self.count


def triple_batches(driver: neo4j.Driver, database: str | None, iris: Iris, scope: Scope = Scope(),
                   batch: int = EXPORT_BATCH, timeout: float | None = None,
                   fmt: Format = FORMATS["nt"]) -> Iterator[Batch]:
    """The export's triples in `fmt`, one batch per page of Neo4j rows (each read within `timeout` seconds)."""
    describer = Describer(iris, fmt.syntax(iris))
    for label, page in rows(driver, database, scope, batch, timeout):
        yield describe(describer, label, page, fmt)


def describe(describer: Describer, label: str, page: list[list[Any]], fmt: Format = FORMATS["nt"]) -> Batch:
    """One page of `label` rows as a batch (the describer's syntax being `fmt`'s)."""
    statements = describer.statements
    done = [statement for row in page for statement in statements(label, row)]
    return Batch(describer.syntax.render(done), sum([len(pairs) for _, pairs in done]), fmt.name)


def batch_count(driver: neo4j.Driver, database: str | None, scope: Scope = Scope(),
                batch: int = EXPORT_BATCH) -> int:
    """How many batches `triple_batches` yields (for a progress bar)."""
    return sum(math.ceil(n / batch) for n in counts(driver, database, scope).values())


def write(batches: Iterable[Batch], output: Output, fmt: Format, iris: Iris) -> None:
    """Write the batches (made in `fmt` by `triple_batches`) to `output` as they come, as one document."""
    syntax = fmt.syntax(iris)
    headed, first = False, True
    for batch in batches:
        if batch.format != fmt.name:
            raise ValueError(f"a batch of {batch.format} in an export of {fmt.name}")
        if not headed:  # only once the database has answered, so that `chunks` fails before any byte
            headed = _head(output, syntax.head)
        if not batch.data:
            continue
        if not first and syntax.between:
            output.write(syntax.between)
        first = False
        view = memoryview(batch.data)
        for start in range(0, len(view), WRITE_SIZE):
            output.write(view[start:start + WRITE_SIZE])
    if not headed:
        _head(output, syntax.head)
    if syntax.foot:
        output.write(syntax.foot)
    output.flush()


def _head(output: Output, head: bytes) -> bool:
    if head:
        output.write(head)
    return True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off, for a process that only exports (the CLI, the benchmark).

    The export makes no reference cycles, but each page is tens of thousands of short-lived lists whose
    collections cost about a sixth of the export's CPU time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ConsumerGone(OSError):
    """The reader of `chunks` stopped; raised inside the serializer to end it."""


class _QueueSink:
    """A binary writer that hands each write to the reader, until the reader has gone."""

    def __init__(self, handoff: Handoff[bytes]) -> None:
        self.handoff = handoff

    def write(self, data: bytes | memoryview, /) -> int:
        if not self.handoff.put(bytes(data)):
            raise ConsumerGone("export reader closed")
        return len(data)

    def flush(self) -> None:
        pass


def chunks(batches: Iterable[Batch], fmt: Format, iris: Iris, depth: int = 16) -> Generator[bytes, None, None]:
    """The serialized export as byte chunks (at most 64 KiB each), produced on a thread while read.

    At most `depth` chunks wait in memory; closing the iterator stops the export."""
    handoff: Handoff[bytes] = Handoff(depth)
    return handoff.run(lambda: write(batches, _QueueSink(handoff), fmt, iris), "rdf-export")
