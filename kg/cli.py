"""The `kg` command line: parse, ingest, export, serve and the local Neo4j server."""
from __future__ import annotations

import sys
from pathlib import Path

import orjson
import typer

from kg.console import error, fail, progress
from kg.errors import KgError, PageError
from kg.parse import Page, expand, pages
from kg.resolve import Resolver

app = typer.Typer(help="kg: research-literature pages into a knowledge graph.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)

from kg.neo4j_server import app as neo4j_app  # noqa: E402

app.add_typer(neo4j_app, name="neo4j", help="Provision, start, stop and inspect the local Neo4j server.")



@app.callback()
def root() -> None:
    """kg: research-literature pages into a knowledge graph in Neo4j, served as GraphQL and RDF."""


PathsArg = typer.Argument(..., help="Page files, or directories of them.", show_default=False)


@app.command("parse")
def parse_cmd(
    paths: list[Path] = PathsArg,
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the JSON here, not to stdout."),
) -> None:
    """Parse pages and print the resolved graph as JSON (papers, authors, institutions, repos, topics)."""
    resolver = Resolver()
    rejected = 0
    files = list(expand(paths))
    for page in progress(pages(files), "parsing", total=len(files)):
        if isinstance(page, PageError):
            rejected += 1
            error(str(page))
            continue
        for record in page.records:
            resolver.add(record)
    data = orjson.dumps(resolver.graph().model_dump(mode="json"), option=orjson.OPT_INDENT_2)
    if output is None:
        sys.stdout.buffer.write(data + b"\n")
    else:
        output.write_bytes(data + b"\n")
    if rejected:
        raise fail(f"rejected {rejected} of {len(files)} files")


def main() -> None:
    """Entry point of the `kg` console script: expected failures print one line, never a traceback."""
    try:
        app()
    except KgError as exc:
        error(str(exc))
        sys.exit(1)
