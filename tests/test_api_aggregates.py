"""Aggregations (papers per year, top topics, institutions and authors) against Cypher on the graph, and
persisted queries: APQ's hash-first protocol and the allowlist mode."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from api import persisted
from api.app import create_app
from kg.store.connection import Settings
from tests.corpora import SYNTH, Corpus
from tests.test_api import client, column, data  # noqa: F401 (fixture)

ON_SYNTH = pytest.mark.parametrize("corpus", [SYNTH], indirect=True, ids=str)


@ON_SYNTH
def test_aggregations_match_the_graph(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    topic = column(seeded, "MATCH (t:Topic)<-[:HAS_TOPIC]-(p) WITH t, count(p) AS n RETURN t.id ORDER BY n DESC, "
                           "t.id LIMIT 1")[0]
    answer = data(client, """query($a: String!, $t: ID!) {
        author(name: $a) { papersPerYear { year count } topTopics(first: 3) { node { id } count }
                           topInstitutions { node { id } count } }
        topic(id: $t) { papersPerYear { year count } topAuthors(first: 5) { node { id } count } } }""",
                  a=corpus.owner, t=topic)
    per_year = [{"year": y, "count": n} for y, n in zip(*[column(seeded, f"""
        MATCH (:Author {{id: $a}})-[:AUTHORED]->(p:Paper) WHERE p.year IS NOT NULL
        WITH p.year AS year, count(p) AS n RETURN {c} ORDER BY year""", a=corpus.owner_id) for c in ("year", "n")])]
    assert answer["author"]["papersPerYear"] == per_year and per_year
    top = column(seeded, """MATCH (:Author {id: $a})-[:AUTHORED]->(p:Paper)-[:HAS_TOPIC]->(t:Topic)
        WITH t, count(DISTINCT p) AS n RETURN [t.id, n] ORDER BY n DESC, t.name, t.id LIMIT 3""", a=corpus.owner_id)
    assert [[x["node"]["id"], x["count"]] for x in answer["author"]["topTopics"]] == top
    insts = column(seeded, """MATCH (:Author {id: $a})-[:AUTHORED]->(p:Paper)-[:AFFILIATED_WITH]->(t:Institution)
        WITH t, count(DISTINCT p) AS n RETURN [t.id, n] ORDER BY n DESC, t.name, t.id LIMIT 10""", a=corpus.owner_id)
    assert [[x["node"]["id"], x["count"]] for x in answer["author"]["topInstitutions"]] == insts
    authors = column(seeded, """MATCH (:Topic {id: $t})<-[:HAS_TOPIC]-(p:Paper)<-[:AUTHORED]-(t:Author)
        WITH t, count(DISTINCT p) AS n RETURN [t.id, n] ORDER BY n DESC, t.name, t.id LIMIT 5""", t=topic)
    assert [[x["node"]["id"], x["count"]] for x in answer["topic"]["topAuthors"]] == authors and authors
    assert sum(x["count"] for x in answer["topic"]["papersPerYear"]) == column(
        seeded, "MATCH (:Topic {id: $t})<-[:HAS_TOPIC]-(p:Paper) WHERE p.year IS NOT NULL RETURN count(p)", t=topic)[0]


QUERY = "{ stats { papers } }"


def apq(client: TestClient, digest: str, query: str | None = None, **headers: str) -> dict:
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    return client.post("/graphql", json=body, headers=headers).json()


@ON_SYNTH
def test_apq_hash_first_then_text_on_a_miss(client: TestClient, seeded: neo4j.Driver) -> None:
    digest = persisted.sha256(QUERY + " ")  # a text no other test registered
    miss = apq(client, digest)
    assert miss["errors"][0]["message"] == "PersistedQueryNotFound"
    assert miss["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert apq(client, digest, QUERY + " ")["data"]["stats"]["papers"] > 0
    assert apq(client, digest)["data"]["stats"]["papers"] > 0
    assert apq(client, digest, "{ stats { authors } }")["errors"][0]["extensions"]["code"] == \
        "PERSISTED_QUERY_HASH_MISMATCH"


@pytest.fixture
def allowlisted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, neo4j_settings: Settings) -> Iterator[TestClient]:
    """The app in allowlist mode, with QUERY alone in its file."""
    path = tmp_path / "queries.json"
    path.write_text(json.dumps({persisted.sha256(QUERY): QUERY}))
    monkeypatch.setenv("KG_API_PERSISTED_QUERIES", str(path))
    monkeypatch.setenv("KG_API_PERSISTED_ONLY", "1")
    with TestClient(create_app(neo4j_settings)) as test_client:
        yield test_client


@ON_SYNTH
def test_allowlist_mode_runs_only_persisted_queries(allowlisted: TestClient, seeded: neo4j.Driver) -> None:
    assert apq(allowlisted, persisted.sha256(QUERY))["data"]["stats"]["papers"] > 0
    plain = allowlisted.post("/graphql", json={"query": QUERY}).json()
    assert plain["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED" and plain["data"] is None
    other = "{ stats { authors } }"
    assert apq(allowlisted, persisted.sha256(other), other)["errors"][0]["extensions"]["code"] == \
        "PERSISTED_QUERY_NOT_ALLOWED"
    typed = allowlisted.post("/graphql", json={"query": QUERY},
                             headers={"accept": "application/graphql-response+json"})
    assert typed.status_code == 400


@given(st.text(max_size=50), st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.text(max_size=5))))
def test_any_extensions_give_a_query_or_a_refusal(query: str, extensions: dict | None) -> None:
    store = persisted.Store({}, only=False)
    try:
        assert store.query(query, extensions) == query
    except persisted.Refused as exc:
        assert exc.code.startswith("PERSISTED_QUERY_")
