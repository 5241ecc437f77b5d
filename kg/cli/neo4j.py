"""`kg neo4j start|stop|status`: the local server from the command line."""
from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console

from kg.console import err
from kg.errors import KgError
from kg.server.home import ServerInfo, neo4j_home
from kg.server.process import running_pid, start, status, stop

console = Console()
app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def _fail(exc: KgError) -> typer.Exit:
    err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(1)


def _print_info(info: ServerInfo) -> None:
    for key, value in asdict(info).items():
        console.print(f"[bold]{key:9}[/bold] {value}", highlight=False)


@app.command("start")
def start_cmd() -> None:
    """Start the local Neo4j (downloading it on first use); a no-op when it already runs.

    It listens on 127.0.0.1 only: Bolt on $KG_NEO4J_BOLT_PORT (default 7687),
    HTTP and the Browser on $KG_NEO4J_HTTP_PORT (default 7474).

    Its files live in $KG_HOME/neo4j (default: <project>/.kg/neo4j).
    """
    home = neo4j_home()
    try:
        already = running_pid(home) is not None
        info = start(home)
    except KgError as exc:
        raise _fail(exc) from None
    console.print("Neo4j is already running." if already else "Neo4j started.")
    _print_info(info)


@app.command("stop")
def stop_cmd() -> None:
    """Stop the local Neo4j started by `kg neo4j start` (only the process it recorded)."""
    home = neo4j_home()
    try:
        pid = stop(home)
    except KgError as exc:
        raise _fail(exc) from None
    console.print(f"Neo4j (pid {pid}) stopped." if pid else "Neo4j was not running.")


@app.command("status")
def status_cmd(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Print the URI, user, password, Browser URL and version; exit 1 when not running."""
    try:
        info = status()
    except KgError as exc:
        if as_json:
            print(json.dumps({"running": False, "error": str(exc)}))
            raise typer.Exit(1) from None
        raise _fail(exc) from None
    if as_json:
        print(json.dumps({"running": True, **asdict(info)}))
    else:
        _print_info(info)

