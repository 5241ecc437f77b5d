"""`kg topics`: which concepts link the papers of some pages, and how many topics link two or more."""
from __future__ import annotations

from pathlib import Path

import typer

from kg.console import error, fail
from kg.errors import PageError
from kg.ingest.pages import expand, pages
from kg.ingest.resolve import Resolver
from kg.ingest.topics import abbreviation_share, census


def topics_cmd(
    paths: list[Path] = typer.Argument(..., help="Page files, or directories of them.", show_default=False),
    top: int = typer.Option(10, "--top", "-n", min=0, help="How many of the largest topics to list."),
    abbreviations: bool = typer.Option(False, "--abbreviations", "-a", help="List, instead of topics, the "
                                       "abbreviations papers write without their long forms."),
) -> None:
    """Parse pages and report their concept topics: how many link two or more papers, and the largest; and
    how many of the papers that write only an abbreviation the pages define have its long form's topic."""
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
    share = abbreviation_share(graph)
    typer.echo(f"papers that write an abbreviation the pages define and none of its long forms: {_share(*share.pop(''))} "
               "have its long form's topic")
    if abbreviations:
        for name, (n, k) in sorted(share.items(), key=lambda item: (-item[1][0], item[0]))[:top]:
            typer.echo(f"{_share(n, k):>16}  {name}")
        return
    for topic, n in counted[:top]:
        aliases = f"  (aliases: {', '.join(topic.aliases)})" if topic.aliases else ""
        typer.echo(f"{n:>6}  {topic.name}{aliases}")
    if rejected:
        raise fail(f"rejected {rejected} of {len(files)} files")


def _share(papers: int, linked: int) -> str:
    """"9 of 10 (90%)": of `papers`, `linked`."""
    return f"{linked:,} of {papers:,} ({linked / papers:.0%})" if papers else "0 of 0"
