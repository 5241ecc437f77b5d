"""What a public endpoint must survive: limits, malformed queries, hostile strings, a failing database."""
from __future__ import annotations

import asyncio
import threading

import neo4j
import pytest
from fastapi.testclient import TestClient
from graphql import get_introspection_query

from api.app import CORS_ENV, create_app
from api.db import Database
from api.errors import UserError
from api.gate import Busy, Gate
from api.limits import MAX_BODY_BYTES, MAX_COST, MAX_DEPTH, MAX_TOKENS
from api.schema import VALIDATE
from kg.store.connection import Settings
from tests.corpora import Corpus
from tests.test_api import _sample_graph, client, column, data, errors, gql  # noqa: F401 (fixtures)

HOSTILE = [
    '") MATCH (n) DETACH DELETE n //',
    "' OR 1=1 --",
    "*:* AND title:[a TO z] OR (\\",
    '{"$ne": null}',
    "\u0000\u202e<script>alert(1)</script>",
    "x" * 5000,
]


def test_depth_limit(client: TestClient, corpus: Corpus) -> None:
    deep = ("query($a: String!) { author(name: $a) { " + "papers(first: 1) { authors(first: 1) { " * 5 + "name"
            + " } }" * 5 + " } }")
    assert any(f"exceeds maximum operation depth of {MAX_DEPTH}" in m for m in errors(client, deep, a=corpus.owner))
    shallow = "query($a: String!) { author(name: $a) { papers(first: 1) { authors(first: 1) { name } } } }"
    assert data(client, shallow, a=corpus.owner)["author"]["papers"][0]["authors"]


def test_limits_hold_when_a_query_is_validated_from_the_cache(client: TestClient) -> None:
    deep = "{ papers(first: 1) { edges { node { " + "authors(first: 1) { papers(first: 1) { " * 5 + "id" + " } }" * 5 + " } } } }"
    hits = VALIDATE.cache_info().hits
    for _ in range(3):
        assert any(f"exceeds maximum operation depth of {MAX_DEPTH}" in m for m in errors(client, deep))
    assert VALIDATE.cache_info().hits >= hits + 2  # validated once, then from the cache


def test_token_limit(client: TestClient) -> None:
    long = "{ " + "__typename " * MAX_TOKENS + "}"
    assert any(f"more than {MAX_TOKENS} tokens" in m for m in errors(client, long))


def test_cost_limit_refuses_before_any_query(client: TestClient) -> None:
    wide = "{ papers(first: 100) { edges { node { authors(first: 100) { papers(first: 100) { title } } } } } }"
    answer = gql(client, wide)
    assert answer["data"] is None and answer["extensions"]["cypherQueries"] == 0
    assert answer["errors"][0]["message"].startswith("query cost ")
    assert f"above the limit of {MAX_COST}" in answer["errors"][0]["message"]
    # the cost follows `first` given as a variable, too
    query = "query($n: Int!) { papers(first: $n) { edges { node { authors(first: $n) { papers(first: $n) { id } } } } } }"
    assert "query cost" in errors(client, query, n=100)[0]
    assert data(client, query, n=3)["papers"]["edges"]


def test_max_hops_is_capped(client: TestClient, corpus: Corpus) -> None:
    query = "query($h: Int!, $a: String!, $b: String!) { coauthorPath(from: $a, to: $b, maxHops: $h) { length } }"
    a, b = corpus.coauthors
    for hops in (0, 9, -1, 1000):
        assert errors(client, query, h=hops, a=a, b=b) == [f"maxHops must be between 1 and 8 (got {hops})"]
    assert data(client, query, h=8, a=a, b=b)["coauthorPath"]["length"] == 1


def test_page_sizes_are_capped(client: TestClient, corpus: Corpus) -> None:
    assert errors(client, "{ papers(first: 101) { totalCount } }") == ["first must be between 0 and 100 (got 101)"]
    assert errors(client, "{ authors(first: -1) { totalCount } }") == ["first must be between 0 and 100 (got -1)"]
    assert errors(client, "query($a: String!) { author(name: $a) { papers(first: 500) { id } } }",
                  a=corpus.owner) == ["first must be between 0 and 100 (got 500)"]
    assert data(client, "{ papers(first: 0) { totalCount edges { cursor } } }")["papers"]["edges"] == []


def test_aliases_and_huge_bodies_are_refused(client: TestClient, corpus: Corpus) -> None:
    many = "{ " + " ".join(f"a{i}: stats {{ papers }}" for i in range(40)) + " }"
    assert any("aliases" in m for m in errors(client, many))
    response = client.post("/graphql", content=b"x" * (MAX_BODY_BYTES + 1),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("query, message", [
    ("{ papers { edges { node { title }", "Syntax Error"),
    ("{ nope }", "Cannot query field 'nope' on type 'Query'."),
    ('{ paper(id: 5) { title } }', None),  # an Int literal is accepted as an ID
    ("{ paper { title } }", "Argument 'Query.paper(id:)' of type 'ID!' is required"),
    ('{ papers(year: "2024") { totalCount } }', "Int cannot represent non-integer value"),
    ("query { stats { papers } } query { stats { papers } }", "anonymous operation"),
    ("mutation { x }", "The mutation operation is not supported by the schema."),
])
def test_malformed_queries_get_clear_errors(client: TestClient, corpus: Corpus, query: str,
                                            message: str | None) -> None:
    answer = gql(client, query)
    if message is None:
        assert answer["data"] == {"paper": None}
        return
    text = " ".join(e["message"] for e in answer.get("errors", []))
    assert message in text, answer
    assert data(client, "{ stats { pages } }")["stats"]["pages"] == corpus.page_count  # still serving


def test_bad_json_and_methods(client: TestClient, corpus: Corpus) -> None:
    assert client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"}
                       ).status_code == 400
    assert client.post("/graphql", json={"nothing": 1}).status_code == 400
    answer = client.get("/graphql", params={"query": "{ stats { pages } }"}).json()
    assert answer["data"]["stats"]["pages"] == corpus.page_count


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_are_plain_values(client: TestClient, seeded: neo4j.Driver, corpus: Corpus,
                                         value: str) -> None:
    before = column(seeded, "MATCH (n) RETURN count(n)")[0]
    assert data(client, "query($v: String!) { author(name: $v) { id } topic(name: $v) { id } "
                        "repo(fullName: $v) { id } institution(name: $v) { id } }", v=value) == {
        "author": None, "topic": None, "repo": None, "institution": None}
    assert data(client, "query($v: ID!) { paper(id: $v) { id } }", v=value) == {"paper": None}
    for query, variables in (("query($v: String!) { papers(author: $v) { totalCount } }", {"v": value}),
                             ("query($v: String!, $o: String!) { coauthorPath(from: $v, to: $o) { length } }",
                              {"v": value, "o": corpus.owner})):
        message = errors(client, query, **variables)[0]
        assert message.startswith("no author has the id or name ") and len(message) < 200
    search = gql(client, "query($v: String!) { papers(search: $v, first: 3) { totalCount } }", v=value)
    if "errors" in search:
        assert search["errors"][0]["message"].startswith("search ")
    else:
        assert search["data"]["papers"]["totalCount"] >= 0
    assert column(seeded, "MATCH (n) RETURN count(n)")[0] == before


def test_introspection_for_graphiql(client: TestClient) -> None:
    schema = data(client, get_introspection_query())["__schema"]
    assert schema["queryType"]["name"] == "Query"
    assert "coauthorPath" in {f["name"] for t in schema["types"] if t["name"] == "Query" for f in t["fields"]}


def test_unreachable_database_is_a_clear_error_and_the_server_stays_up(neo4j_settings: Settings) -> None:
    nowhere = Settings(uri="bolt://127.0.0.1:9", user="neo4j", password="x")
    with TestClient(create_app(nowhere)) as down:
        for _ in range(2):
            assert errors(down, "{ stats { papers } }") == ["the graph database is unavailable; try again shortly"]


def test_unexpected_failures_are_masked(neo4j_settings: Settings) -> None:
    wrong = Settings(uri=neo4j_settings.uri, user=neo4j_settings.user, password="not-the-password",
                     database=neo4j_settings.database)
    with TestClient(create_app(wrong)) as refused:
        answer = gql(refused, "{ stats { papers } }")
    assert [e["message"] for e in answer["errors"]] == ["Unexpected error."]
    assert "not-the-password" not in str(answer)


def test_queries_time_out_on_the_server(neo4j_settings: Settings) -> None:
    async def slow() -> None:
        db = Database(neo4j_settings, timeout=0.5)
        try:
            await db.read("UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 99 RETURN count(x)")
        finally:
            await db.close()

    with pytest.raises(UserError, match="longer than its 0.5 s limit"):
        asyncio.run(slow())


def test_a_transient_failure_is_tried_once_more(neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    failures = [neo4j.exceptions.SessionExpired("pooled connection closed by the server")]

    async def flaky(self: Database, query: neo4j.Query, params: dict) -> list[dict]:
        if failures:
            raise failures.pop()
        return [{"ok": 1}]

    async def once() -> list[dict]:
        db = Database(neo4j_settings)
        try:
            return await db.read("RETURN 1 AS ok")
        finally:
            await db.close()

    monkeypatch.setattr(Database, "_run", flaky)
    assert asyncio.run(once()) == [{"ok": 1}]
    failures += [neo4j.exceptions.ServiceUnavailable("down")] * 2
    with pytest.raises(UserError, match="unavailable"):
        asyncio.run(once())


def test_reads_only(neo4j_settings: Settings) -> None:
    async def write() -> None:
        db = Database(neo4j_settings)
        try:
            await db.read("CREATE (:Paper {id: 'written-through-the-api'})")
        finally:
            await db.close()

    with pytest.raises(neo4j.exceptions.ClientError, match="(?i)write"):
        asyncio.run(write())


def test_cors_is_off_unless_configured(neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    preflight = {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(neo4j_settings)) as closed:
        assert "access-control-allow-origin" not in closed.options("/graphql", headers=preflight).headers
    monkeypatch.setenv(CORS_ENV, "https://example.org, https://other.example")
    with TestClient(create_app(neo4j_settings)) as opened:
        reply = opened.options("/graphql", headers=preflight)
        assert reply.headers["access-control-allow-origin"] == "https://example.org"


def test_a_read_past_its_time_is_answered_busy_and_keeps_its_slot_until_it_ends() -> None:
    async def run() -> None:
        gate = Gate(1, wait_s=0.2)
        ends, undone = threading.Event(), []
        with pytest.raises(Busy):  # the request gives up on a slow read at its deadline...
            await gate.run(lambda: ends.wait(10) and "late", within=0.1, undo=undone.append)
        with pytest.raises(Busy):  # ...but the read still runs and holds its slot: the next finds none
            await gate.run(lambda: "next", within=1)
        ends.set()
        for _ in range(50):  # once it ends, its result is undone and its slot freed
            if undone:
                break
            await asyncio.sleep(0.05)
        assert undone == ["late"]
        assert await gate.run(lambda: "next", within=1) == "next"
        with pytest.raises(ZeroDivisionError):  # a failure in time is the caller's, and frees the slot
            await gate.run(lambda: 1 // 0, within=1)
        assert await gate.run(lambda: "again", within=1) == "again"

    asyncio.run(run())
