"""Who gets in and how often: `kg serve` off loopback needs a key or --open, the key is checked, per-client
rate limits answer 429 with Retry-After, the whole-graph /rdf can be limited or off, HTML pages carry a
Content-Security-Policy, and no Neo4j password reaches a log line or an error."""
from __future__ import annotations

import base64
import hashlib
import inspect
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.access import rejections
from api.app import create_app
from kg.cli.access import check_exposure, is_loopback
from kg.cli.main import serve_cmd
from kg.errors import KgError
from kg.store.connection import Settings
from tests.corpora import CORPORA, Corpus

STATS = {"query": "{ stats { papers } }"}


@pytest.fixture
def app_with(neo4j_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A factory: the app under these environment variables, its lifespan run."""
    clients: list[TestClient] = []

    def make(**env: str) -> TestClient:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        client = TestClient(create_app(neo4j_settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("::1", True), ("[::1]", True),
                                            ("localhost", True), ("127.8.0.1", True), ("0.0.0.0", False),
                                            ("::", False), ("192.168.1.4", False), ("example.org", False)])
def test_only_loopback_is_private(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    if loopback:
        check_exposure(host, "", False)
    else:
        with pytest.raises(KgError, match="KG_API_KEY"):
            check_exposure(host, "", False)
        check_exposure(host, "a-key", False)
        check_exposure(host, "", True)


def test_kg_serve_binds_loopback_and_refuses_any_address_without_a_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "KG_API_KEY"}
    env["NEO4J_URI"] = "bolt://127.0.0.1:9"
    assert inspect.signature(serve_cmd).parameters["host"].default.default == "127.0.0.1"
    exposed = subprocess.run([sys.executable, "-m", "kg", "serve", "--host", "0.0.0.0", "--port", "9"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert exposed.returncode == 1
    assert exposed.stderr.strip().splitlines() == [
        "error: --host 0.0.0.0 exposes the API beyond this machine: set KG_API_KEY (clients then send "
        "`Authorization: Bearer <key>`), or pass --open to serve it to anyone"]
    # told in so many words, it goes on (and fails later, on the missing database)
    opened = subprocess.run([sys.executable, "-m", "kg", "serve", "--host", "0.0.0.0", "--port", "9", "--open"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert opened.returncode == 1 and "cannot connect to Neo4j" in opened.stderr


def test_the_api_key_is_required_when_set(app_with) -> None:
    client = app_with(KG_API_KEY="s3cret-key", KG_API_RATE="0")
    before = rejections().get("unauthorized", 0)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret-key"}):
        refused = client.post("/graphql", json=STATS, headers=headers)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert "KG_API_KEY" in refused.json()["errors"][0]["message"]
    assert client.get("/resource/paper/p-0", headers={"Accept": "text/turtle"}).status_code == 401
    assert client.get("/rdf?year=1900").status_code == 401
    assert rejections()["unauthorized"] == before + 5
    allowed = client.post("/graphql", json=STATS, headers={"Authorization": "Bearer s3cret-key"})
    assert allowed.status_code == 200 and "errors" not in allowed.json()
    # a browser opens GraphiQL without a header; the page holds no data, and its queries need the key
    assert client.get("/graphql", headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/graphql", params={"query": "{ stats { papers } }"}).status_code == 401


def test_each_client_has_its_own_rate_and_learns_when_to_come_back(app_with) -> None:
    client = app_with(KG_API_RATE="1", KG_API_BURST="3")
    before = rejections().get("rate_limited", 0)
    codes = [client.post("/graphql", json=STATS).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    refused = client.post("/graphql", json=STATS)
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 3
    assert rejections()["rate_limited"] == before + 3
    # another client (here told apart by its bearer token) has a bucket of its own
    assert client.post("/graphql", json=STATS, headers={"Authorization": "Bearer other"}).status_code == 200


def test_the_whole_graph_export_can_be_limited_or_turned_off(app_with, clean_db: neo4j.Driver) -> None:
    off = app_with(KG_API_RDF="off", KG_API_RATE="0")
    refused = off.get("/rdf")
    assert refused.status_code == 403 and "KG_API_RDF=off" in refused.json()["detail"]
    assert off.get("/rdf", params={"year": 2020}).status_code == 200  # a filtered subgraph still streams
    limited = app_with(KG_API_RDF="limited", KG_API_RDF_PER_MINUTE="1")
    assert limited.get("/rdf").status_code == 200
    again = limited.get("/rdf")
    assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
    assert limited.get("/rdf", params={"year": 2020}).status_code == 200


def _inline_hash(page: str) -> str:
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    return "'sha256-" + base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode() + "'"


@pytest.mark.parametrize("corpus", CORPORA[:1], indirect=True)
def test_html_pages_carry_a_content_security_policy(app_with, seeded: neo4j.Driver, corpus: Corpus) -> None:
    client = app_with(KG_API_RATE="0")
    page = client.get(f"/resource/paper/{corpus.paper.id}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'") and "script-src" not in policy
    style = re.search(r"<style>(.*?)</style>", page.text, re.S).group(1)  # type: ignore[union-attr]
    assert "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'" in policy
    ide = client.get("/graphql", headers={"Accept": "text/html"})
    policy = ide.headers["content-security-policy"]
    if "<script>" in ide.text:  # the inline script is allowed by its hash, nothing else inline
        assert f"script-src 'self' {_inline_hash(ide.text)};" in policy
    assert "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    turtle = client.get(f"/resource/paper/{corpus.paper.id}", headers={"Accept": "text/turtle"})
    assert "content-security-policy" not in turtle.headers


def test_no_neo4j_password_in_any_log_line_or_error(neo4j_settings: Settings,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    secret = "pw-" + hashlib.sha256(os.urandom(8)).hexdigest()[:20]
    caplog.set_level(logging.DEBUG)  # the driver's own debug log too
    seen: list[str] = []
    # (a wrong password for the real server would lock its user out of the other tests for a while)
    for conf in (Settings("bolt://127.0.0.1:9", "neo4j", secret),):  # nobody there
        seen.append(repr(conf))
        with TestClient(create_app(conf)) as client:
            for response in (client.post("/graphql", json=STATS),
                             client.get("/resource/paper/p-0", headers={"Accept": "text/turtle"}),
                             client.get("/rdf?year=2020")):
                seen.append(response.text)
                assert response.status_code in (200, 503), response.text  # GraphQL: an error in a 200
    env = {**os.environ, "NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_PASSWORD": secret}
    for command in (["serve", "--port", "9"], ["ingest", os.devnull], ["export", "-o", os.devnull]):
        done = subprocess.run([sys.executable, "-m", "kg", *command], env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 1, command
        seen += [done.stdout, done.stderr]
    seen += [record.getMessage() for record in caplog.records]
    assert any("unavailable" in text for text in seen)
    assert not [text for text in seen if secret in text]
