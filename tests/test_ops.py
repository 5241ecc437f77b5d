"""Operating the API: /metrics after a mixed workload, who may scrape it, /healthz and /readyz, and request
logs that carry a request id from the middleware to the slow-Cypher line, with no secret or user value.

Stopping Neo4j under /readyz is tests/test_readiness_restart.py (it restarts the session's server).
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterator

import neo4j
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.db import Database
from api.limits import MAX_DEPTH
from api.ops import logs
from api.ops.context import CURRENT, GIVEN_ID, Trace, request_id
from api.ops.metrics import LIMITS, MAX_NAME, MAX_OPERATIONS, Metrics, access
from kg.settings import env_name
from kg.store.connection import Settings
from kg.store.schema import apply_schema, names
from tests.conftest import ROOT
from tests.corpora import CORPORA, Corpus

ONE_CORPUS = pytest.mark.parametrize("corpus", CORPORA[:1], indirect=True, ids=str)
DEEP = ("{ papers(first: 1) { edges { node { " + "authors(first: 1) { papers(first: 1) { " * 5 + "id"
        + " } }" * 5 + " } } } }")
COSTLY = "{ papers(first: 100) { edges { node { authors(first: 100) { papers(first: 100) { title } } } } } }"
MARK = "uservalue7f3a"  # a value a user sends, which must never reach a log line


def app_on(settings: Settings, host: str | None = "127.0.0.1") -> FastAPI:
    """The real app, told it is bound to `host` (as `kg serve` tells it)."""
    app = create_app(settings)
    app.state.bind_host = host
    return app


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics parsed by prometheus_client's parser: sample (name, sorted labels) -> value."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


@ONE_CORPUS
def test_metrics_after_a_mixed_workload(neo4j_settings: Settings, seeded: neo4j.Driver, corpus: Corpus) -> None:
    with TestClient(app_on(neo4j_settings)) as client:
        queries = 0
        for _ in range(3):
            ok = client.post("/graphql", json={"query": "query Counts { stats { papers } }"}).json()
            assert ok["data"]["stats"]["papers"] == corpus.papers
            queries += ok["extensions"]["cypherQueries"]
        two = client.post("/graphql", json={"query": "query Owner($n: String!) { author(name: $n) { papers(first: 2) "
                                                      "{ id authors(first: 2) { name } } } }",
                                            "variables": {"n": corpus.owner}}).json()
        assert "errors" not in two
        queries += two["extensions"]["cypherQueries"]
        assert client.post("/graphql", json={"query": "query Broken { nope }"}).json()["errors"]
        assert "exceeds maximum operation depth" in client.post("/graphql", json={"query": DEEP}).json()["errors"][0]["message"]
        assert "query cost" in client.post("/graphql", json={"query": COSTLY}).json()["errors"][0]["message"]
        hops = client.post("/graphql", json={"query": "query Far($a: String!) { coauthorPath(from: $a, to: $a, "
                                                      "maxHops: 99) { length } }", "variables": {"a": corpus.owner}})
        assert "maxHops must be between" in hops.json()["errors"][0]["message"]
        assert client.get(f"/resource/paper/{corpus.paper.id}", headers={"accept": "text/turtle"}).status_code == 200
        assert client.get("/resource/paper/p-none").status_code == 404
        assert client.get("/no/such/page").status_code == 404
        assert client.get("/readyz").status_code == 200
        samples = scrape(client)

    def requests(route: str, status: str, operation: str = "", method: str = "POST") -> float:
        return value(samples, "kg_http_requests_total", route=route, method=method, status=status, operation=operation)

    assert requests("/graphql", "200", "Counts") == 3
    assert requests("/graphql", "200", "Owner") == 1
    assert requests("/graphql", "200", "Broken") == 1
    assert requests("/graphql", "200", "anonymous") == 2  # the deep and the costly query
    assert requests("/resource/{kind}/{node_id:path}", "200", method="GET") == 1
    assert requests("/resource/{kind}/{node_id:path}", "404", method="GET") == 1
    assert requests("unmatched", "404", method="GET") == 1
    assert requests("/readyz", "200", method="GET") == 1
    # latency: one observation per request, each within the bucket bounds
    latency = {labels: v for (name, labels), v in samples.items() if name == "kg_http_request_duration_seconds_count"}
    assert latency[(("operation", "Counts"), ("route", "/graphql"))] == 3
    counts_sum = value(samples, "kg_http_request_duration_seconds_sum", route="/graphql", operation="Counts")
    assert 0 < counts_sum < 3 * 30
    assert value(samples, "kg_http_request_duration_seconds_bucket", route="/graphql", operation="Counts",
                 le="+Inf") == 3
    # GraphQL errors by operation; a good one has none
    assert value(samples, "kg_graphql_errors_total", operation="Broken") == 1
    assert value(samples, "kg_graphql_errors_total", operation="anonymous") == 2
    assert ("kg_graphql_errors_total", (("operation", "Counts"),)) not in samples
    # Cypher round trips: exactly those the GraphQL answers reported (the refused ones ran none)
    assert queries >= 4
    assert value(samples, "kg_cypher_query_duration_seconds_count") == queries
    assert 0 < value(samples, "kg_cypher_query_duration_seconds_sum") < queries * 30
    assert value(samples, "kg_cypher_queries_per_request_sum") == queries
    assert value(samples, "kg_cypher_queries_per_request_count") == 8  # the GraphQL requests
    # refusals by limit; every limit has its series, at zero when nothing was refused
    for limit in LIMITS:
        expected = 1 if limit in ("depth", "cost", "hops") else 0
        assert value(samples, "kg_limit_rejections_total", limit=limit) == expected, limit
    assert value(samples, "kg_neo4j_sessions_in_use") == 0
    assert value(samples, "kg_neo4j_pool_max_size") == 100
    assert value(samples, "kg_ready") == 1
    assert value(samples, "process_resident_memory_bytes") > 0


def test_each_limit_is_counted_once_per_request(neo4j_settings: Settings) -> None:
    """Tokens, aliases, page size, search length and the body size count under their own labels."""
    with TestClient(app_on(neo4j_settings)) as client:
        client.post("/graphql", json={"query": "{ " + "__typename " * 3001 + "}"})
        client.post("/graphql", json={"query": "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"})
        client.post("/graphql", json={"query": "{ papers(first: 101) { totalCount } a: papers(first: 102) { totalCount } }"})
        client.post("/graphql", json={"query": '{ papers(search: "%s") { totalCount } }' % ("x" * 301)})
        assert client.post("/graphql", content=b"{" + b" " * 70_000 + b"}",
                           headers={"content-type": "application/json"}).status_code == 413
        samples = scrape(client)
    for limit in ("tokens", "aliases", "page", "search", "body"):
        assert value(samples, "kg_limit_rejections_total", limit=limit) == 1, limit
    assert value(samples, "kg_http_requests_total", route="/graphql", method="POST", status="413", operation="") == 1


def test_a_rate_limiter_counts_through_the_apps_metrics(neo4j_settings: Settings) -> None:
    app = app_on(neo4j_settings)
    app.state.metrics.rejected.labels(limit="rate").inc()  # what a rate limiter does when it refuses
    with TestClient(app) as client:
        assert value(scrape(client), "kg_limit_rejections_total", limit="rate") == 1


@pytest.mark.parametrize("host, open_", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                         ("0.0.0.0", False), ("192.0.2.7", False), (None, False)])
def test_metrics_are_served_on_loopback_only_without_a_key(neo4j_settings: Settings, host: str | None,
                                                            open_: bool) -> None:
    with TestClient(app_on(neo4j_settings, host)) as client:
        response = client.get("/metrics")
    assert response.status_code == (200 if open_ else 404)
    assert ("kg_http_requests_total" in response.text) is open_


def test_metrics_beyond_loopback_need_the_key(neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env_name("metrics_key"), "s3cret-key")
    with TestClient(app_on(neo4j_settings, "0.0.0.0")) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"authorization": "Basic s3cret-key"}).status_code == 401
        good = client.get("/metrics", headers={"authorization": "Bearer s3cret-key"})
    assert good.status_code == 200 and "kg_http_requests_total" in good.text


@given(st.sampled_from(["127.0.0.1", "0.0.0.0", "10.1.2.3", None]), st.text(max_size=20), st.text(max_size=40))
def test_access_opens_only_to_loopback_or_the_exact_key(host: str | None, key: str, authorization: str) -> None:
    status = access(host, key, authorization)
    if host == "127.0.0.1":
        assert status == 200
    elif not key:
        assert status == 404
    else:
        assert status == (200 if authorization.partition(" ")[0].lower() == "bearer"
                          and authorization.partition(" ")[2].strip() == key else 401)


def test_healthz_answers_without_the_database() -> None:
    nowhere = Settings(uri="bolt://127.0.0.1:9", user="neo4j", password="x")
    with TestClient(app_on(nowhere)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unready", "checks": {"neo4j": "unavailable (ServiceUnavailable)"}}


def test_readyz_is_cached_and_takes_registered_checks(neo4j_settings: Settings, neo4j_driver: neo4j.Driver) -> None:
    apply_schema(neo4j_driver, neo4j_settings.database)  # another test may have left a database without it
    app = app_on(neo4j_settings)
    calls = []

    async def sparql() -> str | None:
        calls.append(1)
        return "the SPARQL store is 3 loads behind" if len(calls) > 1 else None

    app.state.readiness.register("sparql", sparql)
    with TestClient(app) as client:
        first = client.get("/readyz")
        assert first.status_code == 200 and first.json()["checks"] == {"neo4j": "ok", "sparql": "ok"}
        assert client.get("/readyz").status_code == 200 and len(calls) == 1  # within half a second: cached
        deadline = 20
        while len(calls) < 2 and deadline:
            time.sleep(0.3)
            later = client.get("/readyz")
            deadline -= 1
    assert later.status_code == 503
    assert later.json() == {"status": "unready", "checks": {"neo4j": "ok",
                                                            "sparql": "the SPARQL store is 3 loads behind"}}


def test_readyz_names_a_missing_index(neo4j_settings: Settings, neo4j_driver: neo4j.Driver) -> None:
    index = names()["indexes"][-1]
    apply_schema(neo4j_driver, neo4j_settings.database)
    try:
        neo4j_driver.execute_query(f"DROP INDEX {index} IF EXISTS", database_=neo4j_settings.database)
        with TestClient(app_on(neo4j_settings)) as client:
            ready = client.get("/readyz")
    finally:
        apply_schema(neo4j_driver, neo4j_settings.database)
    assert ready.status_code == 503
    assert ready.json()["checks"]["neo4j"] == (f"schema incomplete: {index} missing or not online; "
                                               "run `kg schema apply`")


@given(st.one_of(st.none(), st.binary(max_size=200)))
def test_a_request_id_is_the_clients_only_when_it_is_a_plain_token(given_id: bytes | None) -> None:
    made = request_id(given_id)
    if given_id is not None and GIVEN_ID.fullmatch(given_id):
        assert made == given_id.decode()
    else:
        assert len(made) == 32 and int(made, 16) >= 0
    assert made.isprintable() and " " not in made and len(made) <= 128


@given(st.lists(st.text(max_size=80), max_size=300))
def test_operation_labels_are_bounded(operations: list[str]) -> None:
    metrics = Metrics()
    labels = {metrics.operation(name, True) for name in operations}
    assert len(labels) <= MAX_OPERATIONS + 2  # and "anonymous", "other"
    assert all(len(label) <= MAX_NAME for label in labels)
    assert metrics.operation("x", False) == ""
    assert Metrics.method("GET") == "GET" and Metrics.method("BREW") == "other"  # methods are the client's too


@pytest.fixture
def log_to() -> Iterator[Callable[[logs.Format], io.StringIO]]:
    """Sends every log line of the process, as `kg serve` writes them (DEBUG and up), into a buffer; the
    logging setup is restored afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {n: logging.getLogger(n).level for n in logs.QUIET}

    def configure(fmt: logs.Format) -> io.StringIO:
        buffer = io.StringIO()
        logs.configure(fmt, "debug", buffer)
        return buffer

    try:
        yield configure
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


@ONE_CORPUS
def test_a_request_id_goes_from_the_header_to_every_line_of_its_request(
        neo4j_settings: Settings, seeded: neo4j.Driver, corpus: Corpus,
        log_to: Callable[[logs.Format], io.StringIO], monkeypatch: pytest.MonkeyPatch) -> None:
    log_lines = log_to("json")
    monkeypatch.setenv(env_name("slow_query_ms"), "0")  # every Cypher statement is "slow": each is logged
    monkeypatch.setenv(env_name("metrics_key"), f"key-{MARK}")
    # one compiled statement, then the sources of its papers (api/compile.py)
    query = "query Owner($n: String!) { author(name: $n) { papers(first: 2) { id topics { name } sources { position } } } }"
    with TestClient(app_on(neo4j_settings)) as client:
        given_id = client.post("/graphql", json={"query": query, "variables": {"n": corpus.owner + MARK}},
                               headers={"x-request-id": "req-42.a"})
        made = client.post("/graphql", json={"query": query, "variables": {"n": corpus.owner}})
        hostile = client.post("/graphql", json={"query": "{ stats { papers } }"},
                              headers={"x-request-id": 'bad id {"level":"error"}'})
        client.get(f"/resource/paper/{MARK}?format=nt&x={MARK}")
        client.get(f"/{MARK}")
    assert given_id.headers["x-request-id"] == "req-42.a"
    made_id = made.headers["x-request-id"]
    assert len(made_id) == 32 and made_id != "req-42.a"
    assert len(hostile.headers["x-request-id"]) == 32  # not the client's: it is no plain token

    text = log_lines.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    for rid, cypher in (("req-42.a", 1), (made_id, 2)):
        mine = [line for line in lines if line.get("request_id") == rid]
        access = [line for line in mine if line["logger"] == "kg.access"]
        slow = [line for line in mine if line["logger"] == "kg.cypher"]
        assert len(access) == 1, mine
        assert access[0]["operation"] == "Owner" and access[0]["status"] == 200 and access[0]["route"] == "/graphql"
        assert access[0]["cypher"] == cypher == len(slow) and access[0]["ms"] >= access[0]["cypher_ms"] > 0
        assert all(line["message"] == "slow cypher" and "MATCH" in line["cypher"] and "$" in line["cypher"]
                   for line in slow)
    # the lines of the app's requests carry an id, and no secret or user value is in any line
    assert all("request_id" in line for line in lines if line["logger"].startswith("kg."))
    for secret in (MARK, neo4j_settings.password, corpus.owner):
        assert secret not in text
    assert '"route":"unmatched"' in text and '"route":"/resource/{kind}/{node_id:path}"' in text


@ONE_CORPUS
def test_the_request_id_is_the_transactions_metadata(neo4j_settings: Settings, seeded: neo4j.Driver) -> None:
    async def metadata() -> list[dict]:
        db = Database(neo4j_settings)
        token = CURRENT.set(Trace("req-meta-1", Metrics(), 10.0))
        try:
            return await db.read("CALL tx.getMetaData() YIELD metadata RETURN metadata")
        finally:
            CURRENT.reset(token)
            await db.close()

    assert asyncio.run(metadata()) == [{"metadata": {"request_id": "req-meta-1"}}]


def test_text_logs_carry_the_request_id(neo4j_settings: Settings,
                                       log_to: Callable[[logs.Format], io.StringIO]) -> None:
    buffer = log_to("text")
    with TestClient(app_on(neo4j_settings)) as client:
        client.post("/graphql", json={"query": "query Hello { __typename }"}, headers={"x-request-id": "t-1"})
    [line] = [line for line in buffer.getvalue().splitlines() if " kg.access " in line]
    assert " INFO    kg.access request request_id=t-1 method=POST route=/graphql status=200 ms=" in line
    assert line.endswith(" cypher=0 cypher_ms=0.0 operation=Hello")


def test_depth_limit_message_is_what_the_counter_reads() -> None:
    """limit_of reads graphql-core's and Strawberry's refusals by their words: keep them in step."""
    from graphql import GraphQLError

    from api.limits import limit_of

    assert limit_of(GraphQLError(f"'q' exceeds maximum operation depth of {MAX_DEPTH}")) == "depth"
    assert limit_of(GraphQLError("31 aliases found. Allowed: 30")) == "aliases"
    assert limit_of(GraphQLError("Syntax Error: Document contains more than 3000 tokens. Parsing aborted.")) == "tokens"
    assert limit_of(GraphQLError("Cannot query field 'nope' on type 'Query'.")) is None


def test_the_docs_list_every_series_and_limit() -> None:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(kg_\w+)` \|[^|]*\|([^\n]*)$", text, re.M))
    series = {m.name + ("_total" if m.type == "counter" else "")
              for m in Metrics().registry.collect() if m.name.startswith("kg_")}
    assert set(rows) == series
    assert re.findall(r"`(\w+)`", rows["kg_limit_rejections_total"]) == list(LIMITS)
