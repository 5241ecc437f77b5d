"""coauthorPath latency through the API (a real `kg serve` over HTTP) next to the same Cypher
shortestPath over the driver, interleaved pair by pair in one run; and the API under load (32 concurrent
clients, a mix of reads) next to the same Cypher from 32 clients of the async driver.

`python -m kg.bench.api` measures the graph of kg.store.connection.settings() (load one first, e.g. with
`kg synth` and `kg ingest`), `python -m kg.bench.api --load` the load; `bench_api` and `bench_load` are the
same measurements as steps of `kg bench`.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import neo4j
import psutil

from api import cypher, refs
from api.limits import MAX_PAGE, lucene_query
from api.search import TIE_SLACK
from kg.bench.context import Context, Figure, home_env
from kg.bench.report import figure_table
from kg.store.connection import Settings, driver, settings

HOPS = 6
QUERY = """query($from: String!, $to: String!) {
  coauthorPath(from: $from, to: $to, maxHops: %d) { length authors { id } papers { id } } }""" % HOPS
# Nodes are sampled as a window, at a seeded offset, of those a MATCH binds to `n`, in id order.
AUTHORS_WITH_PAPERS = "MATCH (n:Author) WHERE EXISTS { (n)-[:AUTHORED]->() }"
ALL_PAPERS = "MATCH (n:Paper)"
# The baseline: the API's own coauthorPath Cypher (lookups and shortestPath in one query), over the driver.
RAW = cypher.SHORTEST_PATH[HOPS]
FLOOR = "{ __typename }"  # HTTP + GraphQL with no database call: the part of the overhead that is fixed
START_TIMEOUT_S = 60.0


def percentile(values: list[float], pct: float) -> float:
    """The `pct` percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def sample_nodes(db: neo4j.Driver, database: str, match: str, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Up to `count` consecutive nodes (in id order, from an offset drawn from `rng`) of those `match`
    binds to `n`, as maps of their id, name and title."""
    total = db.execute_query(f"{match} RETURN count(n) AS n", database_=database).records[0]["n"]
    limit = min(total, count)
    records = db.execute_query(f"{match} WITH n ORDER BY n.id SKIP $skip LIMIT $limit "
                               "RETURN n {.id, .name, .title} AS n", skip=rng.randrange(max(1, total - limit + 1)),
                               limit=limit, database_=database).records
    return [r["n"] for r in records]


def author_pairs(db: neo4j.Driver, database: str, count: int, seed: int = 7) -> list[tuple[str, str]]:
    """`count` random pairs of distinct authors who wrote papers (the same pairs for the same graph)."""
    rng = random.Random(seed)
    ids = [n["id"] for n in sample_nodes(db, database, AUTHORS_WITH_PAPERS, 4 * count, rng)]
    return [tuple(rng.sample(ids, 2)) for _ in range(count)]


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Served:
    """A GraphQL server in a subprocess on a loopback port, its stderr kept for the error if it exits."""

    name = "the server"
    path = "/"
    probe = "{ __typename }"  # a query it answers once it is up

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{self.path}"
        self.log = tempfile.TemporaryFile()  # its stderr: a pipe nobody reads would block it once full

    def _start(self, args: list[str], env: Mapping[str, str], cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(args, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                     stderr=self.log)

    def wait(self, client: httpx.Client) -> None:
        """Block until it answers its probe."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} exited: {self.log.read().decode(errors='replace')[-500:]}")
            try:
                if client.post(self.url, json={"query": self.probe}).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer in time")

    def stop(self) -> None:
        """Stop it."""
        self.proc.terminate()
        self.proc.wait(20)
        self.log.close()


def neo4j_env(conf: Settings) -> dict[str, str]:
    """The environment that points a server at `conf`'s Neo4j."""
    return {"NEO4J_URI": conf.uri, "NEO4J_USER": conf.user, "NEO4J_PASSWORD": conf.password,
            "NEO4J_DATABASE": conf.database}


class Server(Served):
    """`kg serve` in a subprocess on a loopback port, pointed at `conf`."""

    name = "kg serve"
    path = "/graphql"
    probe = "{ stats { papers } }"

    def __init__(self, conf: Settings, env: Mapping[str, str] | None = None, workers: int = 1) -> None:
        super().__init__()
        self._start([sys.executable, "-m", "kg", "serve", "--port", str(self.port), "--workers", str(workers)],
                    {**(env or {}), **neo4j_env(conf), "KG_API_RATE": "0"})  # measures the API, not its rate limit


def measure(conf: Settings, pairs: int = 200, warmup: int = 20,
            env: Mapping[str, str] | None = None) -> dict[str, list[float]]:
    """Seconds per coauthorPath call through the API, per raw shortestPath call and per `{ __typename }`
    through the API, and the path lengths; the three interleaved pair by pair."""
    api_s: list[float] = []
    raw_s: list[float] = []
    floor_s: list[float] = []
    lengths: list[float] = []
    with driver(conf) as db, httpx.Client(timeout=60) as client:
        chosen = author_pairs(db, conf.database, pairs + warmup)
        server = Server(conf, env)
        try:
            server.wait(client)
            for i, (a, b) in enumerate(chosen):
                start = time.perf_counter()
                records = db.execute_query(RAW, path_params((a, b)), database_=conf.database,
                                           routing_=neo4j.RoutingControl.READ).records[0]["paths"]
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
    return latency_figures("coauthorPath", "raw shortestPath over the driver", times, note)


def latency_figures(read: str, baseline: str, times: dict[str, list[float]], note: str) -> list[Figure]:
    """p50 and p99 of `read` via the API (times["api"]) next to its baseline (times["raw"]), in milliseconds."""
    return [Figure(f"{read} {name} via the API", percentile(times["api"], pct) * 1e3, "ms",
                   f"{baseline}, {name}", percentile(times["raw"], pct) * 1e3, higher_is_better=False, note=note)
            for name, pct in (("p50", 50), ("p99", 99))]


def bench_api(ctx: Context) -> Iterator[Figure]:
    """A `kg bench` step: run it after a step that leaves the corpus loaded."""
    yield from figures(measure(ctx.settings, env=home_env()))


def table(times: dict[str, list[float]]) -> str:
    """The figures as a Markdown table, with the overhead ratio and the fixed HTTP + GraphQL floor."""
    rows = figures(times)
    lines = ["| | via the API | raw Cypher over the driver | API overhead | `{ __typename }` via the API |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| coauthorPath {name} | {f.value:.2f} ms | {f.baseline_value:.2f} ms | {f.ratio:.2f}x "
              f"| {percentile(times['floor'], pct) * 1e3:.2f} ms |"
              for f, (name, pct) in zip(rows, (("p50", 50), ("p99", 99)))]
    return "\n".join(lines) + f"\n\n{rows[0].note}.\n"


# The load: a seeded mix of reads, each one GraphQL request and the Cypher its resolvers run.
CLIENTS = 32
LOAD_REQUESTS = 2000  # at most this many requests per side
LOAD_SECONDS = 60.0  # and at most this long for both sides together, after a short warm-up of each
LOAD_ROUNDS = 4  # the sides take turns, so the machine's noise falls on both alike
REQUEST_TIMEOUT_S = 10.0
SAMPLE = 200  # papers, authors and author pairs the reads are drawn from
# `kg serve --workers` of the load: a process per core beyond the two that Neo4j and the load generator keep busy.
# On the 2-core bench machine, 2 workers measured slower than 1 (no idle core for the second one).
SERVE_WORKERS = max(1, (os.cpu_count() or 1) - 2)
MIX = {"paper": 4, "author": 3, "search": 2, "coauthorPath": 1}  # relative frequency of each read
PAPER_QUERY = "query($id: ID!) { paper(id: $id) { id title authors { id name } topics { id name } } }"
AUTHOR_QUERY = """query($name: String!) {
  author(name: $name) { id name coauthors(first: 5) { count author { id name } } } }"""
SEARCH_QUERY = "query($q: String!) { papers(search: $q, first: 10) { edges { node { id title } } } }"
Stage = tuple[tuple[str, dict[str, Any]], ...]  # Cypher queries (text, parameters) the API runs concurrently


@dataclass(frozen=True)
class Read:
    """One request of the load: a GraphQL query and its variables, and the Cypher the API runs for it,
    stage after stage."""

    query: str
    variables: dict[str, Any]
    stages: tuple[Stage, ...]


@dataclass
class Tally:
    """What one side of the load measured: seconds per request (failed ones too), error messages, wall
    time, and the CPU seconds the `kg serve` process and the load generator used in the side's turns."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    def rate(self) -> float:
        """Requests per second."""
        return len(self.seconds) / self.wall if self.wall else 0.0

    def cpu_ms(self, seconds: float) -> float:
        """`seconds` of CPU per request, in milliseconds."""
        return seconds / len(self.seconds) * 1e3 if self.seconds else 0.0


def cpu_seconds(pid: int | None) -> float:
    """CPU seconds (user + system) process `pid` and its live children (`kg serve`'s workers) have used so far;
    0 for none."""
    if not pid:
        return 0.0
    total = 0.0
    try:
        process = psutil.Process(pid)
        processes = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for one in processes:
        try:
            times = one.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def paper_read(paper_id: str) -> Read:
    """A paper by id with its authors and topics: the paper, then both lists at once."""
    key = {"keys": [paper_id]}
    return Read(PAPER_QUERY, {"id": paper_id}, (
        ((cypher.by_id("Paper"), key),),
        ((cypher.PAPER_AUTHORS, {**key, "first": MAX_PAGE}), (cypher.PAPER_TOPICS, key))))


def author_read(author: dict[str, Any]) -> Read:
    """An author by name with five co-authors: the name lookup, then the co-authors."""
    return Read(AUTHOR_QUERY, {"name": author["name"]}, (
        ((refs.REF_QUERIES["Author"], {"refs": [refs.ref("Author", author["name"])]}),),
        ((cypher.AUTHOR_COAUTHORS, {"keys": [author["id"]], "first": 5}),)))


def search_read(words: str) -> Read:
    """The first ten papers of a full-text search: the API's read of Lucene's top hits (api/search.py)."""
    params = {"search": lucene_query(words), "n": 11 + TIE_SLACK}
    return Read(SEARCH_QUERY, {"q": words}, (((cypher.PAPERS_SEARCH_TOP, params),),))


def path_params(pair: tuple[str, str]) -> dict[str, Any]:
    """The parameters of the coauthorPath query between two authors."""
    return {"from": refs.ref("Author", pair[0]), "to": refs.ref("Author", pair[1]), "first": 1, "avoid": []}


def path_read(pair: tuple[str, str]) -> Read:
    """coauthorPath between two authors, in one query."""
    return Read(QUERY, {"from": pair[0], "to": pair[1]}, (((cypher.SHORTEST_PATH[HOPS], path_params(pair)),),))


def title_words(paper: dict[str, Any], rng: random.Random) -> str:
    """One or two words of a paper's title, as someone searching for it might type."""
    words = [w for w in paper["title"].split() if len(w) > 3 and w.isalnum()] or paper["title"].split()
    return " ".join(rng.sample(words, min(len(words), rng.choice((1, 2)))))


def load_plan(db: neo4j.Driver, database: str, count: int, seed: int = 11) -> list[Read]:
    """`count` reads drawn from the MIX (the same reads for the same graph)."""
    rng = random.Random(seed)
    papers = sample_nodes(db, database, ALL_PAPERS, SAMPLE, rng)
    authors = sample_nodes(db, database, AUTHORS_WITH_PAPERS, SAMPLE, rng)
    pairs = author_pairs(db, database, SAMPLE, seed)
    make: dict[str, Callable[[], Read]] = {
        "paper": lambda: paper_read(rng.choice(papers)["id"]),
        "author": lambda: author_read(rng.choice(authors)),
        "search": lambda: search_read(title_words(rng.choice(papers), rng)),
        "coauthorPath": lambda: path_read(rng.choice(pairs)),
    }
    return [make[kind]() for kind in rng.choices(list(MIX), weights=list(MIX.values()), k=count)]


async def via_api(client: httpx.AsyncClient, url: str, read: Read) -> str | None:
    """Post `read` to the API; the error, if any (transport, HTTP status or GraphQL `errors`)."""
    try:
        response = await client.post(url, json={"query": read.query, "variables": read.variables})
        errors = response.json().get("errors") if response.status_code == 200 else [
            {"message": f"HTTP {response.status_code}"}]
    except (httpx.HTTPError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return errors[0].get("message", "error") if errors else None


async def via_cypher(db: neo4j.AsyncDriver, database: str, read: Read) -> str | None:
    """Run `read`'s Cypher stage after stage, each stage's queries at once; the error, if any."""
    try:
        for stage in read.stages:
            await asyncio.gather(*(db.execute_query(neo4j.Query(text, timeout=REQUEST_TIMEOUT_S), params,
                                                    database_=database, routing_=neo4j.RoutingControl.READ)
                                   for text, params in stage))
    except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


Call = Callable[[Read], Awaitable[str | None]]


async def drive(reads: list[Read], call: Call, clients: int, seconds: float, tally: Tally,
                server_pid: int | None = None) -> None:
    """`clients` concurrent clients send `reads` through `call`, one at a time each, until every read
    is sent or `seconds` have passed (requests then in flight finish); CPU as in Tally."""
    queue = iter(reads)
    deadline = time.monotonic() + seconds

    async def client() -> None:
        for read in queue:
            if time.monotonic() >= deadline:
                return
            start = time.perf_counter()
            error = await call(read)
            tally.seconds.append(time.perf_counter() - start)
            if error:
                tally.errors.append(error)

    start, server_cpu, client_cpu = time.perf_counter(), cpu_seconds(server_pid), time.process_time()
    await asyncio.gather(*(client() for _ in range(clients)))
    tally.wall += time.perf_counter() - start
    tally.server_cpu += cpu_seconds(server_pid) - server_cpu
    tally.client_cpu += time.process_time() - client_cpu


async def load(conf: Settings, url: str, reads: list[Read], warmup: list[Read], clients: int,
               seconds: float, rounds: int, server_pid: int | None = None) -> dict[str, Tally]:
    """The reads through the API at `url` (served by process `server_pid`) and as raw Cypher, the two
    taking turns in `rounds` rounds after a warm-up of each; a Tally per side ("api", "raw")."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S) as client, \
            neo4j.AsyncGraphDatabase.driver(conf.uri, auth=(conf.user, conf.password)) as db:
        calls: dict[str, Call] = {"api": partial(via_api, client, url),
                                  "raw": partial(via_cypher, db, conf.database)}
        tallies = {side: Tally() for side in calls}
        turn = seconds / rounds / len(calls)
        for call in calls.values():
            await drive(warmup, call, clients, turn, Tally())
        size = -(-len(reads) // rounds)
        for i in range(rounds):
            for side in list(calls) if i % 2 == 0 else list(reversed(calls)):
                await drive(reads[i * size:(i + 1) * size], calls[side], clients, turn, tallies[side],
                            server_pid)
    return tallies


def measure_load(conf: Settings, requests: int = LOAD_REQUESTS, seconds: float = LOAD_SECONDS,
                 clients: int = CLIENTS, rounds: int = LOAD_ROUNDS, workers: int = SERVE_WORKERS,
                 env: Mapping[str, str] | None = None) -> dict[str, Tally]:
    """The load against a `kg serve --workers N` of its own on loopback, pointed at `conf` (`env`: more of
    its environment, such as the bench's kg home)."""
    with driver(conf) as db, httpx.Client(timeout=60) as client:
        plan = load_plan(db, conf.database, requests + 2 * clients)
        server = Server(conf, env, workers)
        try:
            server.wait(client)
            return asyncio.run(load(conf, server.url, plan[2 * clients:], plan[:2 * clients], clients,
                                    seconds, rounds, server.proc.pid))
        finally:
            server.stop()


def load_figures(tallies: dict[str, Tally], clients: int = CLIENTS, workers: int = SERVE_WORKERS) -> list[Figure]:
    """Requests/s, p99 and errors through the API (`kg serve --workers <workers>`) next to raw Cypher."""
    api, raw = tallies["api"], tallies["raw"]
    mix = ", ".join(f"{kind} {weight}" for kind, weight in MIX.items())
    note = (f"{len(api.seconds)} GraphQL requests to `kg serve --workers {workers}` and {len(raw.seconds)} "
            f"Cypher requests of one seeded mix ({mix}) in {api.wall:.0f} s and {raw.wall:.0f} s")
    if api.server_cpu:  # where the CPU of this shared machine went, whatever else ran on it
        note += (f"; CPU per request: kg serve {api.cpu_ms(api.server_cpu):.2f} ms, load generator "
                 f"{api.cpu_ms(api.client_cpu):.2f} ms (HTTP client) vs {raw.cpu_ms(raw.client_cpu):.2f} ms "
                 f"(driver)")
    baseline = f"the same reads as raw Cypher, {clients} async driver clients"
    errors = (f"{len(api.errors)} errors of {len(api.seconds)} GraphQL requests (transport, HTTP or GraphQL "
              f"`errors`), {len(raw.errors)} of {len(raw.seconds)} raw Cypher requests")
    if api.errors or raw.errors:
        errors += "; first: " + (api.errors or raw.errors)[0][:100].replace("|", "/")
    return [
        Figure(f"GraphQL requests/s, {clients} concurrent clients", api.rate(), "req/s", baseline, raw.rate(),
               note=note),
        Figure(f"GraphQL p99 latency, {clients} concurrent clients", percentile(api.seconds, 99) * 1e3, "ms",
               baseline, percentile(raw.seconds, 99) * 1e3, higher_is_better=False, note=note),
        Figure(f"GraphQL requests without error, {clients} concurrent clients", ok_percent(api), "%", baseline,
               ok_percent(raw), note=errors),
    ]


def ok_percent(tally: Tally) -> float:
    """The share of requests that succeeded, in percent."""
    return 100.0 * (1 - len(tally.errors) / len(tally.seconds)) if tally.seconds else 0.0


def bench_load(ctx: Context) -> Iterator[Figure]:
    """A `kg bench` step: run it after a step that leaves the corpus loaded."""
    yield from load_figures(measure_load(ctx.settings, env=home_env()))


def main() -> None:
    """Measure against the configured Neo4j and print (or write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--load", action="store_true", help=f"measure the API under load ({CLIENTS} clients)")
    parser.add_argument("--requests", type=int, default=LOAD_REQUESTS, help="with --load: at most, per side")
    parser.add_argument("--seconds", type=float, default=LOAD_SECONDS, help="with --load: at most, both sides")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="with --load: concurrent clients per side")
    parser.add_argument("--workers", type=int, default=SERVE_WORKERS, help="with --load: kg serve's processes")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    if args.load:
        rows = load_figures(measure_load(settings(), args.requests, args.seconds, args.clients,
                                         workers=args.workers), args.clients, args.workers)
        text = figure_table(rows) + f"\nLoad average at the end: {os.getloadavg()[0]:.2f} (1 min).\n"
    else:
        text = table(measure(settings(), args.pairs))
    if args.output:
        args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
