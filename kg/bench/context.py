"""What every benchmark step shares: its figures, and the bench server it wipes."""
from __future__ import annotations

import os
import shlex
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import neo4j

from kg import server
from kg.console import err
from kg.settings import settings
from kg.store.connection import Settings, driver
from kg.store.schema import apply_schema


@dataclass
class Figure:
    """One measured figure and its baseline from the same run."""

    name: str
    value: float
    unit: str
    baseline: str
    baseline_value: float
    higher_is_better: bool = True
    note: str = ""

    @property
    def ratio(self) -> float:
        """The figure over its baseline (>1 means kg is ahead when higher is better)."""
        return self.value / self.baseline_value if self.baseline_value else float("nan")


@dataclass
class Context:
    """What every benchmark step needs: the corpus, a wiped-per-step database and its settings."""

    corpus: Path
    papers: int
    settings: Settings
    driver: neo4j.Driver
    sampled: tuple[Path, int, str] | None = None  # what `sample` found, kept for the next step
    grow_seed: int = 2  # the grow step's new pages: a synthetic corpus of another seed than the bench corpus's (1)

    def wipe(self) -> None:
        """Empty the bench database: its store discarded, the server restarted, the schema applied."""
        from kg.store.bulk import discard_store

        home = bench_home()
        with announced("emptying the bench database (Neo4j restarted)"):
            server.stop(home)
            discard_store(home)
            server.start(home, ports=bench_ports())
        self.reconnect()
        apply_schema(self.driver, self.settings.database)

    def warm(self) -> None:
        """Read every node's and relationship's properties and every id index once: a step that measures a
        running server does not pay for the page cache of one just started (a one-time cost)."""
        with announced("warming the page cache"):
            indexes, _, _ = self.driver.execute_query(_INDEXES, database_=self.settings.database)
            for query in warm_statements([(r["label"], p) for r in indexes for p in r["properties"]]):
                self.driver.execute_query(query, database_=self.settings.database)

    def reconnect(self) -> None:
        """A new driver: the import replaced the database, so the old driver's bookmarks are from the future."""
        self.driver.close()
        self.driver = driver(self.settings)

    def bulk_env(self) -> dict[str, str]:
        """Environment that points `kg ingest --bulk` at the bench server's home and ports."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
        bolt, http = bench_ports()
        return {**env, **home_env(), server.BOLT_PORT_ENV: str(bolt), server.HTTP_PORT_ENV: str(http)}

    def env(self) -> dict[str, str]:
        """Environment that points a `kg` subprocess at the bench database, and at the bench's kg home: the
        SPARQL store `kg ingest` keeps current is the one `--bulk` built there, not the user's."""
        return {**os.environ, **home_env(), "NEO4J_URI": self.settings.uri,
                "NEO4J_USER": self.settings.user, "NEO4J_PASSWORD": self.settings.password,
                "NEO4J_DATABASE": self.settings.database}


# The node range indexes (those of constraints included), one property each: what warm_statements scans.
_INDEXES = """
SHOW RANGE INDEXES YIELD entityType, labelsOrTypes, properties
WHERE entityType = 'NODE' AND size(labelsOrTypes) = 1
RETURN labelsOrTypes[0] AS label, properties
"""


def warm_statements(indexes: list[tuple[str, str]]) -> list[str]:
    """The reads `Context.warm` runs: the whole store, then each node range index (label, property) by a scan."""
    return ["MATCH (n) RETURN count(properties(n)) AS n", "MATCH ()-[r]->() RETURN count(properties(r)) AS n",
            *(f"MATCH (n:`{label}`) WHERE n.`{prop}` IS NOT NULL RETURN count(*) AS n" for label, prop in indexes)]


def home_env() -> dict[str, str]:
    """The variable that gives a `kg` subprocess the bench's kg home (its Neo4j home and SPARQL store)."""
    return {server.HOME_ENV: str(bench_home().root.parent)}


def bench_ports() -> tuple[int, int]:
    """(bolt, http) of the bench's server: KG_BENCH_BOLT_PORT and KG_BENCH_HTTP_PORT, else 27687 and 27474."""
    conf = settings()
    return conf.bench_bolt_port, conf.bench_http_port


def bench_home() -> server.Neo4jHome:
    """The benchmark server's folder, beside the user's own."""
    return server.neo4j_home(server.find_kg_home() / "bench")


def stop_command() -> str:
    """The shell command that stops the bench's Neo4j server."""
    return " ".join(f"{name}={shlex.quote(value)}" for name, value in home_env().items()) + " kg neo4j stop"


_doing: list[str] = []  # what the bench is doing, outermost first: "grow", "baseline"


@contextmanager
def announced(what: str, note: str = "") -> Iterator[None]:
    """Say on stderr when `what` starts (with `note`) and how long it took, within what it is part of:
    "bench: grow: baseline: started", then "bench: grow: baseline: done in 12.3 s" (or "failed after")."""
    _doing.append(what)
    label, start = ": ".join(_doing), time.perf_counter()
    err.print(f"bench: {label}: started{f' ({note})' if note else ''}", highlight=False, markup=False)
    try:
        yield
    except BaseException:
        err.print(f"bench: {label}: failed after {time.perf_counter() - start:,.1f} s", highlight=False, markup=False)
        raise
    finally:
        _doing.pop()
    err.print(f"bench: {label}: done in {time.perf_counter() - start:,.1f} s", highlight=False, markup=False)
