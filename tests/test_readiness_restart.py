"""/readyz while the tests' own Neo4j stops and starts again (its own file: it takes the session's server
down for a while, and starts it again whatever happens)."""
from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from api.app import create_app
from kg import server
from kg.store.connection import local_settings
from tests.conftest import TEST_BOLT_PORT, TEST_HTTP_PORT

POLL_S = 0.05
UNREADY_WITHIN_S = 1.0  # of the server's exit
READY_WITHIN_S = 5.0  # of the server answering Bolt again


def poll_until(client: TestClient, status: int, limit_s: float) -> float | None:
    """When /readyz first answered `status` (time.monotonic()), polling for at most `limit_s`."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == status:
            return time.monotonic()
        time.sleep(POLL_S)
    return None


def test_readyz_turns_unready_when_neo4j_stops_and_ready_when_it_is_back(local_server, test_home) -> None:
    app = create_app(local_settings(test_home))
    with TestClient(app) as client:
        assert poll_until(client, 200, 30) is not None, client.get("/readyz").text
        exited: list[float] = []
        stopping = threading.Thread(target=lambda: (server.stop(test_home), exited.append(time.monotonic())))
        try:
            stopping.start()
            unready = poll_until(client, 503, 120)
            stopping.join()
            assert unready is not None and exited, "/readyz stayed ready while Neo4j stopped"
            assert unready - exited[0] < UNREADY_WITHIN_S, f"unready {unready - exited[0]:.2f} s after the exit"
            answer = client.get("/readyz")
            assert answer.status_code == 503
            assert answer.json() == {"status": "unready", "checks": {"neo4j": "unavailable (ServiceUnavailable)"}}
            assert client.get("/healthz").status_code == 200  # the process itself is fine
        finally:
            stopping.join()
            server.start(test_home, ports=(TEST_BOLT_PORT, TEST_HTTP_PORT))
        started = time.monotonic()
        ready = poll_until(client, 200, 30)
        assert ready is not None and ready - started < READY_WITHIN_S, "/readyz did not turn ready again"
        assert client.post("/graphql", json={"query": "{ stats { papers } }"}).json()["data"]["stats"]
