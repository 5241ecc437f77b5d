"""Export throughput per format, beside pyoxigraph dumping the export's first triples in the same run."""
from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterable
from typing import Any

import neo4j
from pyoxigraph import DefaultGraph, RdfFormat, Store

from kg.rdf.export import FORMATS, Batch, collector_paused, triple_batches, write
from kg.rdf.source import EXPORT_BATCH, rows
from kg.rdf.vocab import DEFAULT_BASE, Iris

BASELINE_TRIPLES = 2_000_000  # most triples the baseline holds in memory (~1.2 GB in a pyoxigraph Store)


class NullSink:
    """A binary writer that only counts bytes, so disks do not enter the figures."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes | memoryview, /) -> int:
        self.bytes += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def _first(batches: Iterable[Batch], triples: int) -> Store:
    """An in-memory store of the first batches, until they hold at least `triples` (or all of them)."""
    store, held = Store(), 0
    for batch in batches:
        store.bulk_load(batch.data, RdfFormat.N_TRIPLES, to_graph=DefaultGraph())
        held += len(batch)
        if held >= triples:
            break
    return store


def bench_export(driver: neo4j.Driver, database: str | None = None, batch: int = EXPORT_BATCH,
                 base: str = DEFAULT_BASE, baseline_triples: int = BASELINE_TRIPLES) -> dict[str, Any]:
    """Triples/s of the whole export in each format (Neo4j to bytes, end to end); the Neo4j read alone,
    and the read plus building the triples (no serializing); the export's peak Python memory
    (tracemalloc), which stays near a few batches' worth however large the graph. Like `kg export`,
    with the cyclic garbage collector paused.

    The baseline is pyoxigraph's Store.dump from memory, of the export's first `baseline_triples`
    triples or so (a whole batch more at most): loading a large graph whole would not fit."""
    with collector_paused():
        return _measure(driver, database, batch, Iris(base), baseline_triples)


def _measure(driver: neo4j.Driver, database: str | None, batch: int, iris: Iris, baseline_triples: int) -> dict[str, Any]:
    start = time.perf_counter()
    node_rows = sum(len(page) for _, page in rows(driver, database, batch=batch))
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    triples = sum(len(b) for b in triple_batches(driver, database, iris, batch=batch))
    build_s = time.perf_counter() - start
    store = _first(triple_batches(driver, database, iris, batch=batch), baseline_triples)
    held = len(store)
    out: dict[str, Any] = {"triples": triples, "nodes": node_rows, "batch": batch, "baseline_triples": held,
                 "baseline_is_whole_export": held >= triples,
                 "neo4j_read_s": read_s, "neo4j_read_nodes_per_s": node_rows / read_s,
                 "read_and_build_s": build_s, "read_and_build_triples_per_s": triples / build_s, "formats": {}}
    for name, fmt in FORMATS.items():
        sink = NullSink()
        start = time.perf_counter()
        write(triple_batches(driver, database, iris, batch=batch, fmt=fmt), sink, fmt, iris)
        export_s = time.perf_counter() - start
        dump = NullSink()
        start = time.perf_counter()
        # pyoxigraph types its output as IO[bytes]; it calls only write and flush.
        store.dump(dump, fmt.rdf, from_graph=DefaultGraph(), prefixes=iris.prefixes)  # type: ignore[arg-type]
        dump_s = time.perf_counter() - start
        out["formats"][name] = {
            "export_s": export_s, "export_triples_per_s": triples / export_s, "export_bytes": sink.bytes,
            "pyoxigraph_dump_s": dump_s, "pyoxigraph_dump_triples_per_s": held / dump_s,
            "pyoxigraph_dump_bytes": dump.bytes,
        }
    del store
    tracemalloc.start()
    try:
        write(triple_batches(driver, database, iris, batch=batch), NullSink(), FORMATS["nt"], iris)
        out["export_peak_python_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    out["nt_mb"] = out["formats"]["nt"]["export_bytes"] / 1e6
    return out
