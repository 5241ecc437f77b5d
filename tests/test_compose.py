"""docker-compose.yml, checked as `docker compose config` would (no Docker engine runs here): compose-go, the
library of Docker Compose itself, pinned in tools/composecheck/go.mod, loads and validates it against the
Compose Specification; then the stack is checked to keep up with the local server (APOC and its allowlist)
and the API image to carry what `kg serve` needs."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kg.server.config import APOC_ALLOWLIST

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "composecheck"


@pytest.fixture(scope="module")
def composecheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checker, built with the Go toolchain (modules from the Go module proxy, pinned by go.sum)."""
    go = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").is_file() else None)
    if go is None:
        pytest.fail("Go is not installed: it builds tools/composecheck (compose-go) to check docker-compose.yml",
                    pytrace=False)
    binary = tmp_path_factory.mktemp("go") / "composecheck"
    built = subprocess.run([go, "build", "-o", str(binary), "."], cwd=TOOL, capture_output=True, text=True,
                           timeout=900, env={**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly"})
    assert built.returncode == 0, built.stderr
    return binary


def config(binary: Path, compose: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "KG_"))}
    return subprocess.run([str(binary), str(compose)], cwd=compose.parent, capture_output=True, text=True,
                          timeout=60, env={**clean, **env})


def test_the_compose_file_is_valid_and_keeps_up(composecheck: Path) -> None:
    done = config(composecheck, ROOT / "docker-compose.yml")
    assert done.returncode == 0, done.stderr
    stack = json.loads(done.stdout)
    neo4j, api = stack["services"]["neo4j"], stack["services"]["api"]
    env = neo4j["environment"]
    assert json.loads(env["NEO4J_PLUGINS"]) == ["apoc"]
    assert env["NEO4J_dbms_security_procedures_allowlist"].split(",") == list(APOC_ALLOWLIST)
    assert env["NEO4J_dbms_security_procedures_unrestricted"].split(",") == list(APOC_ALLOWLIST)
    pom = (ROOT / "kg" / "server" / "neo4j_pom.xml").read_text()
    version = re.search(r"<neo4j.version>(\d+\.\d+)\.", pom)
    assert version and neo4j["image"] == f"neo4j:{version[1]}-community"
    assert api["build"]["context"] == str(ROOT) and api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert all(p["host_ip"] == "127.0.0.1" for s in (neo4j, api) for p in s["ports"])
    # the password comes from the environment when given
    given = json.loads(config(composecheck, ROOT / "docker-compose.yml", NEO4J_PASSWORD="s3cret").stdout)
    assert given["services"]["neo4j"]["environment"]["NEO4J_AUTH"] == "neo4j/s3cret"


def test_the_checker_rejects_a_broken_file(composecheck: Path, tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text((ROOT / "docker-compose.yml").read_text().replace("    restart: unless-stopped",
                                                                        "    restart: unless-stopped\n    bogus: 1", 1))
    done = config(composecheck, broken)
    assert done.returncode == 1 and "bogus" in done.stderr


def test_the_api_image_carries_schema_docs_and_graphiql() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = re.findall(r"^COPY (\S+) ", dockerfile, re.M)
    assert {"kg/", "api/", "schema/", "docs/"} <= set(copied)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert not any(p in ignored for p in ("api", "api/static", "docs", "schema"))
    assert (ROOT / "api" / "static" / "graphiql" / "graphiql.min.js").is_file()
    # the guide's docs are links into docs/, which the image copies beside the package before installing it
    for link in (ROOT / "api" / "static" / "docs").iterdir():
        assert link.is_symlink() and link.resolve().parent == ROOT / "docs"
