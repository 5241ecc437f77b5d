"""`kg authors merge|split|show|overrides`: read and override who is who; overrides are stored in the graph
and applied on every later ingest."""
from __future__ import annotations

import typer

from kg.console import err
from kg.errors import KgError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Author identity: why spellings are one person, and overrides of that decision.")


def _fail(exc: KgError) -> typer.Exit:
    err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(1)


@app.command("merge")
def merge_cmd(authors: list[str] = typer.Argument(..., help="Two or more author ids or names.")) -> None:
    """Make these authors one person, now and after every later ingest."""
    from kg.cli import sparql
    from kg.rdf.sparql_store import Sync
    from kg.store.connection import driver, settings
    from kg.store.overrides import merge

    conf = settings()
    try:
        with driver(conf) as db, Sync(db, conf.database) as sync:  # keeps the SPARQL store current
            override, now = merge(db, conf.database, authors, on_commit=sync)
    except KgError as exc:
        raise _fail(exc) from None
    sparql.report(sync.error, sync.followed)
    print(f"{override}: merged into {', '.join(now)}")


@app.command("split")
def split_cmd(
    author: str = typer.Argument(..., help="An author id or name."),
    names: list[str] = typer.Option(..., "--name", help="A spelling to split off (repeatable)."),
) -> None:
    """Make the mentions of AUTHOR spelled --name a person of their own, now and after every later ingest."""
    from kg.cli import sparql
    from kg.rdf.sparql_store import Sync
    from kg.store.connection import driver, settings
    from kg.store.overrides import split

    conf = settings()
    try:
        with driver(conf) as db, Sync(db, conf.database) as sync:  # keeps the SPARQL store current
            override, now = split(db, conf.database, author, names, on_commit=sync)
    except KgError as exc:
        raise _fail(exc) from None
    sparql.report(sync.error, sync.followed)
    print(f"{override}: split into {', '.join(now)}")


@app.command("recluster")
def recluster_cmd(
    dirty: bool = typer.Option(False, "--dirty", help="The name blocks loads marked for it (a close decision, "
                               "or grown by half since last clustered)."),
    every: bool = typer.Option(False, "--all", help="Every name block: the graph `kg ingest --bulk` of the "
                               "same pages gives, whatever loads came before."),
    as_json: bool = typer.Option(False, "--json", help="Progress and the summary as JSON lines on stdout."),
) -> None:
    """Cluster name blocks in full: loads only assign their new mentions to the people already known."""
    import time

    from kg.cli import sparql
    from kg.console import Report, event, stage
    from kg.ingest.identities import weights
    from kg.rdf.sparql_store import Sync
    from kg.store.assign import marked
    from kg.store.authors import every_block, resolve_authors
    from kg.store.connection import driver, settings

    if dirty == every:
        raise _fail(KgError("give --dirty (the marked name blocks) or --all (every one)"))
    command, conf, started = "authors recluster", settings(), time.monotonic()
    if as_json:
        event("start", command=command, blocks="all" if every else "dirty")
    try:
        with driver(conf) as db, Sync(db, conf.database) as sync:
            blocks = every_block(db, conf.database) if every else marked(db, conf.database)
            with stage(f"clustered {len(blocks):,} name blocks", command), \
                    Report(command, as_json).progress("clustering name blocks", len(blocks)) as tick:
                people = resolve_authors(db, conf.database, blocks, weights(), tick, sync)
    except KgError as exc:
        raise _fail(exc) from None
    sparql.report(sync.error)
    if as_json:
        event("summary", blocks=len(blocks), people=people, seconds=round(time.monotonic() - started, 3))
    else:
        print(f"clustered {len(blocks):,} name blocks: {people:,} people")


@app.command("show")
def show_cmd(author: str = typer.Argument(..., help="An author id or name.")) -> None:
    """An author's spellings and the evidence for each, and the namesakes kept apart."""
    from kg.graph.identity import read_evidence
    from kg.store.connection import driver, settings
    from kg.store.overrides import find

    conf = settings()
    try:
        with driver(conf) as db:
            person = find(db, conf.database, author)
            records, _, _ = db.execute_query("MATCH (a:Author {id: $id}) RETURN a.evidence AS e", id=person.id,
                                             database_=conf.database)
    except KgError as exc:
        raise _fail(exc) from None
    print(f"{person.id} ({len({p for p, _ in person.mentions})} papers, block {person.block!r})")
    for e in read_evidence(records[0]["e"] or []):
        print(f"  {e.name or '(namesake)'}: {e.why}")


@app.command("overrides")
def overrides_cmd() -> None:
    """Every stored override, oldest first."""
    from kg.store.connection import driver, settings
    from kg.store.overrides import overrides

    conf = settings()
    with driver(conf) as db:
        for o in overrides(db, conf.database):
            groups = o.get("groups") or []
            print(f"{o['id']}: {o['kind']} of {len(groups)} mentions in {', '.join(o.get('blocks') or [])}")  # type: ignore[arg-type]
