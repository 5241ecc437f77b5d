"""`kg pages list|forget`: the pages the graph holds, and removing one as if it had never been loaded."""
from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
COLUMNS = ("page", "format", "title", "saves", "newest", "listed")


@app.command("list")
def list_cmd(
    fmt: str | None = typer.Option(None, "--format", "-f", help="Only pages of this format: profile, feed or search."),
) -> None:
    """Each page: its id, format and title (whose profile, which day, which search), how many saves the
    graph holds, the newest save's date and how many papers the page lists now."""
    from kg.store.connection import driver, settings
    from kg.store.pages import list_pages

    conf = settings()
    with driver(conf) as db:
        rows = [[str(r[k] if r[k] is not None else "") for k in ("id", "format", "title", "saves", "newest", "listed")]
                for r in list_pages(db, conf.database, fmt)]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(COLUMNS)]
    for line in [list(COLUMNS), *rows]:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())


@app.command("forget")
def forget_cmd(page: str = typer.Argument(..., help="The page's id, or its title when only one page has it.")) -> None:
    """Remove a page: its saves, its listings, the nodes only it gave, and what it added to nodes other
    pages share (recomputed from those pages' stored saves); the graph is as if it had never been loaded."""
    from kg.cli import sparql
    from kg.rdf.sparql_store import Layout, store_root
    from kg.store.connection import driver, settings
    from kg.store.pages import forget

    conf = settings()
    with driver(conf) as db:
        done = forget(db, page, conf.database)
    typer.echo(f"forgot {page}: {done['papers']} papers recomputed from {done['reloaded']} other saves")
    if Layout(store_root()).current() is not None:  # a refresh only adds; forgetting deletes
        sparql.build(", a page was forgotten")
