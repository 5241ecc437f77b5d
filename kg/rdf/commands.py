"""What `kg export` and `kg validate` do, behind their option parsing in kg/cli.py."""
from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from kg.console import Report, event
from kg.errors import KgError
from kg.rdf.export import FORMATS, Batch, batch_count, collector_paused, triple_batches, write
from kg.rdf.source import Filters
from kg.rdf.vocab import Iris, base_iri


class Counter:
    """Passes batches through, counting their triples."""

    def __init__(self) -> None:
        self.triples = 0

    def __call__(self, batches: Iterator[Batch]) -> Iterator[Batch]:
        for batch in batches:
            self.triples += len(batch)
            yield batch


def export(fmt_name: str, output: Path | None, filters: Filters, batch: int, as_json: bool = False) -> None:
    """Stream the export to `output` (atomically, through a .part file) or to stdout; with `as_json`,
    progress (in batches) and the summary as JSON lines on stdout."""
    from kg.store.connection import driver, settings

    fmt, iris, counter = FORMATS[fmt_name], Iris(base_iri()), Counter()
    conf = settings()
    start = time.perf_counter()
    with driver(conf) as db, collector_paused():
        scope = filters.resolve(db, conf.database)  # an unknown name fails here, before any output
        batches = counter(triple_batches(db, conf.database, iris, scope, batch, fmt=fmt))
        if as_json:
            event("start", command="export", format=fmt_name, output=str(output))
        batches = Report("export", as_json).track(batches, "exporting", batch_count(db, conf.database, scope, batch))
        if output is None:
            _to_stdout(batches, fmt_name, iris)
        else:
            part = output.with_name(output.name + ".part")
            try:
                with part.open("wb") as out:
                    write(batches, out, fmt, iris)
                part.replace(output)
            except OSError as exc:
                _abandon(batches)
                raise KgError(f"{output}: cannot write it ({exc.strerror or exc})") from None
            finally:
                part.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    if as_json:
        event("summary", triples=counter.triples, format=fmt_name, output=str(output), seconds=round(seconds, 3))
        return
    where = output or "stdout"
    print(f"exported {counter.triples:,} triples as {fmt_name} to {where} in {seconds:.1f} s "
          f"({counter.triples / max(seconds, 1e-9):,.0f} triples/s)", file=sys.stderr)


def _abandon(batches: Iterator[Batch]) -> None:
    """Stop reading from Neo4j after a failed write, its session closed now rather than by the driver's own
    shutdown (which, with a result half read, can fail with a BufferError of its own)."""
    close = getattr(batches, "close", None)
    try:
        if close is not None:
            close()
    except Exception:  # noqa: BLE001 - the export failed already; what the driver says while giving up is moot
        pass


def _to_stdout(batches: Iterator[Batch], fmt_name: str, iris: Iris) -> None:
    try:
        write(batches, sys.stdout.buffer, FORMATS[fmt_name], iris)
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # e.g. `kg export | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def validate(path: Path | None, show_warnings: bool) -> bool:
    """Validate an export file (or the current graph's export); print the findings; True if it conforms."""
    import rdflib

    from kg.rdf.validate import load
    from kg.rdf.validate import validate as run_shapes

    if path is None:
        from kg.store.connection import driver, settings

        iris, buffer, conf = Iris(base_iri()), io.BytesIO(), settings()
        with driver(conf) as db:
            write(triple_batches(db, conf.database, iris), buffer, FORMATS["nt"], iris)
        graph = rdflib.Graph().parse(data=buffer.getvalue(), format="nt")
        source = "the current graph"
    else:
        if not path.is_file():
            raise KgError(f"{path}: no such file")
        try:
            graph = load(path)
        except (ValueError, SyntaxError) as exc:  # an unknown suffix, or rdflib cannot parse it
            raise KgError(f"{path}: not readable as RDF: {' '.join(str(exc).split())}") from None
        source = str(path)
    report = run_shapes(graph)
    for finding in report.violations + (report.warnings if show_warnings else []):
        print(finding)
    hint = "" if show_warnings or not report.warnings else " (--warnings lists them)"
    verdict = "conforms" if report.conforms else "does not conform"
    print(f"{source} {verdict}: {report.triples:,} triples, {len(report.violations)} violations, "
          f"{len(report.warnings)} warnings{hint}", file=sys.stderr)
    return report.conforms
