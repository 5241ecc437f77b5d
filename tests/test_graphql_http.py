"""Conformance: graphql-http's GraphQL-over-HTTP server audits (the npm package, pinned in
tests/graphql_http/package-lock.json) run against a real `kg serve`, with no error and no warning."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import neo4j
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from api.media import GRAPHQL_RESPONSE, JSON, negotiate
from kg.bench.api import Server
from kg.store.connection import Settings
from tests.corpora import SYNTH
from tests.test_api import client  # noqa: F401 (fixture)

AUDIT_DIR = Path(__file__).resolve().parent / "graphql_http"


def installed_audit() -> Path:
    """The audit script, its npm packages installed from the lockfile (`npm ci`) when missing."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail("the GraphQL-over-HTTP audit needs node and npm on PATH", pytrace=False)
    if not (AUDIT_DIR / "node_modules" / "graphql-http" / "package.json").is_file():
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=AUDIT_DIR, capture_output=True,
                              text=True, timeout=300)
        if done.returncode != 0:
            pytest.fail(f"npm ci in {AUDIT_DIR} failed: {done.stderr.strip()[-500:]}", pytrace=False)
    return AUDIT_DIR / "audit.mjs"


@pytest.mark.parametrize("corpus", [SYNTH], indirect=True, ids=str)
def test_graphql_over_http_audit_passes(seeded: neo4j.Driver, neo4j_settings: Settings) -> None:
    script = installed_audit()
    server = Server(neo4j_settings)
    try:
        with httpx.Client(timeout=30) as http:
            server.wait(http)
        done = subprocess.run(["node", str(script), server.url], capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["error"] == [] and report["warn"] == [], json.dumps(report, indent=1)
    assert report["ok"] >= 60


@pytest.mark.parametrize("accept, media", [
    (None, JSON), ("*/*", JSON), ("application/json", JSON), (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
    (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
    (f"{GRAPHQL_RESPONSE};q=0.5, application/json", JSON), (f"{GRAPHQL_RESPONSE};q=0", JSON), ("text/html", JSON),
])
def test_accept_negotiation(accept: str | None, media: str) -> None:
    assert negotiate(accept) == media


@given(st.text(max_size=200))
def test_any_accept_header_gives_one_of_the_two_types(accept: str) -> None:
    assert negotiate(accept) in (JSON, GRAPHQL_RESPONSE)


@pytest.mark.parametrize("corpus", [SYNTH], indirect=True, ids=str)
@pytest.mark.parametrize("query, variables, json_status, typed_status, has_data", [
    ("{ stats { papers } }", None, 200, 200, True),
    ("{ stats { papers ", None, 200, 400, False),  # parse error
    ("{ nope }", None, 200, 400, False),  # validation error
    ("query($n: Int!) { authors(first: $n) { totalCount } }", {"n": "x"}, 200, 400, False),  # variable coercion
    ("{ authors(first: 1000) { totalCount } }", None, 200, 200, True),  # a field error: the operation ran
])
def test_status_codes_by_media_type(client: TestClient, query: str, variables: dict | None, json_status: int,
                                    typed_status: int, has_data: bool) -> None:
    body = {"query": query, "variables": variables}
    plain = client.post("/graphql", json=body)
    typed = client.post("/graphql", json=body, headers={"accept": GRAPHQL_RESPONSE})
    assert plain.status_code == json_status and plain.headers["content-type"].startswith(JSON)
    assert "data" in plain.json()
    assert typed.status_code == typed_status and typed.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert ("data" in typed.json()) == has_data
