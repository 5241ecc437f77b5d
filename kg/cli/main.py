"""The `kg` command line: parse, ingest, export, serve and the local Neo4j server."""
from __future__ import annotations

import dataclasses
import os
import sys
import time
from contextlib import closing
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import typer

from kg.console import Report, error, event, fail, progress, stage
from kg.errors import KgError, PageError
from kg.ingest.pages import expand, pages
from kg.ingest.resolve import Resolver
from kg.settings import settings as env_settings

if TYPE_CHECKING:
    from kg.store.load import Summary

app = typer.Typer(help="kg: research-literature pages into a knowledge graph.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)

from kg.cli import sparql  # noqa: E402
from kg.cli.authors import app as authors_app  # noqa: E402
from kg.cli.neo4j import app as neo4j_app  # noqa: E402
from kg.cli.topics import topics_cmd  # noqa: E402

app.add_typer(neo4j_app, name="neo4j", help="Provision, start, stop and inspect the local Neo4j server.")
app.add_typer(sparql.app, name="sparql")
app.add_typer(authors_app, name="authors")
from kg.cli.soak import soak_cmd  # noqa: E402

app.command("soak")(soak_cmd)  # faults, concurrency and abuse
app.command("topics")(topics_cmd)
from kg.cli.pages import app as pages_app  # noqa: E402

app.add_typer(pages_app, name="pages", help="The pages the graph holds; forget one as if never loaded.")


@app.callback()
def root() -> None:
    """kg: research-literature pages into a knowledge graph in Neo4j, served as GraphQL and RDF."""


# readable=False: an unreadable file is the loader's one-line rejection, not a usage error that stops the rest.
PathsArg = typer.Argument(..., help="Page files, or directories of them.", show_default=False, readable=False)
WorkersOpt = typer.Option(min(2, os.cpu_count() or 1), "--workers", "-j", min=1,
                          help="Processes that parse pages in parallel.")


@app.command("parse")
def parse_cmd(
    paths: list[Path] = PathsArg,
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the JSON here, not to stdout."),
    workers: int = WorkersOpt,
) -> None:
    """Parse pages and print the resolved graph as JSON (papers, authors, institutions, repos, topics)."""
    resolver = Resolver()
    rejected = 0
    files = list(expand(paths))
    with closing(progress(pages(files, workers), "parsing", total=len(files), command="parse")) as parsed:
        for page in parsed:
            if isinstance(page, PageError):
                rejected += 1
                error(str(page))
                continue
            resolver.add_page(page)
    data = orjson.dumps(resolver.graph().model_dump(mode="json"), option=orjson.OPT_INDENT_2)
    if output is None:
        sys.stdout.buffer.write(data + b"\n")
    else:
        output.write_bytes(data + b"\n")
    if rejected:
        raise fail(f"rejected {rejected} of {len(files)} files")


@app.command("ingest")
def ingest_cmd(
    paths: list[Path] = PathsArg,
    batch: int = typer.Option(2000, help="Papers per transaction.", min=1),
    workers: int = WorkersOpt,
    bulk: bool = typer.Option(False, "--bulk", help="First load into an empty local database via neo4j-admin import."),
    saved_at: str | None = typer.Option(None, "--saved-at", metavar="YYYY-MM-DD",
                                        help="The date these pages were saved (default: the date a page shows, "
                                             "else its file's modification date)."),
    as_json: bool = typer.Option(False, "--json", help="Progress and the summary as JSON lines on stdout."),
    stages: bool = typer.Option(False, "--stages", help="Each stage's time, and author resolution's progress, "
                                                        "on stderr (--bulk always reports its stages)."),
) -> None:
    """Parse pages and load them into Neo4j: idempotent, atomic per page, schema applied first."""
    from kg.store.connection import driver, settings
    from kg.store.load import Loader

    if saved_at is not None:
        saved_at = iso_day(saved_at)
    files = list(expand(paths))
    started = time.monotonic()
    report = Report("ingest", as_json)
    if as_json:
        event("start", command="ingest", files=len(files))
    if bulk:
        from kg.store.bulk import bulk_ingest, prepared

        if env_settings().neo4j_uri:
            raise fail("--bulk imports into the local server of `kg neo4j start`; unset NEO4J_URI to use it")
        def build_sparql() -> None:  # of the graph imported: a load this large is rebuilt, not refreshed
            with stage("built the SPARQL store"):
                sparql.build()

        # closed here on a failure too: a generator left to the collector could be finalized on the parse
        # pool's own thread, whose shutdown cannot join itself
        with closing(report.track(prepared(files, workers, saved_at), "reading", len(files))) as items:
            summary = bulk_ingest(items, workers=workers, then=build_sparql, report=report)
    else:
        from kg.rdf.sparql_store import Sync

        conf = settings()
        with driver(conf) as db, Sync(db, conf.database, stages=stages) as sync, \
                closing(report.track(pages(files, workers, saved_at=saved_at), "ingesting", len(files))) as stream:
            summary = Loader(db, conf.database, batch, on_commit=sync, stages=stages, ahead=sync,
                             report=report).load(stream)
        sparql.report(sync.error, sync.followed)
    if as_json:
        event("summary", **dataclasses.asdict(summary), seconds=round(time.monotonic() - started, 3))
    else:
        print_summary(summary)
    for reason in summary.rejected:
        error(reason)
    if summary.rejected:
        raise fail(f"rejected {len(summary.rejected)} of {len(files)} files; nothing from them was stored")


def iso_day(text: str) -> str:
    """A YYYY-MM-DD date as given, or a one-line error."""
    from datetime import date

    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise fail(f"--saved-at {text!r}: not a date, give YYYY-MM-DD") from None


def print_summary(summary: "Summary") -> None:
    """A table of what a load created and updated."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{summary.pages} pages, {summary.papers} paper listings loaded")
    for column in ("", "created", "updated"):
        table.add_column(column, justify="right" if column else "left")
    for kind in summary.created:
        table.add_row(kind, str(summary.created[kind]), str(summary.updated[kind]))
    table.add_row("relationships", str(summary.relationships), "")
    Console(stderr=True).print(table)


schema_app = typer.Typer(no_args_is_help=True, help="The graph schema: constraints and indexes.")
app.add_typer(schema_app, name="schema")


@schema_app.command("apply")
def schema_apply_cmd() -> None:
    """Create the constraints and indexes in schema/constraints.cypher (idempotent)."""
    from kg.store.connection import driver, settings
    from kg.store.schema import apply_schema

    conf = settings()
    with driver(conf) as db:
        count = apply_schema(db, conf.database)
    print(f"applied {count} schema statements")


class RdfFormatName(str, Enum):
    """The formats of `kg export`."""

    turtle = "turtle"
    nt = "nt"
    jsonld = "jsonld"


@app.command("export")
def export_cmd(
    fmt: RdfFormatName = typer.Option("turtle", "--format", "-f", help="N-Triples is nt."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write to this file, not to stdout."),
    author: str | None = typer.Option(None, "--author", help="Only papers by this author (id or name)."),
    topic: str | None = typer.Option(None, "--topic", help="Only papers on this topic (id or name)."),
    institution: str | None = typer.Option(None, "--institution",
                                           help="Only papers of this institution (id, name or alias)."),
    repo: str | None = typer.Option(None, "--repo", help="Only papers with this repository (id or owner/name)."),
    year: int | None = typer.Option(None, "--year", help="Only papers of this year."),
    batch: int = typer.Option(2000, help="Nodes per Neo4j query.", min=1),
    as_json: bool = typer.Option(False, "--json", help="Progress and the summary as JSON lines on stdout "
                                 "(needs -o: without it stdout is the RDF)."),
) -> None:
    """The graph as RDF, streamed from Neo4j in batches; filters export the papers they match and all
    those link to, and name a node as GraphQL does (an unknown one is an error). Resource IRIs are
    under KG_BASE_IRI (default http://localhost:8000)."""
    from kg.rdf.commands import export
    from kg.rdf.source import Filters

    if as_json and output is None:
        raise fail("--json writes JSON lines to stdout, where the RDF goes without -o: give -o FILE")
    export(fmt.value, output, Filters(author, topic, institution, repo, year), batch, as_json)


@app.command("validate")
def validate_cmd(
    path: Path | None = typer.Argument(None, help="An export (.ttl, .nt, .jsonld); the current graph if omitted."),
    warnings: bool = typer.Option(False, "--warnings", help="List the warnings too, not only their count."),
) -> None:
    """Check an export against the SHACL shapes of schema/shapes.ttl; print the violations."""
    from kg.rdf.commands import validate

    if not validate(path, warnings):
        raise typer.Exit(1)


@app.command("serve")
def serve_cmd(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, help="Port to listen on.", min=1, max=65535),
    open_access: bool = typer.Option(False, "--open", help="Serve off loopback without KG_API_KEY: anyone "
                                     "who can reach the port may query the graph."),
    workers: int = typer.Option(1, "--workers", help="Processes that serve the port (uvicorn's workers); "
                                "/metrics sums them."),
) -> None:
    """Serve the GraphQL API at /graphql (GraphiQL in a browser); Neo4j as for `kg ingest`. Off loopback it
    needs KG_API_KEY (clients send `Authorization: Bearer <key>`) or --open."""
    from kg.cli.serve import serve

    serve(host, port, workers, open_access)


BENCH_PAPERS = 200_000


@app.command("bench")
def bench_cmd(
    papers: int = typer.Option(BENCH_PAPERS, "--papers", min=100, help="Papers in the synthetic corpus."),
    quick: bool = typer.Option(False, "--quick", help="A 20k-paper corpus: a few minutes."),
    corpus: Path | None = typer.Option(None, "--corpus", help="Benchmark these pages instead of a synthetic corpus."),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="Where the report goes (default: a new bench-<date>.md)."),
    replace: bool = typer.Option(False, "--replace", help="Write the report over BENCHMARKS.md."),
    only: list[str] = typer.Option([], "--only", help="Run only this step (repeatable): parse, ingest, bulk, export, "
                                   "coauthor_path, nested, load, peer (kg beside @neo4j/graphql), grow; the later "
                                   "ones use the graph an earlier run loaded."),
    authors: bool = typer.Option(False, "--authors", help="Only author identity: B³ of the graph's authors on a "
                                 "`kg synth --identities` corpus (--papers, default 1000) beside the exact-name "
                                 "baseline, as the report's author identity section."),
    seeds: str = typer.Option("1", "--seeds", help="With --authors: the `kg synth --identities` seeds to measure, "
                              "comma-separated (each a corpus of --papers)."),
    in_memory: bool = typer.Option(False, "--in-memory", help="With --authors: cluster each corpus in memory (as "
                                   "`kg parse`, no Neo4j) and print where the B³ lost goes, not the report section."),
    grow_seed: int | None = typer.Option(None, "--grow-seed", min=2, help="The seed of the `kg synth` corpus "
                                         "whose pages the grow step adds first (default 2; its 10% step takes "
                                         "the next seed); a graph grown before needs another."),
    keep_server: bool = typer.Option(False, "--keep-server", help="Leave the bench's Neo4j running at the end "
                                     "(for a later --only step); by default the bench stops it if it started it."),
) -> None:
    """Measure every figure beside its baseline in the same run; the report goes to a new file, or over
    BENCHMARKS.md with --replace."""
    from datetime import datetime

    from kg.bench.context import announced
    from kg.bench.run import distinct_papers, run, step_names, synthetic_corpus

    if replace and output is not None:
        raise fail("give --replace (BENCHMARKS.md) or -o FILE, not both")
    output = Path("BENCHMARKS.md") if replace else output or Path(f"bench-{datetime.now():%Y-%m-%d-%H%M%S}.md")
    if authors:
        from kg.bench.authors import AUTHORS_PAPERS, identities_corpus, memory_report, run_authors

        try:
            chosen = tuple(int(s) for s in seeds.split(","))
        except ValueError:
            raise fail(f"--seeds {seeds!r}: give whole numbers separated by commas, such as 1,2,3") from None
        if in_memory:
            for s in chosen:
                print(memory_report(identities_corpus(AUTHORS_PAPERS if papers == BENCH_PAPERS else papers, s))[2])
            return
        section = run_authors(AUTHORS_PAPERS if papers == BENCH_PAPERS else papers, output, chosen, keep_server)
        print(section, end="")
        print(f"wrote {output}")
        return
    if unknown := set(only) - set(step_names()):
        raise fail(f"unknown step {', '.join(sorted(unknown))}; the steps are {', '.join(step_names())}")

    command = "kg " + " ".join(sys.argv[1:])
    if corpus is None:
        corpus, count = synthetic_corpus(20_000 if quick else papers)
    else:
        with announced(f"counting the papers of {corpus}"):
            count = distinct_papers(corpus)
    before = output.stat().st_mtime_ns if output.exists() else None
    try:
        figures = run(corpus, count, command, output, only, grow_seed, keep_server)
    except RuntimeError as exc:  # a step's kg subprocess failed: its own message, the figures so far kept
        written = output.exists() and output.stat().st_mtime_ns != before
        raise fail(f"{exc}" + (f" (the steps before it are in {output})" if written else "")) from None
    for figure in figures:
        print(f"{figure.name}: {figure.value:,.1f} {figure.unit} (baseline {figure.baseline_value:,.1f}, "
              f"{figure.ratio:.2f}x)")
    print(f"wrote {output}")


@app.command("synth")
def synth_cmd(
    papers: int = typer.Option(..., "--papers", "-n", min=1, help="Distinct papers the pages hold together."),
    seed: int = typer.Option(0, "--seed", "-s", help="The same seed writes the same bytes."),
    output: Path = typer.Option(..., "-o", "--output", help="Folder for pages/ and manifest.json."),
    force: bool = typer.Option(False, "--force", help="Replace the pages/ of an earlier run."),
    workers: int = typer.Option(min(2, os.cpu_count() or 1), "--workers", "-j", min=1,
                                help="Processes that write pages (the output is the same for any number)."),
    resaves: int = typer.Option(0, "--resaves", min=0, help="Also write this many earlier, dated saves of one "
                                "profile, papers joining and leaving it and its figures changing."),
    identities: bool = typer.Option(False, "--identities", help="Plant variant spellings, homonyms, one author "
                                    "spelled two ways at one place of a paper, namesakes who each own a profile "
                                    "and near-namesakes; write who is who (identities.tsv) for `kg bench "
                                    "--authors`, and the cases in the manifest (docs/authors.md)."),
    as_json: bool = typer.Option(False, "--json", help="Progress and the summary as JSON lines on stdout."),
) -> None:
    """Write a synthetic corpus: profile, feed and search pages holding exactly N papers, and a manifest."""
    from kg.synth.corpus import synthesize

    started = time.monotonic()
    if as_json:
        event("start", command="synth", papers=papers, seed=seed, output=str(output))
    manifest = synthesize(output, papers, seed, workers, force=force, resaves=resaves, identities=identities,
                          report=Report("synth", as_json))
    pages = manifest["pages"]
    if as_json:
        event("summary", pages=pages, bytes=manifest["bytes"], output=str(output),
              seconds=round(time.monotonic() - started, 3))
        return
    print(f"wrote {pages['total']:,} pages ({pages['profile']:,} profile, {pages['feed']:,} feed, "
          f"{pages['search']:,} search; {manifest['bytes'] / 1e6:,.1f} MB) to {output / 'pages'}, "
          f"and {output / 'manifest.json'}")


def main() -> None:
    """Entry point of the `kg` console script: expected failures print one line, never a traceback."""
    from neo4j.exceptions import DriverError, Neo4jError

    try:
        app()
    except KgError as exc:
        error(str(exc))
        sys.exit(1)
    except (DriverError, Neo4jError) as exc:
        error(f"Neo4j: {getattr(exc, 'message', None) or exc}")
        sys.exit(1)
