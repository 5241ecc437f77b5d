"""`kg serve --workers 2` as a real process: both workers answer on one port, /metrics counts every request
whichever worker took it, /readyz and /sparql work from each, a killed worker is replaced on its socket, and
SIGTERM stops it all, metric files too."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import neo4j
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kg.bench.api import Server
from kg.store.connection import Settings
from tests.corpora import CORPORA, Corpus

ONE_CORPUS = pytest.mark.parametrize("corpus", CORPORA[:1], indirect=True, ids=str)
CONNECTIONS = 16  # kept open at once: the kernel hands them to both workers
COUNT = "query Count { stats { papers } }"
ASK = "ASK { ?s ?p ?o }"


def served_connections(server: Server) -> dict[int, int]:
    """The worker processes of `server` (pid) and how many client connections each holds open."""
    held: dict[int, int] = {}
    for child in psutil.Process(server.proc.pid).children():
        try:
            if "--multiprocessing-fork" not in child.cmdline():  # not a worker: multiprocessing's resource tracker
                continue
            held[child.pid] = sum(1 for c in child.net_connections("tcp")
                                  if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == server.port)
        except psutil.Error:  # a worker that died, not yet reaped
            continue
    return held


def scrape(client: httpx.Client, base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """/metrics parsed: sample (name, sorted labels) -> value."""
    scraped = client.get(f"{base}/metrics")
    assert scraped.status_code == 200, scraped.text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(scraped.text) for s in family.samples}


@ONE_CORPUS
def test_two_workers_share_the_port_and_sum_their_metrics(seeded: neo4j.Driver, neo4j_settings: Settings,
                                                          corpus: Corpus, tmp_path: Path) -> None:
    server = Server(neo4j_settings, {"KG_HOME": str(tmp_path)}, workers=2)
    clients = [httpx.Client(timeout=60) for _ in range(CONNECTIONS)]
    try:
        server.wait(clients[0])
        base = f"http://127.0.0.1:{server.port}"
        sent = 0
        for _ in range(3):
            for client in clients:  # each connection stays open (keep-alive) in the worker that accepted it
                answer = client.post(server.url, json={"query": COUNT}).json()
                assert answer["data"]["stats"]["papers"] == corpus.papers
                sent += 1
        held = served_connections(server)
        assert len(held) == 2, held
        assert all(held.values()) and sum(held.values()) == CONNECTIONS, f"connections per worker: {held}"
        # Each worker's SPARQL process opens the store (read-only, a shared lock) and answers.
        for client in clients:
            sparql = client.post(f"{base}/sparql", content=ASK, headers={
                "content-type": "application/sparql-query", "accept": "application/sparql-results+json"})
            assert sparql.status_code == 200 and sparql.json()["boolean"] is True, sparql.text
        ready = clients[0].get(f"{base}/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ready", ready.text
        samples = scrape(clients[1], base)
        key = (("method", "POST"), ("operation", "Count"), ("route", "/graphql"), ("status", "200"))
        assert samples[("kg_http_requests_total", key)] == sent  # summed over both workers
        assert samples[("kg_http_requests_total", (("method", "POST"), ("operation", ""), ("route", "/sparql"),
                                                   ("status", "200")))] == CONNECTIONS
        started = {dict(labels)["pid"] for (name, labels) in samples if name == "kg_worker_start_time_seconds"}
        assert started == {str(pid) for pid in held}
        assert samples[("kg_neo4j_pool_max_size", ())] == 2 * 100
        assert samples[("kg_neo4j_sessions_in_use", ())] == 0
        assert samples[("kg_ready", ())] == 1
        shared = Path(psutil.Process(next(iter(held))).environ()["PROMETHEUS_MULTIPROC_DIR"])
        assert shared.is_dir() and any(shared.iterdir())

        # A worker killed: another takes its socket, no request fails, and /metrics keeps the dead one's counts.
        victim = min(held)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (victim in (now := served_connections(server)) or len(now) < 2):
            time.sleep(0.2)
        assert victim not in now and len(now) == 2, now
        held = {**held, **now}
        for client in clients:
            assert client.post(server.url, json={"query": COUNT}).status_code == 200
            sent += 1
        samples = scrape(clients[0], base)
        assert samples[("kg_http_requests_total", key)] == sent
        started = {dict(labels)["pid"] for (name, labels) in samples if name == "kg_worker_start_time_seconds"}
        assert started == {str(pid) for pid in now}
    finally:
        for client in clients:
            client.close()
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(30)
        server.log.seek(0)
        log = server.log.read().decode(errors="replace")
        server.log.close()
    assert code == 0, log[-2000:]
    assert "Traceback" not in log, log[-2000:]
    assert not any(psutil.pid_exists(pid) for pid in held), "a worker outlived kg serve"
    assert not shared.exists(), f"{shared} was left behind"


def test_no_workers_is_a_one_line_error() -> None:
    done = subprocess.run([sys.executable, "-m", "kg", "serve", "--workers", "0"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "NEO4J_URI": "bolt://127.0.0.1:9"})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["error: --workers must be 1 or more, not 0"]


def test_a_bad_allowlist_stops_it_in_one_line_before_any_worker(tmp_path: Path) -> None:
    bad = tmp_path / "persisted.json"
    bad.write_text('{"not-a-hash": "{ stats { papers } }"}')
    done = subprocess.run([sys.executable, "-m", "kg", "serve", "--workers", "2", "--port", "9"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NEO4J_URI": "bolt://127.0.0.1:9", "KG_API_PERSISTED_QUERIES": str(bad)})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"error: KG_API_PERSISTED_QUERIES={bad}: want a JSON object of "
                                                "sha256 hex -> query text"]
