"""Shared fixtures: a real Neo4j for the tests; it never skips, it fails with the reason.

The database comes from the first of these that works:
1. NEO4J_URI (with NEO4J_USER / NEO4J_PASSWORD / NEO4J_DATABASE): a server you run;
2. a testcontainers `neo4j:5.26-community` container, when a Docker engine answers;
3. the local server of `kg neo4j start`, in a KG_HOME of its own.

Tests wipe the graph (`clean_db`), so case 3 never touches the user's own server: it runs
from <root>/.kg/test/neo4j on Bolt 17687 / HTTP 17474, while `kg neo4j start` keeps its data
in <root>/.kg/neo4j on 7687 / 7474. The test server is stopped at the end of the session
unless it was already running before it.
"""
from __future__ import annotations

import fcntl
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import neo4j
import pytest

from kg import server
from kg.errors import KgError
from kg.settings import settings as kg_settings
from kg.store.connection import Settings, driver, local_settings, settings
from kg.store.schema import wipe_graph
from tests.corpora import CORPORA, Corpus

ROOT = Path(__file__).resolve().parent.parent
TEST_KG_HOME = ROOT / ".kg" / "test"
# Another port pair lets two checkouts run their suites side by side.
TEST_BOLT_PORT = int(os.environ.get("KG_TEST_BOLT_PORT") or 17687)
TEST_HTTP_PORT = int(os.environ.get("KG_TEST_HTTP_PORT") or 17474)
CONTAINER_IMAGE = "neo4j:5.26-community"
# A test that uses any of these, directly or through other fixtures, needs Neo4j: it is marked `neo4j`, and
# `make check` (`pytest -m "not neo4j"`) runs the others. test_home and local_server_env are the tests' local
# server too: its folder holds what a start wrote.
NEO4J_FIXTURES = frozenset({"neo4j_settings", "neo4j_driver", "clean_db", "seeded", "local_server", "test_home",
                            "local_server_env"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "neo4j: needs a real Neo4j (set on every test using its fixtures)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if NEO4J_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.neo4j)


def needs_the_mark(request: pytest.FixtureRequest) -> None:
    """Fail a test that reaches Neo4j only through `request.getfixturevalue` without the neo4j mark, which
    `make check` would run without a database (checked in the fixtures: a failing hook would corrupt them)."""
    test = request._pyfuncitem  # request.node is the session for a session-scoped fixture
    if test.get_closest_marker("neo4j") is None:
        pytest.fail(f"{test.nodeid} uses {request.fixturename} without the neo4j mark: add @pytest.mark.neo4j",
                    pytrace=False)


@pytest.fixture(scope="session")
def local_server_env() -> dict[str, str]:
    """The environment under which `kg neo4j ...` addresses the tests' local server."""
    return {**os.environ, server.HOME_ENV: str(TEST_KG_HOME),
            server.BOLT_PORT_ENV: str(TEST_BOLT_PORT),
            server.HTTP_PORT_ENV: str(TEST_HTTP_PORT)}


@pytest.fixture(scope="session")
def test_home() -> server.Neo4jHome:
    """The folder of the tests' own local server."""
    return server.neo4j_home(TEST_KG_HOME)


@pytest.fixture(scope="session")
def local_server(test_home: server.Neo4jHome, request: pytest.FixtureRequest) -> Iterator[server.ServerInfo]:
    """The tests' local server (case 3 above), started if needed and stopped if we started it."""
    needs_the_mark(request)
    with _one_session_at_a_time():
        was_running = server.running_pid(test_home) is not None
        try:
            info = server.start(test_home, ports=(TEST_BOLT_PORT, TEST_HTTP_PORT))
        except KgError as exc:
            pytest.fail(f"no Neo4j for the tests: NEO4J_URI is unset, no Docker engine answers, "
                        f"and the local test server could not start: {exc}", pytrace=False)
        yield info
        if not was_running:
            server.stop(test_home)


@contextmanager
def _one_session_at_a_time() -> Iterator[None]:
    """Hold the test server for this pytest session: two sessions would wipe each other's data."""
    TEST_KG_HOME.mkdir(parents=True, exist_ok=True)
    with open(TEST_KG_HOME / "session.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"\nwaiting for another pytest session to release {lock.name}", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # any failure means no usable engine
        return False


@pytest.fixture(scope="session")
def neo4j_settings(request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Settings of a real, running Neo4j (see the module docstring for where it comes from)."""
    needs_the_mark(request)
    if kg_settings().neo4j_uri:
        yield settings()
        return
    if _docker_answers():
        from testcontainers.community.neo4j import Neo4jContainer

        container = Neo4jContainer(CONTAINER_IMAGE, password=secrets.token_urlsafe(12))
        try:
            container.start()
        except Exception as exc:  # e.g. the image cannot be pulled: fall back to the local server
            print(f"Neo4j container did not start ({exc}); using the local test server")
        else:
            try:
                yield Settings(uri=container.get_connection_url(), user=container.username,
                               password=container.password)
            finally:
                container.stop()
            return
    request.getfixturevalue("local_server")
    yield local_settings(request.getfixturevalue("test_home"))


@pytest.fixture
def neo4j_driver(neo4j_settings: Settings) -> Iterator[neo4j.Driver]:
    """A verified driver for the session's Neo4j, new for each test.

    A bulk import replaces the database, and a driver that lived through it would wait for
    bookmarks from the old one; a test may also restart the server.
    """
    try:
        drv = driver(neo4j_settings, liveness_check_timeout=0)
    except KgError as exc:
        pytest.fail(f"cannot reach the tests' Neo4j: {exc}", pytrace=False)
    yield drv
    drv.close()


@pytest.fixture
def clean_db(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> neo4j.Driver:
    """The session's driver, on a graph emptied of nodes and relationships (schema kept)."""
    wipe_graph(neo4j_driver, neo4j_settings.database)
    return neo4j_driver


SAMPLE_STATE = """
MATCH (g:Snapshot) WITH collect(g.id) AS pages
RETURN pages, COUNT { MATCH (:Paper) } AS papers, COUNT { MATCH ()-[:AUTHORED]->() } AS authored
"""


@pytest.fixture(scope="session", params=CORPORA, ids=str)
def corpus(request: pytest.FixtureRequest) -> Corpus:
    """Each corpus of pages in turn (see tests/corpora.py); tests on one corpus run together."""
    return request.param


@pytest.fixture
def seeded(corpus: Corpus, neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> neo4j.Driver:
    """The session's driver on a graph holding exactly the pages of `corpus` (reloaded if a test changed it)."""
    from kg.ingest.pages import pages, snapshot_id
    from kg.store.load import Loader

    files = corpus.files()
    want = sorted({snapshot_id(f.read_bytes()) for f in files})
    records, _, _ = neo4j_driver.execute_query(SAMPLE_STATE, database_=neo4j_settings.database)
    state = records[0]
    if sorted(state["pages"]) != want or state["papers"] != corpus.papers or state["authored"] == 0:
        wipe_graph(neo4j_driver, neo4j_settings.database)
        summary = Loader(neo4j_driver, neo4j_settings.database).load(pages(files))
        if summary.rejected:
            pytest.fail(f"the {corpus} pages did not load: {summary.rejected}", pytrace=False)
    return neo4j_driver
