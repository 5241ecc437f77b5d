"""`kg soak`: the fault, concurrency and abuse suite, bounded in time, on loopback, with a Neo4j of its own."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import typer

from kg.console import err


def soak_cmd(
    minutes: float = typer.Option(10.0, "--minutes", min=1.0, help="Time budget; the crash loops stop at "
                                  "their share of it."),
    papers: int = typer.Option(300, "--papers", min=50, help="Papers in the `kg synth` corpus."),
    seed: int = typer.Option(1, "--seed", help="Seed of the corpus and of the kill points."),
    kills: int = typer.Option(20, "--kills", min=1, help="Random kill points during `kg ingest`."),
    bulk_kills: int = typer.Option(4, "--bulk-kills", min=0, help="Random kill points during `kg ingest --bulk`."),
    clients: int = typer.Option(32, "--clients", min=1, help="Concurrent API clients under load."),
    load_seconds: float = typer.Option(60.0, "--load-seconds", min=5.0, help="Length of the restart-under-load "
                                       "run."),
    big_mb: int = typer.Option(200, "--big-mb", min=1, help="Size of the oversized page."),
    home: Path = typer.Option(Path(".kg/soak"), "--home", help="KG_HOME of the soak's own Neo4j (it is killed)."),
    bolt_port: int = typer.Option(17690, "--bolt-port", help="Its Bolt port (loopback)."),
    http_port: int = typer.Option(17490, "--http-port", help="Its HTTP port (loopback)."),
    api_port: int = typer.Option(17590, "--api-port", help="Port of the `kg serve` under load (loopback)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Also write the table (Markdown) here."),
    only: str = typer.Option("", "--only", help="Run only the scenarios whose name holds this, e.g. "
                             "'restart under load'."),
) -> None:
    """Kill Neo4j and kg during loads, load twice at once, restart Neo4j under API traffic, feed hostile
    files, fill the disk: print a table of runs, faults, failed requests, graph equality and peak memory."""
    from kg.bench.lab import Lab
    from kg.bench.soak import (
        Row,
        bad_input,
        concurrent_loads,
        crash_during_load,
        full_disk,
        load_while_serving,
        make_corpus,
        rate_limits,
        restart_under_load,
        table,
    )

    budget = minutes * 60
    rng = random.Random(seed)
    home = home.resolve()
    lab = Lab(home, (bolt_port, http_port))
    err.print(f"soak: Neo4j in {home} on 127.0.0.1:{bolt_port}", highlight=False)
    lab.start()
    corpus = make_corpus(lab, home / "corpus", papers, seed)
    err.print(f"soak: corpus of {papers} papers; clean load {corpus.ingest_s:.1f} s, --bulk {corpus.bulk_s:.1f} s",
              highlight=False)
    rows = []
    start = time.monotonic()  # the budget is for the scenarios, not for a first download of Neo4j

    scenarios: list[tuple[str, Callable[[], list[Row]]]] = [
        ("crash during kg ingest",
         lambda: [crash_during_load(lab, corpus, kills, rng, deadline=start + 0.45 * budget)]),
        ("crash during kg ingest --bulk", lambda: [crash_during_load(
            lab, corpus, bulk_kills, rng, bulk=True, deadline=start + 0.65 * budget)] if bulk_kills else []),
        ("two loads at once", lambda: [concurrent_loads(lab, corpus, runs=2)]),
        ("restart under load", lambda: [restart_under_load(lab, corpus, api_port, clients, load_seconds, outages=1)]),
        ("load under traffic", lambda: [load_while_serving(lab, corpus, api_port, clients)]),
        ("rate limits", lambda: [rate_limits(lab, api_port)]),
        ("bad input", lambda: bad_input(lab, corpus, home / "bad", big_mb=big_mb)),
        ("full disk", lambda: full_disk(lab, corpus, home / "small")),
    ]
    for name, run in scenarios:
        if only and only not in name:
            continue
        err.print(f"soak: {name} ({time.monotonic() - start:,.0f} s in)", highlight=False)
        rows += run()
    lab.wipe()
    elapsed = time.monotonic() - start
    text = table(rows)
    print(text)
    print(f"\n{len(rows)} scenarios in {elapsed / 60:.1f} min on a {papers}-paper corpus (seed {seed}).")
    for row in rows:
        for note in row.notes:
            print(f"- {row.scenario}: {note}")
    if output is not None:
        output.write_text(text + "\n")
    if any(r.failed or r.equal is False for r in rows):
        raise typer.Exit(1)
