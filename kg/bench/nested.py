"""A 3-level nested read through the API (author -> 20 papers -> their repositories and topics) next to one
hand-written Cypher query returning the same JSON, interleaved author by author in one run."""
from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping

import httpx
import neo4j

from api.cypher import PAPER_ORDER
from kg.bench.api import AUTHORS_WITH_PAPERS, Server, latency_figures, sample_nodes
from kg.bench.context import Context, Figure, home_env
from kg.store.connection import Settings, driver

PAPERS = 20
QUERY = """query($id: ID!) { author(id: $id) { name papers(first: %d) {
  id title year repos { url } topics { name } } } }""" % PAPERS
# The same answer as one statement: what a person would write by hand for this page of data.
RAW = f"""
MATCH (a:Author {{id: $id}})
CALL (a) {{
  MATCH (a)-[:AUTHORED]->(p:Paper)
  RETURN p ORDER BY {PAPER_ORDER} LIMIT {PAPERS}
}}
WITH a, collect(p {{.id, .title, .year,
  repos: COLLECT {{ MATCH (p)-[:HAS_CODE]->(r:Repo) WITH r ORDER BY r.id RETURN r {{.url}} }},
  topics: COLLECT {{ MATCH (p)-[:HAS_TOPIC]->(t:Topic) WITH t ORDER BY t.id RETURN t {{.name}} }}}}) AS papers
RETURN a {{.name, papers: papers}} AS author
"""


def measure(conf: Settings, authors: int = 200, warmup: int = 20, seed: int = 5,
            env: Mapping[str, str] | None = None) -> dict[str, list[float]]:
    """Seconds per nested read through the API and per hand-written query, for the same authors; each
    answer checked equal to the other."""
    api_s: list[float] = []
    raw_s: list[float] = []
    with driver(conf) as db, httpx.Client(timeout=60) as client:
        chosen = sample_nodes(db, conf.database, AUTHORS_WITH_PAPERS, authors + warmup, random.Random(seed))
        server = Server(conf, env)
        try:
            server.wait(client)
            for i, author in enumerate(chosen):
                start = time.perf_counter()
                records = db.execute_query(RAW, id=author["id"], database_=conf.database,
                                           routing_=neo4j.RoutingControl.READ).records
                raw = time.perf_counter() - start
                start = time.perf_counter()
                answer = client.post(server.url, json={"query": QUERY, "variables": {"id": author["id"]}}).json()
                api = time.perf_counter() - start
                if answer.get("data", {}).get("author") != records[0]["author"]:
                    raise RuntimeError(f"the API and the hand-written query disagree on {author['id']}: {answer}")
                if i >= warmup:
                    raw_s.append(raw)
                    api_s.append(api)
        finally:
            server.stop()
    return {"api": api_s, "raw": raw_s}


def figures(times: dict[str, list[float]]) -> list[Figure]:
    """p50 and p99 of the nested read via the API next to the hand-written query, in milliseconds."""
    note = (f"{len(times['api'])} random authors: name, {PAPERS} newest papers, each with its repositories and "
            "topics; the same JSON both ways (checked)")
    return latency_figures("3-level nested query", "one hand-written Cypher query", times, note)


def bench_nested(ctx: Context) -> Iterator[Figure]:
    """A `kg bench` step: run it after a step that leaves the corpus loaded."""
    yield from figures(measure(ctx.settings, env=home_env()))
