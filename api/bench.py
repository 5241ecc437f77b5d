"""coauthorPath latency through the API (a real `kg serve` over HTTP) next to the same Cypher
shortestPath over the driver, interleaved pair by pair in one run.

`python -m api.bench` measures the graph of kg.connection.settings() (load one first, e.g. with
`kg synth` and `kg ingest`); `bench_api` is the same measurement as a step of `kg bench`.
"""
from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import neo4j

from kg.bench import Context, Figure
from kg.connection import Settings, driver, settings

HOPS = 6
QUERY = """query($from: String!, $to: String!) {
  coauthorPath(from: $from, to: $to, maxHops: %d) { length authors { id } papers { id } } }""" % HOPS
# Authors sampled among those with papers; pairs drawn from them at random (seeded).
SAMPLE_AUTHORS = """
MATCH (a:Author) WHERE EXISTS { (a)-[:AUTHORED]->() }
WITH a ORDER BY a.id SKIP $skip LIMIT $limit RETURN a.id AS id
"""
# The baseline: the API's shortestPath alone, on ids, over the driver.
RAW = """
MATCH (a:Author {id: $from}), (b:Author {id: $to})
MATCH path = shortestPath((a)-[:AUTHORED*..%d]-(b))
RETURN [n IN nodes(path) | n {.*}] AS nodes
""" % (2 * HOPS)
FLOOR = "{ __typename }"  # HTTP + GraphQL with no database call: the part of the overhead that is fixed
START_TIMEOUT_S = 60.0


def percentile(values: list[float], pct: float) -> float:
    """The `pct` percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def author_pairs(db: neo4j.Driver, database: str, count: int, seed: int = 7) -> list[tuple[str, str]]:
    """`count` random pairs of distinct authors who wrote papers (the same pairs for the same graph)."""
    total = db.execute_query("MATCH (a:Author) WHERE EXISTS { (a)-[:AUTHORED]->() } RETURN count(a) AS n",
                             database_=database).records[0]["n"]
    rng = random.Random(seed)
    limit = min(total, 4 * count)
    records = db.execute_query(SAMPLE_AUTHORS, skip=rng.randrange(max(1, total - limit + 1)), limit=limit,
                               database_=database).records
    ids = [r["id"] for r in records]
    return [tuple(rng.sample(ids, 2)) for _ in range(count)]  # type: ignore[misc]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`kg serve` in a subprocess on a loopback port, pointed at `conf`."""

    def __init__(self, conf: Settings) -> None:
        self.port = _free_port()
        env = {**os.environ, "NEO4J_URI": conf.uri, "NEO4J_USER": conf.user, "NEO4J_PASSWORD": conf.password,
               "NEO4J_DATABASE": conf.database}
        self.proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(self.port)], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}/graphql"

    def wait(self, client: httpx.Client) -> None:
        """Block until the server answers a query."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kg serve exited: {self.proc.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
            try:
                if client.post(self.url, json={"query": "{ stats { papers } }"}).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("kg serve did not answer in time")

    def stop(self) -> None:
        """Stop the server."""
        self.proc.terminate()
        self.proc.wait(20)


def measure(conf: Settings, pairs: int = 200, warmup: int = 20) -> dict[str, list[float]]:
    """Seconds per coauthorPath call through the API, per raw shortestPath call and per `{ __typename }`
    through the API, and the path lengths; the three interleaved pair by pair."""
    api_s: list[float] = []
    raw_s: list[float] = []
    floor_s: list[float] = []
    lengths: list[float] = []
    with driver(conf) as db, httpx.Client(timeout=60) as client:
        chosen = author_pairs(db, conf.database, pairs + warmup)
        server = Server(conf)
        try:
            server.wait(client)
            for i, (a, b) in enumerate(chosen):
                start = time.perf_counter()
                records = db.execute_query(RAW, {"from": a, "to": b}, database_=conf.database,
                                           routing_=neo4j.RoutingControl.READ).records
                raw = time.perf_counter() - start
                start = time.perf_counter()
                answer = client.post(server.url, json={"query": QUERY, "variables": {"from": a, "to": b}}).json()
                api = time.perf_counter() - start
                start = time.perf_counter()
                client.post(server.url, json={"query": FLOOR}).raise_for_status()
                floor = time.perf_counter() - start
                path = answer["data"]["coauthorPath"]
                assert (path is None) == (not records), (a, b, answer)
                if i >= warmup:
                    raw_s.append(raw)
                    api_s.append(api)
                    floor_s.append(floor)
                    lengths.append(path["length"] if path else -1)
        finally:
            server.stop()
    return {"api": api_s, "raw": raw_s, "floor": floor_s, "lengths": lengths}


def figures(times: dict[str, list[float]]) -> list[Figure]:
    """p50 and p99 of the API next to raw Cypher, in milliseconds."""
    found = [n for n in times["lengths"] if n >= 0]
    note = (f"{len(times['api'])} random author pairs, {len(found)} connected within {HOPS} hops "
            f"(mean length {sum(found) / max(1, len(found)):.1f}); API = HTTP + GraphQL + name resolution")
    return [Figure(f"coauthorPath {name} via the API", percentile(times["api"], pct) * 1e3, "ms",
                   f"raw shortestPath over the driver, {name}", percentile(times["raw"], pct) * 1e3,
                   higher_is_better=False, note=note)
            for name, pct in (("p50", 50), ("p99", 99))]


def bench_api(ctx: Context) -> Iterator[Figure]:
    """A `kg bench` step: run it after a step that leaves the corpus loaded."""
    yield from figures(measure(ctx.settings))


def table(times: dict[str, list[float]]) -> str:
    """The figures as a Markdown table, with the overhead ratio and the fixed HTTP + GraphQL floor."""
    rows = figures(times)
    lines = ["| | via the API | raw Cypher over the driver | API overhead | `{ __typename }` via the API |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| coauthorPath {name} | {f.value:.2f} ms | {f.baseline_value:.2f} ms | {f.ratio:.2f}x "
              f"| {percentile(times['floor'], pct) * 1e3:.2f} ms |"
              for f, (name, pct) in zip(rows, (("p50", 50), ("p99", 99)))]
    return "\n".join(lines) + f"\n\n{rows[0].note}.\n"


def main() -> None:
    """Measure against the configured Neo4j and print (or write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    text = table(measure(settings(), args.pairs))
    if args.output:
        args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
