"""`kg bench` says each step as it starts and ends, and stops the Neo4j server it started however it ends,
unless --keep-server (the server's start and stop are stand-ins here: no Neo4j needed)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg import server
from kg.bench import run
from kg.bench.context import announced, bench_home, stop_command


class FakeServer:
    """server.start/stop/running_pid of one home, as calls recorded."""

    def __init__(self, running: bool) -> None:
        self.pid: int | None = 4242 if running else None
        self.calls: list[str] = []

    def start(self, home: server.Neo4jHome, ports: tuple[int, int] | None = None) -> None:
        self.calls.append(f"start {ports}")
        self.pid = 4242
        if ports is not None:  # where the bench reads the ports it reports
            home.conf_dir.mkdir(parents=True, exist_ok=True)
            home.conf_file.write_text(f"server.bolt.listen_address=127.0.0.1:{ports[0]}\n"
                                      f"server.http.listen_address=127.0.0.1:{ports[1]}\n")

    def stop(self, home: server.Neo4jHome) -> int | None:
        self.calls.append("stop")
        pid, self.pid = self.pid, None
        return pid

    def running_pid(self, home: server.Neo4jHome) -> int | None:
        return self.pid


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest) -> FakeServer:
    monkeypatch.setenv(server.HOME_ENV, str(tmp_path))
    monkeypatch.setenv("KG_BENCH_BOLT_PORT", "28687")
    monkeypatch.setenv("KG_BENCH_HTTP_PORT", "28474")
    stand_in = FakeServer(running=getattr(request, "param", False))
    for name in ("start", "stop", "running_pid"):
        monkeypatch.setattr(run.server, name, getattr(stand_in, name))
    monkeypatch.setattr(run, "local_settings", lambda home: "settings")
    return stand_in


def test_the_server_the_bench_started_is_stopped_even_after_a_failure(fake: FakeServer,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(KeyboardInterrupt), run.bench_server() as settings:
        assert settings == "settings"
        with announced("grow"), announced("baseline"):
            raise KeyboardInterrupt
    assert fake.calls == ["start (28687, 28474)", "stop"]
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "bench: starting the bench's Neo4j: started"
    assert err[2:5] == ["bench: grow: started", "bench: grow: baseline: started",
                        "bench: grow: baseline: failed after 0.0 s"]
    assert err[5] == "bench: grow: failed after 0.0 s" and err[-1].startswith("bench: stopping the bench's Neo4j: done in ")


def test_keep_server_leaves_it_running_and_says_how_to_stop_it(fake: FakeServer, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    with run.bench_server(keep=True), announced("parse"):
        pass
    assert fake.calls == ["start (28687, 28474)"]
    err = capsys.readouterr().err.splitlines()
    assert err[-2].startswith("bench: parse: done in ")
    assert err[-1] == ("bench: the bench's Neo4j keeps running on bolt://127.0.0.1:28687 (--keep-server); stop it "
                       f"with `KG_HOME={tmp_path / 'bench'} kg neo4j stop`")
    assert bench_home() == server.neo4j_home(tmp_path / "bench")  # what that command stops
    assert stop_command() == f"KG_HOME={tmp_path / 'bench'} kg neo4j stop"


@pytest.mark.parametrize("fake", [True], indirect=True)
def test_a_server_that_ran_before_the_bench_is_left_running(fake: FakeServer,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    with run.bench_server():
        pass
    assert fake.calls == ["start (28687, 28474)"]  # a no-op on a running server
    assert "(it ran before the bench); stop it with `KG_HOME=" in capsys.readouterr().err
