"""The export: batches of N-Triples from Neo4j, written as they come.

`triple_batches` is the one source of triples; `write` streams them to a file (the CLI) and
`chunks` to byte chunks (the HTTP `/rdf` route). N-Triples is written as built; Turtle and JSON-LD
are pyoxigraph's streaming serializers fed by its N-Triples parser, batch by batch.
"""
from __future__ import annotations

import gc
import math
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from typing import Any, Protocol

import neo4j
from pyoxigraph import RdfFormat, Triple, parse, serialize

from kg.rdf.handoff import Handoff
from kg.rdf.source import EXPORT_BATCH, Scope, counts, rows
from kg.rdf.triples import Describer
from kg.rdf.vocab import Iris


@dataclass(frozen=True)
class Format:
    """One export format: its name on the command line, pyoxigraph format, media type, file suffix."""

    name: str
    rdf: RdfFormat
    media_type: str
    suffix: str


# JSON-LD is pyoxigraph's streaming serializer: expanded form (full IRIs, no @context), one node
# object per run of triples with the same subject, written as it goes.
FORMATS = {f.name: f for f in (
    Format("turtle", RdfFormat.TURTLE, "text/turtle", ".ttl"),
    Format("nt", RdfFormat.N_TRIPLES, "application/n-triples", ".nt"),
    Format("jsonld", RdfFormat.JSON_LD, "application/ld+json", ".jsonld"),
)}


class Output(Protocol):
    """What `write` writes to: a binary file, or a sink with the same two methods."""

    def write(self, data: bytes | memoryview, /) -> int: ...

    def flush(self) -> None: ...


WRITE_SIZE = 1 << 16  # bytes per write of N-Triples, so that `chunks` holds little at a time


@dataclass(frozen=True)
class Batch:
    """The triples of one page of Neo4j rows, as N-Triples; its length is its number of triples."""

    nt: bytes
    count: int

    def __len__(self) -> int:
        return self.count

    def triples(self) -> Iterator[Triple]:
        """The batch's triples as pyoxigraph terms."""
        return parse(self.nt, RdfFormat.N_TRIPLES, lenient=True)  # lenient: we wrote valid terms


def triple_batches(driver: neo4j.Driver, database: str | None, iris: Iris, scope: Scope = Scope(),
                   batch: int = EXPORT_BATCH, timeout: float | None = None) -> Iterator[Batch]:
    """The export's triples, one batch per page of Neo4j rows (each read within `timeout` seconds)."""
    describer = Describer(iris)
    for label, page in rows(driver, database, scope, batch, timeout):
        yield describe(describer, label, page)


def describe(describer: Describer, label: str, page: list[list[Any]]) -> Batch:
    """One page of `label` rows as a batch."""
    lines = [line for row in page for line in describer.row(label, row)]
    return Batch("".join(lines).encode(), len(lines))


def batch_count(driver: neo4j.Driver, database: str | None, scope: Scope = Scope(),
                batch: int = EXPORT_BATCH) -> int:
    """How many batches `triple_batches` yields (for a progress bar)."""
    return sum(math.ceil(n / batch) for n in counts(driver, database, scope).values())


def write(batches: Iterable[Batch], output: Output, fmt: Format, iris: Iris) -> None:
    """Serialize the batches to `output` as they come."""
    if fmt.rdf != RdfFormat.N_TRIPLES:
        # pyoxigraph types its output as IO[bytes]; it calls only write and flush.
        serialize(chain.from_iterable(b.triples() for b in batches), output,  # type: ignore[arg-type]
                  fmt.rdf, prefixes=iris.prefixes)
        return
    for batch in batches:
        view = memoryview(batch.nt)
        for start in range(0, len(view), WRITE_SIZE):
            output.write(view[start:start + WRITE_SIZE])
    output.flush()


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
