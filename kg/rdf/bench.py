"""Export throughput per format, beside pyoxigraph dumping the same triples in the same run."""
from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator

import neo4j
from pyoxigraph import DefaultGraph, Quad, Store, Triple

from kg.rdf.export import FORMATS, triple_batches, write
from kg.rdf.source import EXPORT_BATCH, rows
from kg.rdf.vocab import DEFAULT_BASE, Iris


class NullSink:
    """A binary writer that only counts bytes, so disks do not enter the figures."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def _triples(batches: Iterator[list[Triple]]) -> Iterator[Triple]:
    for batch in batches:
        yield from batch


def bench_export(driver: neo4j.Driver, database: str | None = None, batch: int = EXPORT_BATCH,
                 base: str = DEFAULT_BASE) -> dict:
    """Triples/s of the export in each format (Neo4j to bytes, end to end) and of pyoxigraph's
    Store.dump of the same triples from memory; also the Neo4j read alone, the read plus building
    the triples (no serializing), and the export's peak Python memory (tracemalloc), which stays
    near a batch's worth however large the graph."""
    iris = Iris(base)
    start = time.perf_counter()
    node_rows = sum(len(records) for _, records in rows(driver, database, batch=batch))
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    built = sum(len(b) for b in triple_batches(driver, database, iris, batch=batch))
    build_s = time.perf_counter() - start
    store = Store()
    store.bulk_extend(Quad(t.subject, t.predicate, t.object)
                      for t in _triples(triple_batches(driver, database, iris, batch=batch)))
    triples = built
    out: dict = {"triples": triples, "distinct_triples": len(store), "nodes": node_rows, "batch": batch,
                 "neo4j_read_s": read_s, "neo4j_read_nodes_per_s": node_rows / read_s,
                 "read_and_build_s": build_s, "read_and_build_triples_per_s": triples / build_s, "formats": {}}
    for name, fmt in FORMATS.items():
        sink = NullSink()
        start = time.perf_counter()
        write(triple_batches(driver, database, iris, batch=batch), sink, fmt, iris)
        export_s = time.perf_counter() - start
        dump = NullSink()
        start = time.perf_counter()
        store.dump(dump, fmt.rdf, from_graph=DefaultGraph(), prefixes=iris.prefixes)
        dump_s = time.perf_counter() - start
        out["formats"][name] = {
            "export_s": export_s, "export_triples_per_s": triples / export_s, "export_bytes": sink.bytes,
            "pyoxigraph_dump_s": dump_s, "pyoxigraph_dump_triples_per_s": triples / dump_s,
            "pyoxigraph_dump_bytes": dump.bytes,
        }
    tracemalloc.start()
    try:
        write(triple_batches(driver, database, iris, batch=batch), NullSink(), FORMATS["nt"], iris)
        out["export_peak_python_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    out["nt_mb"] = out["formats"]["nt"]["export_bytes"] / 1e6
    return out
