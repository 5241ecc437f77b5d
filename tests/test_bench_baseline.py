"""The incremental-ingest baseline of `kg bench` is fair: from the same pages it writes the nodes and
relationships kg writes (all but what author identity resolution merges or splits), and `kg bench` reads
the stages of `kg ingest --bulk` from what it prints."""
from __future__ import annotations

import os
from pathlib import Path

import neo4j
import pytest

from kg import server
from kg.bench.context import bench_home
from kg.bench.plain import plain_load
from kg.bench.run import NEO4J_STAGES, run_kg, stages
from kg.graph.model import ABBREVIATION
from kg.ingest.pages import pages
from kg.store.connection import Settings
from kg.store.load import Loader
from kg.store.schema import wipe_graph
from tests.corpora import Corpus

COUNTS = """
CALL () { MATCH (n) WHERE NOT any(l IN labels(n) WHERE l STARTS WITH '__') UNWIND labels(n) AS kind RETURN kind, count(*) AS n
          UNION ALL MATCH ()-[r]->() RETURN type(r) AS kind, count(*) AS n }
RETURN kind, n
"""
RESOLVED = {"Author", "AUTHORED", "PROFILE_OF"}  # identity resolution may merge or split these
# A paper's topic through an abbreviation the corpus defines on other pages: a rule over the whole graph, not a
# row of the paper's page, so the baseline has none of these.
THROUGH_ABBREVIATIONS = "MATCH ()-[r:HAS_TOPIC]->() WHERE r.found_in = [$abbreviation] RETURN count(r) AS n"


def counts(db: neo4j.Driver, database: str) -> dict[str, int]:
    records, _, _ = db.execute_query(COUNTS, database_=database)
    return {r["kind"]: r["n"] for r in records}


def test_the_plain_baseline_writes_what_kg_writes(corpus: Corpus, clean_db: neo4j.Driver,
                                                  neo4j_settings: Settings) -> None:
    Loader(clean_db, neo4j_settings.database, 50).load(pages([corpus.pages]))
    kg = counts(clean_db, neo4j_settings.database)
    derived, _, _ = clean_db.execute_query(THROUGH_ABBREVIATIONS, abbreviation=ABBREVIATION,
                                           database_=neo4j_settings.database)
    kg["HAS_TOPIC"] -= derived[0]["n"]
    wipe_graph(clean_db, neo4j_settings.database)
    papers = plain_load(clean_db, neo4j_settings.database, pages([corpus.pages]), 50)
    plain = counts(clean_db, neo4j_settings.database)
    assert papers == sum(corpus.listings.values())
    assert set(plain) == set(kg)
    assert {k: n for k, n in plain.items() if k not in RESOLVED} == {k: n for k, n in kg.items() if k not in RESOLVED}
    assert plain["Paper"] == corpus.papers


def test_stages_are_read_from_their_lines() -> None:
    log = ("reading ━━━ 100%\nbulk: read and spooled the pages in 1,204.5 s\nbulk: neo4j-admin import in 71.0 s\n"
           "bulk: started Neo4j in 13.2 s\nerror: something else\ningest: loaded the pages in 2.5 s\n")
    bulk = stages(log)
    assert bulk == {"read and spooled the pages": 1204.5, "neo4j-admin import": 71.0, "started Neo4j": 13.2}
    assert {"neo4j-admin import", "started Neo4j"} <= set(NEO4J_STAGES)
    assert stages(log, "ingest") == {"loaded the pages": 2.5}


def test_a_failed_step_names_its_command_in_a_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A step's kg command may take thousands of files: its error names the first few, not all of them."""
    monkeypatch.setenv(server.HOME_ENV, str(tmp_path))  # no Neo4j there: the command fails at once
    bench_home().root.parent.mkdir(parents=True)
    files = [str(tmp_path / f"page-{i}.txt") for i in range(5000)]
    with pytest.raises(RuntimeError) as failed:
        run_kg(["ingest", "--stages", *files], {**os.environ, "NEO4J_URI": ""})
    message = str(failed.value)
    assert message.startswith(f"kg ingest --stages {files[0]} ... (4,999 more arguments) failed: ")
    assert len(message) < 1000
