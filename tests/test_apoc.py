"""APOC Core in the local server: the allowlisted procedures run, nothing that reaches files or the network
is loaded, the docs list exactly the allowlist, and provisioning adds APOC to a server that lacks it."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import neo4j
import pytest

from kg.server import Neo4jHome
from kg.server.config import APOC_ALLOWLIST, neo4j_conf
from kg.server.provision import PLUGINS_MARKER, _pom_text, _provision_plugins, artifact_of, is_provisioned
from kg.store.connection import Settings

ROOT = Path(__file__).resolve().parent.parent
PLUGINS_POM = "neo4j_plugins_pom.xml"


def apoc_version() -> str:
    match = re.search(r"<apoc.version>([^<]+)</apoc.version>", _pom_text(PLUGINS_POM))
    assert match
    return match[1]


def loaded(driver: neo4j.Driver, database: str) -> set[str]:
    """Every APOC procedure and function the server has."""
    names: set[str] = set()
    for kind in ("PROCEDURES", "FUNCTIONS"):
        records, _, _ = driver.execute_query(f"SHOW {kind} YIELD name WHERE name STARTS WITH 'apoc.' RETURN name",
                                             database_=database)
        names |= {r["name"] for r in records}
    return names


def test_apoc_runs_at_the_pinned_version(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> None:
    records, _, _ = neo4j_driver.execute_query("RETURN apoc.version() AS v", database_=neo4j_settings.database)
    assert records[0]["v"] == apoc_version()


def test_every_allowlisted_name_is_loaded_and_nothing_else(neo4j_driver: neo4j.Driver,
                                                            neo4j_settings: Settings) -> None:
    names = loaded(neo4j_driver, neo4j_settings.database)
    patterns = [re.compile(re.escape(p).replace(r"\*", ".*") + r"\Z") for p in APOC_ALLOWLIST]
    for pattern in patterns:
        assert any(pattern.match(n) for n in names), f"{pattern.pattern} loads nothing"
    assert all(any(p.match(n) for p in patterns) for n in names)
    assert len(names) > 200
    for absent in ("apoc.load.json", "apoc.export.csv.all", "apoc.import.csv", "apoc.cypher.runFile",
                   "apoc.log.info", "apoc.periodic.iterate"):
        assert absent not in names


def test_the_read_mostly_procedures_answer(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> None:
    db = neo4j_settings.database
    neo4j_driver.execute_query("MATCH (n:ApocProbe) DETACH DELETE n", database_=db)
    neo4j_driver.execute_query(
        "CREATE (a:ApocProbe {name: 'a'})-[:NEXT {w: 1}]->(b:ApocProbe {name: 'b'})-[:NEXT {w: 1}]->"
        "(c:ApocProbe {name: 'c'}), (a)-[:NEXT {w: 5}]->(c)", database_=db)
    try:
        records, _, _ = neo4j_driver.execute_query("""
            MATCH (a:ApocProbe {name: 'a'}), (c:ApocProbe {name: 'c'})
            CALL apoc.algo.dijkstra(a, c, 'NEXT>', 'w') YIELD path, weight
            WITH a, [n IN nodes(path) | n.name] AS route, weight
            CALL apoc.path.expandConfig(a, {relationshipFilter: 'NEXT>', minLevel: 1, uniqueness: 'NODE_GLOBAL'})
              YIELD path
            WITH route, weight, collect(last(nodes(path)).name) AS reached
            CALL apoc.meta.schema() YIELD value
            RETURN route, weight, apoc.coll.sort(reached) AS reached, value.ApocProbe.count AS probes,
                   apoc.text.join(route, '-') AS text, apoc.convert.toJson(apoc.map.fromPairs([['w', weight]])) AS json
            """, database_=db)
    finally:
        neo4j_driver.execute_query("MATCH (n:ApocProbe) DETACH DELETE n", database_=db)
    assert records[0].data() == {"route": ["a", "b", "c"], "weight": 2.0, "reached": ["b", "c"], "probes": 3,
                                 "text": "a-b-c", "json": '{"w":2.0}'}


def test_the_docs_list_the_allowlist() -> None:
    text = (ROOT / "docs" / "neo4j.md").read_text()
    listed = text.split("<!-- apoc-allowlist -->\n", 1)[1].split("\n\n", 1)[0]
    assert tuple(re.findall(r"`([^`]+)`", listed)) == APOC_ALLOWLIST


def test_the_conf_allows_them_and_guides_from_this_machine() -> None:
    conf = neo4j_conf(7687, 7474).splitlines()
    assert f"dbms.security.procedures.allowlist={','.join(APOC_ALLOWLIST)}" in conf
    assert "browser.remote_content_hostname_whitelist=localhost,127.0.0.1" in conf


def test_a_server_without_apoc_gets_it_and_keeps_its_own_plugins(test_home: Neo4jHome, local_server: object,
                                                                tmp_path: Path) -> None:
    home = Neo4jHome(tmp_path / "neo4j")
    home.root.mkdir()
    shutil.copytree(test_home.lib, home.lib)  # as provisioned before APOC came
    home.plugins.mkdir()
    (home.plugins / "mine.jar").write_bytes(b"a user's own plugin")
    (home.plugins / "apoc-core-5.0.0.jar").write_bytes(b"an older kg plugin")
    (home.plugins / PLUGINS_MARKER).write_text("an-old-digest\napoc-core-5.0.0.jar\n")
    assert not is_provisioned(home)

    assert _provision_plugins(home) is True
    jars = {p.name for p in home.plugins.glob("*.jar")}
    assert {"mine.jar", f"apoc-core-{apoc_version()}.jar", f"apoc-common-{apoc_version()}.jar"} <= jars
    assert "apoc-core-5.0.0.jar" not in jars
    served = {artifact_of(p.name) for p in home.lib.glob("*.jar")}
    assert not served & {artifact_of(j) for j in jars}, "a jar the server has would shadow its own version"
    assert is_provisioned(home)
    assert _provision_plugins(home) is False  # idempotent: nothing fetched the second time


@pytest.mark.parametrize(("jar", "artifact"), [
    ("commons-lang3-3.12.0.jar", "commons-lang3"), ("apoc-core-5.26.19.jar", "apoc-core"),
    ("netty-transport-native-epoll-4.1.118.Final-linux-x86_64.jar", "netty-transport-native-epoll"),
    ("neo4j-slf4j-provider-5.26.30.jar", "neo4j-slf4j-provider"), ("mine.jar", "mine.jar"),
])
def test_artifact_of(jar: str, artifact: str) -> None:
    assert artifact_of(jar) == artifact
