"""kg installs like a package: its wheel, in a virtualenv outside the checkout, synthesizes, ingests,
validates against the schema it ships, and serves GraphQL."""
from __future__ import annotations

import os
import shutil
import site
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import neo4j
import pytest

from api import yasgui
from api.graphiql import ASSETS, missing, sri
from kg.store.connection import Settings

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "kg", "api", "schema", "docs")  # what a wheel is built from
LOCAL_STATE = shutil.ignore_patterns("__pycache__", "*.egg-info")  # caches
START_TIMEOUT_S = 60


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command to its end; its output as text."""
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv outside the checkout holding kg's wheel (its dependencies from the system site)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"  # a copy, so the build leaves no build/ or egg-info in the checkout
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, symlinks=True, ignore=LOCAL_STATE)
        else:
            shutil.copy2(path, src / name)
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", src, cwd=tmp)
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp / "dist").glob("kg-*.whl")
    made = run(sys.executable, "-m", "venv", "--system-site-packages", tmp / "venv", cwd=tmp)
    assert made.returncode == 0, made.stderr
    python = tmp / "venv" / "bin" / "python"
    share_dependencies(python)
    installed = run(python, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", wheel, cwd=tmp)
    assert installed.returncode == 0, installed.stderr
    return tmp / "venv"


def share_dependencies(python: Path) -> None:
    """Let the new venv import kg's dependencies from this interpreter's site-packages: `--system-site-packages`
    gives it only the base interpreter's, not those of a virtualenv running the tests. The paths go after the
    venv's own (a .pth file), so kg itself still comes from the wheel."""
    ours = [*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    if site.ENABLE_USER_SITE:
        ours.append(site.getusersitepackages())
    done = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=python.parent)
    assert done.returncode == 0, done.stderr
    lines = [path for path in dict.fromkeys(ours) if Path(path).is_dir()]
    (Path(done.stdout.strip()) / "kg-test-dependencies.pth").write_text("\n".join(lines) + "\n")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working folder with no checkout above it."""
    assert not any((folder / "pyproject.toml").exists() for folder in (tmp_path, *tmp_path.parents))
    return tmp_path


def env_for(venv: Path, conf: Settings) -> dict[str, str]:
    """Only the venv on PATH (so no npm either) and the tests' Neo4j; none of the checkout's settings."""
    return {"PATH": str(venv / "bin"), "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
            "NEO4J_URI": conf.uri, "NEO4J_USER": conf.user, "NEO4J_PASSWORD": conf.password,
            "NEO4J_DATABASE": conf.database}


def test_the_venv_imports_kg_from_the_wheel(venv: Path, outside: Path) -> None:
    code = ("import api, kg; from kg.graph.files import SCHEMA_DIR; from kg.server.provision import _pom_text; "
            "print(kg.__file__, api.__file__, SCHEMA_DIR, len(_pom_text()), len(_pom_text('neo4j_plugins_pom.xml')), sep='\\n')")
    done = run(venv / "bin" / "python", "-c", code, cwd=outside, env={"PATH": str(venv / "bin")})
    assert done.returncode == 0, done.stderr
    kg_file, api_file, schema_dir, pom, plugins_pom = done.stdout.splitlines()
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert Path(kg_file).parent == site / "kg" and Path(api_file).parent == site / "api"
    assert Path(schema_dir) == site / "kg" / "schema" and not Path(schema_dir).is_symlink()
    assert {p.name for p in Path(schema_dir).iterdir()} >= {
        "constraints.cypher", "shapes.ttl", "ontology.ttl", "schema.graphql"}
    assert int(pom) > 0 and int(plugins_pom) > 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_wheel_ingests_validates_and_serves(venv: Path, outside: Path, clean_db: neo4j.Driver,
                                                neo4j_settings: Settings) -> None:
    kg, env = venv / "bin" / "kg", env_for(venv, neo4j_settings)

    synth = run(kg, "synth", "--papers", "30", "--seed", "3", "-o", "corpus", cwd=outside, env=env)
    assert synth.returncode == 0, synth.stderr
    assert synth.stdout.startswith("wrote 6 pages (4 profile, 1 feed, 1 search;")

    ingest = run(kg, "ingest", "corpus/pages", cwd=outside, env=env)
    assert ingest.returncode == 0, ingest.stderr
    assert "6 pages, " in ingest.stderr and "Traceback" not in ingest.stderr
    records, _, _ = clean_db.execute_query("MATCH (p:Paper) RETURN count(p)", database_=neo4j_settings.database)
    assert records[0][0] == 30

    valid = run(kg, "validate", cwd=outside, env=env)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "conforms: " in valid.stderr and " 0 violations" in valid.stderr

    port = free_port()
    with (outside / "serve.log").open("w+") as log:
        server = subprocess.Popen([str(kg), "serve", "--port", str(port)], cwd=outside, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log)
        try:
            answer = post_when_up(f"http://127.0.0.1:{port}/graphql", "{ stats { papers } }", server)
            page = httpx.get(f"http://127.0.0.1:{port}/graphql", headers={"accept": "text/html"})
            script = httpx.get(f"http://127.0.0.1:{port}/graphiql-assets/graphiql.min.js")
        finally:
            server.terminate()
            server.wait(20)
        log.seek(0)
        stderr = log.read()
    assert answer["data"] == {"stats": {"papers": 30}}, stderr
    # no npm on PATH and no network needed: GraphiQL's files come inside the wheel
    assert "GraphiQL" not in stderr and "Traceback" not in stderr
    assert page.status_code == 200 and "graphiql.min.js" in page.text and "missing" not in page.text
    assert script.status_code == 200 and sri(script.content) == ASSETS["graphiql.min.js"][2]


def post_when_up(url: str, query: str, server: subprocess.Popen) -> dict:
    """POST `query` once the server answers; its JSON."""
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(timeout=10) as http:
        while time.monotonic() < deadline:
            assert server.poll() is None, "kg serve exited"
            try:
                return http.post(url, json={"query": query}).json()
            except httpx.TransportError:
                time.sleep(0.2)
    pytest.fail("kg serve did not answer in time", pytrace=False)


def test_the_wheel_carries_the_editors_with_their_licenses(venv: Path, outside: Path) -> None:
    site = next((venv / "lib").glob("python3*/site-packages"))
    folder = site / "api" / "static" / "graphiql"
    assert sorted(p.name for p in folder.iterdir()) == sorted(ASSETS)
    assert missing(folder) == []
    # the docs the Browser guide quotes come as files, not as links back into a checkout
    docs = site / "api" / "static" / "docs"
    assert sorted(p.name for p in docs.iterdir()) == ["cypher.md", "neo4j.md", "sparql.md"]
    assert not any(p.is_symlink() for p in docs.iterdir())
    assert (docs / "cypher.md").read_text() == (ROOT / "docs" / "cypher.md").read_text()
    # and YASGUI, the SPARQL editor, with its license
    editor = site / "api" / "static" / "yasgui"
    assert sorted(p.name for p in editor.iterdir()) == sorted([*yasgui.ASSETS, yasgui.LICENSE])
    assert yasgui.missing(editor) == []
