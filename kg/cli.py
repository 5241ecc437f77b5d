"""The `kg` command line: parse, ingest, export, serve and the local Neo4j server."""
from __future__ import annotations

import typer

app = typer.Typer(help="kg: research-literature pages into a knowledge graph.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)


def main() -> None:
    """Entry point of the `kg` console script."""
    app()
