"""`kg sparql`: the SPARQL store behind /sparql (kg/rdf/sparql_store.py), and its upkeep by ingest and serve."""
from __future__ import annotations

import time

import typer

from kg.console import err, error

app = typer.Typer(no_args_is_help=True, help="The SPARQL store that /sparql answers from: build and inspect it.")


def build(reason: str = "") -> None:
    """Build the store from the whole graph in Neo4j and say so on stderr."""
    from kg.rdf.sparql_store import rebuild, store_root
    from kg.store.connection import driver, settings

    conf = settings()
    start = time.perf_counter()
    with driver(conf) as db:
        name = rebuild(db, conf.database)
    err.print(f"sparql: built {store_root()} ({name}{reason}) in {time.perf_counter() - start:.1f} s",
              highlight=False)


@app.command("sync")
def sync_cmd() -> None:
    """Build the SPARQL store anew from the graph in Neo4j (what `kg ingest` keeps current batch by batch)."""
    build()


@app.command("status")
def status_cmd() -> None:
    """Where the store is, the generation /sparql reads, and whether it reflects the graph in Neo4j now."""
    from kg.rdf.sparql_store import Layout, is_current, journaled, store_root
    from kg.store.connection import driver, settings

    layout = Layout(store_root())
    name = layout.current()
    if name is None:
        print(f"no SPARQL store in {layout.root}: `kg sparql sync` builds it")
        raise typer.Exit(1)
    conf = settings()
    with driver(conf) as db:
        current = is_current(db, conf.database)
    state = layout.state(name) or {}
    published = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(state.get("published", 0)))
    loading = f", {len(layout.loading())} load(s) not yet published" if layout.loading() else ""
    if left := journaled(layout):
        loading += f" ({sum(map(len, left.values())):,} ids journaled: the next `kg ingest` or `kg serve` refreshes them)"
    print(f"{layout.root}: {name}, published {published}, "
          f"{'current' if current else 'stale: `kg sparql sync` rebuilds it'}{loading}")
    if not current:
        raise typer.Exit(1)


def ensure() -> None:
    """For `kg serve`: build the store when there is none or it is stale; refresh what stopped loads
    journaled when that makes it current."""
    from kg.rdf.sparql_store import Layout, follow_up, sparql_current, store_root
    from kg.store.connection import driver, settings

    if Layout(store_root()).current() is None:
        build(", there was none")
        return
    if Layout(store_root()).loading():  # a stopped load's journal may make it current again
        conf = settings()
        start = time.perf_counter()
        with driver(conf) as db:
            followed = follow_up(db, conf.database)
        if followed is not None:
            err.print(f"sparql: refreshed {followed:,} ids a stopped load left in "
                      f"{time.perf_counter() - start:.1f} s", highlight=False)
    if not sparql_current():
        build(", it was stale")


def report(sync_error: str | None, followed: int | None = None) -> None:
    """After `kg ingest`: say what a stopped load left and was refreshed first, and when the store could not
    be kept current."""
    if followed:
        err.print(f"sparql: refreshed {followed:,} ids a stopped load left", highlight=False)
    if sync_error:
        error(f"the SPARQL store was not refreshed ({sync_error}); `kg sparql sync` rebuilds it")
