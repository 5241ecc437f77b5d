"""`kg neo4j start|stop|status`, the connection settings and neo4j-admin, on a real local server.

These run on the tests' own local server (see conftest.py), never on the user's.
"""
from __future__ import annotations

import dataclasses
import json
import os
import socket
import stat
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from kg import server
from kg.cli.main import app
from kg.errors import KgError
from kg.server.provision import maven_error
from kg.store.connection import driver, local_settings
from kg.store.schema import wipe_graph
from tests.conftest import ROOT, TEST_BOLT_PORT, TEST_HTTP_PORT

runner = CliRunner()


def kg(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real `kg` command line (this checkout's, as `python -m kg`)."""
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, capture_output=True, text=True, timeout=300)


def test_status_json_has_the_connection_fields(local_server, local_server_env):
    done = kg(local_server_env, "neo4j", "status", "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["uri"] == f"bolt://127.0.0.1:{TEST_BOLT_PORT}"
    assert status["user"] == "neo4j"
    assert status["password"] == local_server.password
    assert status["browser"] == f"http://127.0.0.1:{TEST_HTTP_PORT}/browser/"
    assert status["version"].startswith("5.26.")
    assert "community" in status["version"]


def test_start_is_a_no_op_when_running(local_server, test_home, local_server_env):
    pid = server.running_pid(test_home)
    began = time.monotonic()
    done = runner.invoke(app, ["neo4j", "start"], env=local_server_env)
    assert done.exit_code == 0, done.output
    assert "already running" in done.output
    assert time.monotonic() - began < 10
    assert server.running_pid(test_home) == pid is not None


def test_bolt_works_with_the_generated_password(local_server, test_home):
    with driver(local_settings(test_home)) as db:
        records, _, _ = db.execute_query("RETURN 1 + 1 AS two")
    assert records[0]["two"] == 2


def test_browser_is_served(local_server):
    page = httpx.get(local_server.browser, timeout=10)
    assert page.status_code == 200
    assert "<html" in page.text.lower()


def test_listens_on_loopback_only(test_home):
    conf = test_home.conf_file.read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert f"server.bolt.listen_address=:{TEST_BOLT_PORT}" in conf


def test_wrong_password_is_one_clear_line(local_server, test_home, local_server_env):
    wrong = dataclasses.replace(local_settings(test_home), password="not-the-password")
    with pytest.raises(KgError, match="rejected user 'neo4j'"):
        driver(wrong)
    # The CLI with a password file that no longer matches the server.
    saved = test_home.password_file.read_text()
    try:
        test_home.password_file.write_text("not-the-password\n")
        done = kg(local_server_env, "neo4j", "status")
    finally:
        test_home.password_file.write_text(saved)
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and "rejected the password" in done.stderr
    assert "Traceback" not in done.stderr
    driver(local_settings(test_home)).close()  # a good login resets the failed-attempt count


def test_password_file_is_private_and_ignored_by_git(local_server, test_home):
    assert stat.S_IMODE(test_home.password_file.stat().st_mode) == 0o600
    for path in (test_home.password_file, ROOT / ".kg" / "neo4j" / "password"):
        if path.is_relative_to(ROOT):  # a home outside the checkout cannot be committed anyway
            ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT)
            assert ignored.returncode == 0, f"{path} is not ignored by git"


def test_bulk_import_after_stop_then_restart(local_server, test_home, tmp_path):
    """The loader's path: stop, `neo4j-admin database import full --overwrite-destination`, start."""
    (tmp_path / "nodes.csv").write_text("id:ID,name,:LABEL\np1,Paper One,Paper\na1,Ada,Author\n")
    (tmp_path / "rels.csv").write_text(":START_ID,:END_ID,:TYPE\na1,p1,WROTE\n")
    running = server.running_pid(test_home)  # other tests may have restarted it since the session began
    assert running is not None and server.stop(test_home) == running
    try:
        # The database name goes before --nodes/--relationships, which take several files each.
        done = server.run_admin(
            ["database", "import", "full", "neo4j", "--overwrite-destination",
             f"--nodes={tmp_path / 'nodes.csv'}", f"--relationships={tmp_path / 'rels.csv'}"],
            home=test_home)
    finally:
        info = server.start(test_home, ports=(TEST_BOLT_PORT, TEST_HTTP_PORT))
    assert done.returncode == 0, done.stderr or done.stdout
    with driver(local_settings(test_home)) as db:
        records, _, _ = db.execute_query("MATCH (a:Author)-[:WROTE]->(p:Paper) RETURN a.name, p.name")
    assert [tuple(r.values()) for r in records] == [("Ada", "Paper One")]
    assert info.password == local_server.password


def test_wipe_keeps_constraints(clean_db, neo4j_settings):
    db = neo4j_settings.database
    clean_db.execute_query("CREATE CONSTRAINT kg_probe IF NOT EXISTS FOR (p:KgProbe) REQUIRE p.id IS UNIQUE",
                           database_=db)
    try:
        clean_db.execute_query("UNWIND range(1, 50) AS i CREATE (:KgProbe {id: i})-[:NEXT]->()", database_=db)
        wipe_graph(clean_db, db)
        records, _, _ = clean_db.execute_query("MATCH (n) RETURN count(n) AS n", database_=db)
        assert records[0]["n"] == 0
        names, _, _ = clean_db.execute_query("SHOW CONSTRAINTS YIELD name", database_=db)
        assert "kg_probe" in {r["name"] for r in names}
    finally:
        clean_db.execute_query("DROP CONSTRAINT kg_probe IF EXISTS", database_=db)


def test_import_help_works_with_the_provisioned_jars(local_server, test_home):
    done = server.run_admin(["database", "import", "full", "--help"], home=test_home)
    assert done.returncode == 0, done.stderr
    assert "--overwrite-destination" in done.stdout


def test_a_taken_port_is_one_clear_error(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        with pytest.raises(KgError, match=f"port {taken} on 127.0.0.1 is already taken"):
            server.start(server.neo4j_home(tmp_path), ports=(taken, taken + 1))


def test_stop_leaves_a_process_that_is_not_its_server_alone(tmp_path):
    home = server.neo4j_home(tmp_path)
    home.pid_file.parent.mkdir(parents=True)
    home.pid_file.write_text(f"{os.getpid()}\n")  # this pytest process, not a Neo4j
    assert server.stop(home) is None
    assert not home.pid_file.exists()


def test_status_when_not_running_exits_1(tmp_path):
    env = {**os.environ, server.HOME_ENV: str(tmp_path)}
    done = runner.invoke(app, ["neo4j", "status", "--json"], env=env)
    assert done.exit_code == 1
    assert json.loads(done.stdout)["running"] is False


def test_kg_home_is_beside_pyproject_unless_overridden(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "sub").mkdir()
    monkeypatch.delenv(server.HOME_ENV, raising=False)
    assert server.find_kg_home(tmp_path / "sub") == tmp_path / ".kg"
    monkeypatch.setenv(server.HOME_ENV, str(tmp_path / "elsewhere"))
    assert server.neo4j_home().root == tmp_path / "elsewhere" / "neo4j"


def test_maven_errors_are_reduced_to_their_cause():
    output = ("\x1b[0m[ERROR] Could not transfer artifact org.neo4j:neo4j:pom:5.26.30 -> [Help 1]\n"
              "[ERROR] \n[ERROR] To see the full stack trace of the errors, re-run Maven\n")
    assert maven_error(output) == "Could not transfer artifact org.neo4j:neo4j:pom:5.26.30"
