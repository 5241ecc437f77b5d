"""`kg neo4j start|stop|status`: the local server from the command line."""
from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console

from kg.console import err
from kg.errors import KgError
from kg.server.home import ServerInfo, browser_connect_url, neo4j_home, read_ports
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


@app.command("browser")
def browser_cmd(
    open_: bool = typer.Option(False, "--open", help="Open it in the default web browser too."),
    guide: str = typer.Option("http://localhost:8000/guide", help="The guide to play (`kg serve` serves it); "
                              "'' for none. Its host must be localhost or 127.0.0.1."),
) -> None:
    """Print Neo4j Browser's URL with the connection filled in, and the password to paste once."""
    home = neo4j_home()
    try:
        info = status(home)
    except KgError as exc:
        raise _fail(exc) from None
    bolt, http = read_ports(home)
    url = browser_connect_url(http, bolt, guide or None)
    print(url)
    err.print(f"password: {info.password}  (paste it in Browser's form and Connect; Browser keeps it "
              "for this browser profile)", markup=False, highlight=False, soft_wrap=True)
    if open_:
        import webbrowser

        if not webbrowser.open(url):
            err.print("no web browser found: open the URL above yourself", markup=False, highlight=False)


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

