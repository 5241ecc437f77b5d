"""`kg topics`: which concepts link the papers of some pages, and how many topics link two or more."""
from __future__ import annotations

from pathlib import Path

import typer

from kg.console import error, fail
from kg.errors import PageError
from kg.ingest.pages import expand, pages
from kg.ingest.resolve import Resolver
from kg.ingest.topics import census


def topics_cmd(
    paths: list[Path] = typer.Argument(..., help="Page files, or directories of them.", show_default=False),
    top: int = typer.Option(10, "--top", "-n", min=0, help="How many of the largest topics to list."),
) -> None:
    """Parse pages and report their concept topics: how many link two or more papers, and the largest."""
    resolver = Resolver()
    files = list(expand(paths))
    rejected = 0
    for page in pages(files):
        if isinstance(page, PageError):
            error(str(page))
            rejected += 1
            continue
        for record in page.records:
            resolver.add(record)
    graph = resolver.graph()
    counted = census(graph.papers, graph.topics)
    shared = sum(1 for _, n in counted if n >= 2)
    typer.echo(f"{len(graph.papers)} papers, {len(counted)} concept topics, {shared} of them on two or more papers")
    for topic, n in counted[:top]:
        aliases = f"  (aliases: {', '.join(topic.aliases)})" if topic.aliases else ""
        typer.echo(f"{n:>6}  {topic.name}{aliases}")
    if rejected:
        raise fail(f"rejected {rejected} of {len(files)} files")
