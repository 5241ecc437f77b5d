"""kg's GraphQL beside its peer, @neo4j/graphql served by Apollo Server over the same Neo4j (the Node package
in kg/bench/peer/), and beside raw Cypher: each read shape checked to give the same answer three ways, then
driven by the same clients at 16 and 32 at a time.

`python -m kg.bench.peer --install DIR` installs the peer's npm packages (from its lockfile) into DIR.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import neo4j

from kg.bench.api import (
    AUTHORS_WITH_PAPERS,
    REQUEST_TIMEOUT_S,
    Call,
    Read,
    Served,
    Server,
    Tally,
    author_pairs,
    drive,
    neo4j_env,
    percentile,
    sample_nodes,
    via_api,
    via_cypher,
)
from kg.bench.context import Context, Figure, announced, bench_home, home_env
from kg.bench.nested import QUERY as NESTED_QUERY
from kg.bench.nested import RAW as NESTED_RAW
from kg.store.connection import Settings, driver

PACKAGE = Path(__file__).parent / "peer"
FILES = ("package.json", "package-lock.json", "server.mjs", "typeDefs.graphql")
CLIENTS = (16, 32)
SECONDS = 36.0  # per shape and client count, the three sides together, after a short warm-up of each
ROUNDS = 4  # the sides take turns, so the machine's noise falls on all three alike
REQUESTS = 6000  # at most this many requests per side, shape and client count (raw Cypher sent 3000 in its turns)
CHECKED = 20  # inputs of each shape whose three answers are compared before the load
SAMPLE = 200  # papers, authors and author pairs the inputs are drawn from


def peer_name() -> str:
    """The peer and its pinned versions, as its package.json gives them."""
    pinned = json.loads((PACKAGE / "package.json").read_text())["dependencies"]
    return f"@neo4j/graphql {pinned['@neo4j/graphql']} on Apollo Server {pinned['@apollo/server']}"


def install(folder: Path) -> Path:
    """The peer's package copied into `folder`, its npm packages installed there from the lockfile (`npm ci`)
    unless the same lockfile's were; the folder."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError("the GraphQL peer needs node (20 or later) and npm on PATH")
    folder.mkdir(parents=True, exist_ok=True)
    lock = (PACKAGE / "package-lock.json").read_bytes()
    installed = folder / "node_modules" / ".kg-lock.json"  # the lockfile node_modules was installed from
    for name in FILES:
        shutil.copyfile(PACKAGE / name, folder / name)
    if not installed.is_file() or installed.read_bytes() != lock:
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"npm ci in {folder} failed: {done.stderr.strip()[-500:]}")
        installed.write_bytes(lock)
    return folder


class Peer(Served):
    """The peer (`node server.mjs` of an installed folder) in a subprocess on a loopback port, over `conf`."""

    name = "the GraphQL peer"
    probe = "{ topics(limit: 1) { id } }"

    def __init__(self, folder: Path, conf: Settings) -> None:
        super().__init__()
        self._start(["node", "server.mjs"], {**neo4j_env(conf), "PORT": str(self.port), "NODE_ENV": "production"},
                    cwd=folder)


Answer = Callable[[Any], Any]  # from a GraphQL `data` (or a Cypher record's `answer`) to the common form


@dataclass(frozen=True)
class Shape:
    """One read, written three ways over the same parameters: kg's GraphQL, the peer's GraphQL and raw Cypher
    (one statement returning `answer`), each with how to read the common answer out of its result."""

    name: str
    kg: str
    kg_answer: Answer
    peer: str
    peer_answer: Answer
    raw: str
    note: str = ""


def first(rows: list[Any]) -> Any:
    """The first of a root list, None for none (the peer's lookups are lists filtered by id)."""
    return rows[0] if rows else None


def nodes(connection: dict[str, Any]) -> list[Any]:
    """A connection's nodes: its edges unwrapped."""
    return [edge["node"] for edge in connection["edges"]]


def peer_paper(paper: dict[str, Any] | None) -> dict[str, Any] | None:
    """The peer's paper with its authors unwrapped from their connection."""
    if paper is None:
        return None
    return {"id": paper["id"], "title": paper["title"], "year": paper["year"],
            "authors": nodes(paper["authorsConnection"])}


PAPER = Shape(
    "paper lookup",
    "query($id: ID!) { paper(id: $id) { id title year authors { id name } } }",
    lambda data: data["paper"],
    """query($id: ID!) { papers(where: {id: {eq: $id}}) { id title year
  authorsConnection(sort: [{edge: {position: ASC}}]) { edges { node { id name } } } } }""",
    lambda data: peer_paper(first(data["papers"])),
    """MATCH (p:Paper {id: $id})
RETURN p {.id, .title, .year, authors: COLLECT {
  MATCH (p)<-[r:AUTHORED]-(a:Author) WITH a ORDER BY r.position RETURN a {.id, .name} }} AS answer""",
    "a paper by id with its authors in order")

NESTED = Shape(
    "3-level nested query",
    NESTED_QUERY,
    lambda data: data["author"],
    """query($id: ID!) { authors(where: {id: {eq: $id}}) { name
  papers(limit: 20, sort: [{sortYear: DESC}, {sortDate: DESC}, {id: ASC}]) {
    id title year repos(sort: [{id: ASC}]) { url } topics(sort: [{id: ASC}]) { name } } } }""",
    lambda data: first(data["authors"]),
    NESTED_RAW.replace("AS author", "AS answer"),
    "an author, their 20 newest papers, each one's repositories and topics")

LIST = Shape(
    "filtered, sorted list with its total count",
    """query($year: Int!) { papers(where: {yearFrom: $year, hasCode: true}, orderBy: TITLE, first: 10) {
  totalCount edges { node { id title year } } } }""",
    lambda data: {"total": data["papers"]["totalCount"], "nodes": nodes(data["papers"])},
    """query($year: Int!) { papersConnection(where: {year: {gte: $year}, hasCode: {eq: true}},
  sort: [{title: ASC}, {id: ASC}], first: 10) { totalCount edges { node { id title year } } } }""",
    lambda data: {"total": data["papersConnection"]["totalCount"], "nodes": nodes(data["papersConnection"])},
    """CALL () { MATCH (p:Paper) WHERE p.year >= $year AND p.has_code = true RETURN count(p) AS total }
CALL () { MATCH (p:Paper) WHERE p.year >= $year AND p.has_code = true
  WITH p ORDER BY p.title, p.id LIMIT 10 RETURN collect(p {.id, .title, .year}) AS page }
RETURN {total: total, nodes: page} AS answer""",
    "the first 10 by title of the papers with code from a year on, and how many there are")

FILTER_WHERE = """year: {eq: $year}, authors: {some: {hIndex: {gt: 0}}}, %s"""
FILTER_MATCH = """MATCH (p:Paper) WHERE p.year = $year AND EXISTS { (p)<-[:AUTHORED]-(a:Author) WHERE a.h_index > 0 }
  AND COUNT { (p)-[:HAS_TOPIC]->(:Topic) } >= $topics"""
FILTER = Shape(
    "list filtered by a relationship and a count",
    """query($year: Int!, $topics: Int!) { papers(first: 10, orderBy: TITLE, where: {%s}) {
  totalCount edges { node { id title year } } } }""" % (FILTER_WHERE % "topicsAggregate: {count: {gte: $topics}}"),
    LIST.kg_answer,
    """query($year: Int!, $topics: Int!) { papersConnection(first: 10, sort: [{title: ASC}, {id: ASC}], where: {%s}) {
  totalCount edges { node { id title year } } } }""" % (FILTER_WHERE % "topicsConnection: {aggregate: {count: "
                                                        "{nodes: {gte: $topics}}}}"),
    LIST.peer_answer,
    f"""CALL () {{ {FILTER_MATCH} RETURN count(p) AS total }}
CALL () {{ {FILTER_MATCH}
  WITH p ORDER BY p.title, p.id LIMIT 10 RETURN collect(p {{.id, .title, .year}}) AS page }}
RETURN {{total: total, nodes: page}} AS answer""",
    "the first 10 by title of the papers of a year with an author who has a profile (an h-index) and at least a "
    "number of topics, and how many there are: `where` with an operator, a relationship filter and a count")

CONNECTION = Shape(
    "nested connection page (papersConnection)",
    """query($id: ID!) { author(id: $id) { papersConnection(first: 10, orderBy: TITLE) {
  totalCount edges { node { id title } } pageInfo { hasNextPage } } } }""",
    lambda data: data["author"] and data["author"]["papersConnection"],
    """query($id: ID!) { authors(where: {id: {eq: $id}}) { papersConnection(first: 10,
  sort: [{node: {title: ASC}}, {node: {id: ASC}}]) {
    totalCount edges { node { id title } } pageInfo { hasNextPage } } } }""",
    lambda data: (first(data["authors"]) or {}).get("papersConnection"),
    """MATCH (a:Author {id: $id})
CALL (a) { MATCH (a)-[:AUTHORED]->(p:Paper) RETURN count(p) AS total }
CALL (a) { MATCH (a)-[:AUTHORED]->(p:Paper) WITH p ORDER BY p.title, p.id LIMIT 10
  RETURN collect({node: p {.id, .title}}) AS edges }
RETURN {totalCount: total, edges: edges, pageInfo: {hasNextPage: total > 10}} AS answer""",
    "an author's first 10 papers by title, the total and whether there is more; cursors left out (each "
    "server's own)")


def kg_aggregate(author: dict[str, Any] | None) -> dict[str, Any] | None:
    """kg's count and year range: knownPaperCount, and the first and last of papersPerYear (oldest first)."""
    if author is None:
        return None
    years = [row["year"] for row in author["papersPerYear"]]
    return {"count": author["knownPaperCount"], "min": years[0] if years else None,
            "max": years[-1] if years else None}


def peer_aggregate(author: dict[str, Any] | None) -> dict[str, Any] | None:
    """The peer's count and year range, from its connection's aggregate."""
    if author is None:
        return None
    aggregate = author["papersConnection"]["aggregate"]
    return {"count": aggregate["count"]["nodes"], **aggregate["node"]["year"]}


AGGREGATE = Shape(
    "aggregate",
    "query($id: ID!) { author(id: $id) { knownPaperCount papersPerYear { year } } }",
    lambda data: kg_aggregate(data["author"]),
    """query($id: ID!) { authors(where: {id: {eq: $id}}) { papersConnection {
  aggregate { count { nodes } node { year { min max } } } } } }""",
    lambda data: peer_aggregate(first(data["authors"])),
    """MATCH (a:Author {id: $id})
CALL (a) { MATCH (a)-[:AUTHORED]->(p:Paper) RETURN count(p) AS count, min(p.year) AS min, max(p.year) AS max }
RETURN {count: count, min: min, max: max} AS answer""",
    "how many papers an author has and their first and last year; kg has no min/max aggregate: its row is "
    "knownPaperCount with papersPerYear (years oldest first), the first and last of which are the range")


def path_answer(path: dict[str, Any] | None, ids: Callable[[dict[str, Any]], list[str]]) -> Any:
    """A co-author path as its length and ends: of several shortest paths, each server may pick another."""
    return path and {"length": path["length"], "ends": [ids(path)[0], ids(path)[-1]]}


COAUTHOR_PATH = Shape(
    "coauthorPath",
    """query($from: String!, $to: String!) { coauthorPath(from: $from, to: $to, maxHops: 6) {
  length authors { id } } }""",
    lambda data: path_answer(data["coauthorPath"], lambda p: [a["id"] for a in p["authors"]]),
    "query($from: ID!, $to: ID!) { coauthorPath(from: $from, to: $to) { length authors } }",
    lambda data: path_answer(data["coauthorPath"], lambda p: list(p["authors"])),
    """MATCH (a:Author {id: $from}), (b:Author {id: $to})
OPTIONAL MATCH path = shortestPath((a)-[:AUTHORED*..12]-(b))
RETURN CASE WHEN path IS NULL THEN null ELSE
  {length: length(path) / 2, ends: [a.id, b.id]} END AS answer""",
    "the shortest co-author path within 6 hops between two authors, compared by length and ends; "
    "@neo4j/graphql has no paths: the peer's is an @cypher field running the same shortestPath")

SHAPES = (PAPER, NESTED, LIST, FILTER, CONNECTION, AGGREGATE, COAUTHOR_PATH)


def inputs(db: neo4j.Driver, database: str, count: int, seed: int = 13) -> dict[str, list[dict[str, Any]]]:
    """`count` seeded parameter maps per shape (the same ones for the same graph)."""
    rng = random.Random(seed)
    papers = [p["id"] for p in sample_nodes(db, database, "MATCH (n:Paper)", SAMPLE, rng)]
    authors = [a["id"] for a in sample_nodes(db, database, AUTHORS_WITH_PAPERS, SAMPLE, rng)]
    years = db.execute_query("MATCH (p:Paper) WHERE p.year IS NOT NULL RETURN DISTINCT p.year AS y ORDER BY y",
                             database_=database).records
    pairs = author_pairs(db, database, SAMPLE, seed)
    draw: dict[str, Callable[[], dict[str, Any]]] = {
        PAPER.name: lambda: {"id": rng.choice(papers)},
        NESTED.name: lambda: {"id": rng.choice(authors)},
        LIST.name: lambda: {"year": rng.choice(years)["y"]},
        FILTER.name: lambda: {"year": rng.choice(years)["y"], "topics": rng.randint(1, 6)},
        CONNECTION.name: lambda: {"id": rng.choice(authors)},
        AGGREGATE.name: lambda: {"id": rng.choice(authors)},
        COAUTHOR_PATH.name: lambda: dict(zip(("from", "to"), rng.choice(pairs))),
    }
    return {shape.name: [draw[shape.name]() for _ in range(count)] for shape in SHAPES}


def answers(shape: Shape, params: dict[str, Any], client: httpx.Client, urls: Mapping[str, str],
            db: neo4j.Driver, database: str) -> dict[str, Any]:
    """The answer of kg, the peer and raw Cypher to one read, in the common form."""
    got: dict[str, Any] = {}
    for side, query, answer in (("kg", shape.kg, shape.kg_answer), ("peer", shape.peer, shape.peer_answer)):
        body = client.post(urls[side], json={"query": query, "variables": params}).json()
        if body.get("errors") or not body.get("data"):
            raise RuntimeError(f"{side}: {shape.name} {params}: {body.get('errors')}")
        got[side] = answer(body["data"])
    records = db.execute_query(shape.raw, params, database_=database, routing_=neo4j.RoutingControl.READ).records
    got["raw"] = records[0]["answer"] if records else None
    return got


def check(client: httpx.Client, urls: Mapping[str, str], db: neo4j.Driver, database: str,
          plans: Mapping[str, list[dict[str, Any]]], count: int = CHECKED) -> dict[str, list[Any]]:
    """Raise unless kg, the peer and raw Cypher give the same answer to the first `count` inputs of each shape;
    the answers by shape."""
    agreed: dict[str, list[Any]] = {}
    for shape in SHAPES:
        for params in plans[shape.name][:count]:
            got = answers(shape, params, client, urls, db, database)
            if not got["kg"] == got["peer"] == got["raw"]:
                raise RuntimeError(f"{shape.name} {params}: kg, the peer and raw Cypher disagree: {got}")
            agreed.setdefault(shape.name, []).append(got["kg"])
    return agreed


Sides = dict[str, Tally]


async def load(conf: Settings, urls: Mapping[str, str], pids: Mapping[str, int], shape: Shape,
               plan: list[dict[str, Any]], clients: int, seconds: float, rounds: int) -> Sides:
    """One shape through kg, the peer and raw Cypher from `clients` concurrent clients each, the three taking
    turns in `rounds` rounds after a warm-up of each; a Tally per side."""
    reads = {"kg": [Read(shape.kg, p, ()) for p in plan], "peer": [Read(shape.peer, p, ()) for p in plan],
             "raw": [Read("", p, (((shape.raw, p),),)) for p in plan]}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S) as client, \
            neo4j.AsyncGraphDatabase.driver(conf.uri, auth=(conf.user, conf.password)) as db:
        calls: dict[str, Call] = {"kg": partial(via_api, client, urls["kg"]),
                                  "peer": partial(via_api, client, urls["peer"]),
                                  "raw": partial(via_cypher, db, conf.database)}
        tallies = {side: Tally() for side in calls}
        turn = seconds / rounds / len(calls)
        warm = 2 * clients
        for side, call in calls.items():
            await drive(reads[side][:warm], call, clients, turn, Tally())
        size = -(-(len(plan) - warm) // rounds)
        for i in range(rounds):
            for side in list(calls) if i % 2 == 0 else list(reversed(calls)):
                chunk = reads[side][warm + i * size:warm + (i + 1) * size]
                await drive(chunk, calls[side], clients, turn, tallies[side], pids.get(side))
    return tallies


@contextmanager
def serving(conf: Settings, folder: Path, client: httpx.Client, env: Mapping[str, str] | None = None
            ) -> Iterator[tuple[dict[str, str], dict[str, int]]]:
    """`kg serve` and the peer installed in `folder`, both over `conf` and answering; their URLs and process ids
    by side ("kg", "peer"), both stopped at the end."""
    kg, peer = Server(conf, env), Peer(folder, conf)
    try:
        kg.wait(client)
        peer.wait(client)
        yield {"kg": kg.url, "peer": peer.url}, {"kg": kg.proc.pid, "peer": peer.proc.pid}
    finally:
        kg.stop()
        peer.stop()


def measure(conf: Settings, folder: Path, clients: tuple[int, ...] = CLIENTS, seconds: float = SECONDS,
            rounds: int = ROUNDS, requests: int = REQUESTS, env: Mapping[str, str] | None = None
            ) -> dict[tuple[str, int], Sides]:
    """Check that kg, the peer installed in `folder` and raw Cypher answer alike over `conf`, then load each
    shape at each client count; the tallies by (shape, clients)."""
    results: dict[tuple[str, int], Sides] = {}
    with driver(conf) as db, httpx.Client(timeout=60) as client, serving(conf, folder, client, env) as (urls, pids):
        plans = inputs(db, conf.database, requests)
        with announced("checking that kg, the peer and raw Cypher answer alike"):
            check(client, urls, db, conf.database, plans)
        for shape in SHAPES:
            for n in clients:
                with announced(f"{shape.name}, {n} clients"):
                    results[shape.name, n] = asyncio.run(
                        load(conf, urls, pids, shape, plans[shape.name], n, seconds, rounds))
    return results


def figures(results: dict[tuple[str, int], Sides]) -> list[Figure]:
    """Per shape and client count: requests/s, p50 and p99 of kg beside the peer's, raw Cypher's in the note."""
    rows: list[Figure] = []
    peer_label = f"{peer_name()}, same clients"
    for (name, clients), sides in results.items():
        shape = next(s for s in SHAPES if s.name == name)
        kg, peer, raw = sides["kg"], sides["peer"], sides["raw"]
        errors = ", ".join(f"{side} {len(t.errors)}" for side, t in sides.items() if t.errors)
        counts = (f"{len(kg.seconds)} kg, {len(peer.seconds)} peer, {len(raw.seconds)} raw requests"
                  + (f"; errors: {errors}, first: {next(t.errors[0] for t in sides.values() if t.errors)[:80]}"
                     if errors else "; no errors"))
        measured: list[tuple[str, Callable[[Tally], float], str, bool]] = [
            ("requests/s", Tally.rate, "req/s", True),
            ("p50", lambda t: percentile(t.seconds, 50) * 1e3, "ms", False),
            ("p99", lambda t: percentile(t.seconds, 99) * 1e3, "ms", False)]
        for label, value, unit, higher in measured:
            ours, theirs, plain = value(kg), value(peer), value(raw)
            note = (f"raw Cypher (one statement, async driver) {plain:,.1f} {unit}: kg {ours / plain:.2f}x, "
                    f"the peer {theirs / plain:.2f}x; {shape.note}; {counts}")
            rows.append(Figure(f"peer: {name} {label}, {clients} clients", ours, unit,
                               peer_label, theirs, higher_is_better=higher,
                               note=note.replace("|", "/")))
    return rows


def bench_peer(ctx: Context) -> Iterator[Figure]:
    """A `kg bench` step: run it after a step that leaves the corpus loaded."""
    with announced("installing the GraphQL peer (npm ci)"):
        folder = install(bench_home().root.parent / "graphql-peer")
    yield from figures(measure(ctx.settings, folder, env=home_env()))


def main() -> None:
    """Install the peer's npm packages into a folder (as `make install-test` does for the tests)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", type=Path, required=True, metavar="DIR")
    print(install(parser.parse_args().install))


if __name__ == "__main__":
    main()
