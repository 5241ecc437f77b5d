"""The fast cases of `kg soak` on the tests' own local Neo4j: a kill of Neo4j and of `kg` during loads (the
API answering a documented error at once meanwhile), two loads at once, hostile files and a full disk.
Each ends in the graph of a clean load, or in the graph as it was."""
from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kg import server
from kg.bench.lab import Lab, kill_tree
from kg.bench.soak import RESUME_S, Corpus, bad_input, concurrent_loads, full_disk, ingest, restart_under_load
from tests.conftest import TEST_BOLT_PORT, TEST_HTTP_PORT, TEST_KG_HOME

PAPERS = 150
BATCH = 20  # papers per transaction of the killed loads: several batches, so a kill lands inside the load
STATS = {"query": "{ stats { papers } }"}


@pytest.fixture(scope="module")
def lab(local_server: server.ServerInfo) -> Lab:
    """The tests' local server, which these tests kill and restart."""
    return Lab(TEST_KG_HOME, (TEST_BOLT_PORT, TEST_HTTP_PORT))


@pytest.fixture(scope="module")
def synth(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """A `kg synth` corpus and the digest of its clean load."""
    folder = tmp_path_factory.mktemp("faults")
    run = lab.kg(["synth", "--papers", str(PAPERS), "--seed", "7", "-o", str(folder)])
    assert run.code == 0, run.stderr
    corpus = Corpus(folder / "pages")
    lab.wipe()
    corpus.ingest_s = ingest(lab, corpus).seconds
    corpus.digest = corpus.bulk_digest = lab.digest()  # a bulk load equals it (tests/test_bulk.py)
    return corpus


@pytest.fixture(autouse=True)
def _server_up(lab: Lab) -> Iterator[None]:
    """Whatever a test killed, the server runs again after it."""
    yield
    lab.start()


def _killed_mid_load(lab: Lab, args: list[str], at: float, papers: int = 0) -> int | None:
    """Start `kg args`, wait until the graph holds `papers` papers, then `at` seconds more, and SIGKILL `kg`
    (and its workers); its exit code (None: it had ended)."""
    proc = lab.popen(args)
    if papers:
        lab.wait_for_papers(proc, papers)
    time.sleep(at)
    killed = proc.poll() is None and kill_tree(proc)
    proc.communicate()
    return proc.returncode if killed else None


def test_neo4j_killed_mid_load_the_api_answers_at_once_and_a_rerun_restores_the_graph(lab: Lab,
                                                                                      synth: Corpus) -> None:
    lab.wipe()
    with TestClient(create_app(lab.settings())) as client:
        assert client.post("/graphql", json=STATS).status_code == 200
        proc = lab.popen(["ingest", str(synth.pages), "--batch", str(BATCH)])
        assert lab.wait_for_papers(proc, BATCH), "the load ended before its first batch was seen"
        assert lab.kill()
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1 and "Traceback" not in err
        # during the outage: a documented error, at once
        began = time.monotonic()
        answer = client.post("/graphql", json=STATS).json()
        assert answer["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
        for path in ("/resource/paper/p-0", "/rdf?year=2020"):
            refused = client.get(path, headers={"Accept": "text/turtle"})
            assert refused.status_code == 503 and int(refused.headers["retry-after"]) > 0
        assert time.monotonic() - began < 10
        lab.start()
        # the same app, untouched, serves again
        assert "errors" not in client.post("/graphql", json=STATS).json()
        assert client.get("/rdf?year=1900").status_code == 200
    ingest(lab, synth)
    assert lab.digest() == synth.digest


def test_neo4j_restarted_under_load_every_request_ends_in_time_and_service_resumes(lab: Lab,
                                                                                   synth: Corpus) -> None:
    """8 clients on a real `kg serve` while Neo4j is killed and restarted: each answer a success or a
    documented error within 15 s, and GraphQL, /resource and /rdf all succeed again within RESUME_S."""
    if lab.digest() != synth.digest:
        lab.wipe()
        ingest(lab, synth)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    row = restart_under_load(lab, synth, port, clients=8, seconds=16, outages=1)
    assert row.failed == 0, row.notes
    assert row.faults == 1 and row.equal
    assert f"did not succeed within {RESUME_S} s" not in " ".join(row.notes)


@pytest.mark.parametrize("bulk", [False, True], ids=["ingest", "bulk"])
def test_kg_killed_mid_load_then_a_rerun_gives_the_clean_graph(lab: Lab, synth: Corpus, bulk: bool) -> None:
    lab.wipe()
    rng = random.Random(3)
    args = ["ingest", str(synth.pages), "--batch", str(BATCH), *(["--bulk"] if bulk else [])]
    if bulk:  # while it spools, or while neo4j-admin imports: nothing to see in the graph until it ends
        code = _killed_mid_load(lab, args, rng.uniform(0.3, 0.8) * 3.0)
    else:  # after the first batch committed, within the next few
        code = _killed_mid_load(lab, args, rng.uniform(0.0, 0.2), papers=BATCH)
    assert code is not None, "the load ended before the kill"
    lab.start()
    ingest(lab, synth, bulk=bulk)
    assert lab.digest() == synth.digest


def test_two_loads_at_once_give_the_graph_of_one(lab: Lab, synth: Corpus) -> None:
    row = concurrent_loads(lab, synth, runs=1)
    assert row.failed == 0, row.notes
    assert row.equal


def test_hostile_files_get_one_line_each_and_leave_the_graph(lab: Lab, synth: Corpus, tmp_path: Path) -> None:
    rows = bad_input(lab, synth, tmp_path / "bad", big_mb=40, line_mb=3, empties=200)
    for row in rows:
        assert row.failed == 0 and row.equal, (row.scenario, row.notes)
        assert row.peak_mb < 500, (row.scenario, row.peak_mb)
    notes = {row.scenario: row.notes[-1] for row in rows}
    assert "above the 32 MB" in notes["bad input: a 40 MB page"]
    assert "a line longer than" in notes["bad input: one 3 MB line"]
    assert "not UTF-8" in notes["bad input: invalid UTF-8"]
    assert "binary file" in notes["bad input: NUL bytes"]
    assert "looping symbolic link" in notes["bad input: a symlink loop"]
    assert "Permission denied" in notes["bad input: an unreadable file"]


def test_a_full_disk_is_one_error_and_leaves_database_and_target_as_they_were(lab: Lab, synth: Corpus,
                                                                               tmp_path: Path) -> None:
    rows = full_disk(lab, synth, tmp_path / "small", size_kb=256)
    for row in rows:
        assert row.failed == 0 and row.equal, (row.scenario, row.notes)
    export, bulk = rows
    assert "No space left on device" in export.notes[0] or "too large" in export.notes[0]
    assert "the database is unchanged" in bulk.notes[0]
