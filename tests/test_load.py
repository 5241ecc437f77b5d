"""The loader against a real Neo4j: counts, schema, idempotence, merging, atomic pages, hostile text."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import neo4j
import pytest

from kg.ingest.pages import Page, pages, parse_file
from kg.ingest.resolve import Resolver
from kg.store.connection import Settings
from kg.store.load import Loader
from tests.corpora import SYNTH, Corpus
from tests.pages import FEED, PROFILE, SEARCH, write

COUNT_NODES = "MATCH (n) WHERE NOT any(l IN labels(n) WHERE l STARTS WITH '__') RETURN labels(n)[0] AS label, count(*) AS n"  # the lock only counts turns
COUNT_RELS = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n"


def counts(driver: neo4j.Driver, query: str = COUNT_NODES) -> dict[str, int]:
    records, _, _ = driver.execute_query(query)
    return {r[0]: r[1] for r in records}


def load(driver: neo4j.Driver, *paths: Path | str, batch: int = 2000):
    return Loader(driver, batch_papers=batch).load(pages(paths))


def test_counts_per_label(clean_db: neo4j.Driver, corpus: Corpus) -> None:
    summary = load(clean_db, corpus.pages)
    assert summary.rejected == [] and summary.pages == corpus.save_count
    graph = Resolver()
    for path in corpus.files():
        for record in parse_file(path).records:
            graph.add(record)
    expected = graph.graph()
    assert counts(clean_db) == {
        "Paper": corpus.papers, "Author": corpus.authors, "Institution": len(expected.institutions),
        "Repo": len(expected.repos), "Topic": len(expected.topics), "Page": corpus.page_count,
        "Snapshot": corpus.save_count}
    assert summary.created["papers"] == corpus.papers and summary.updated["papers"] == 0
    owner_papers, _, _ = clean_db.execute_query(
        "MATCH (:Page {format: 'profile'})-[:PROFILE_OF]->(a:Author)-[:AUTHORED]->(p) RETURN a.name, count(p)")
    assert dict(tuple(r) for r in owner_papers) == corpus.profiles


def test_constraints_and_indexes_present(clean_db: neo4j.Driver) -> None:
    load(clean_db, SYNTH.feed)
    records, _, _ = clean_db.execute_query("SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type")
    unique = {(r["labelsOrTypes"][0], r["properties"][0]) for r in records if r["type"] == "UNIQUENESS"}
    assert unique >= {(label, "id") for label in ("Paper", "Author", "Institution", "Repo", "Topic", "Page")}
    records, _, _ = clean_db.execute_query("SHOW FULLTEXT INDEXES YIELD name, state")
    assert {(r["name"], r["state"]) for r in records} >= {("paper_text", "ONLINE"), ("author_text", "ONLINE")}


def test_reingest_is_idempotent(clean_db: neo4j.Driver, corpus: Corpus) -> None:
    load(clean_db, corpus.pages)
    before = counts(clean_db), counts(clean_db, COUNT_RELS)
    summary = load(clean_db, corpus.pages, batch=corpus.papers // 6)  # other batch boundaries, same graph
    assert (counts(clean_db), counts(clean_db, COUNT_RELS)) == before
    # every paper found again; one listed on pages of two batches is counted in each
    assert summary.created["papers"] == 0 and summary.updated["papers"] >= corpus.papers


def test_a_page_adding_a_source_updates_the_known_paper(clean_db: neo4j.Driver, tmp_path: Path) -> None:
    files = [write(tmp_path, "a.txt", PROFILE), write(tmp_path, "b.txt", FEED), write(tmp_path, "c.txt", SEARCH)]
    load(clean_db, files[0])
    load(clean_db, *files[1:])
    resolver = Resolver()
    for path in files:
        for record in parse_file(path).records:
            resolver.add(record)
    expected = {p.id: p for p in resolver.graph().papers}
    records, _, _ = clean_db.execute_query(
        "MATCH (p:Paper) OPTIONAL MATCH (p)-[:LISTED_ON]->(g:Page) RETURN p {.*} AS p, count(g) AS sources")
    assert len(records) == len(expected) == 4
    for record in records:
        stored, paper = record["p"], expected[record["p"]["id"]]
        assert record["sources"] == len(paper.sources)
        for field in ("title", "abstract", "date", "year", "score", "category", "upvotes", "author_count",
                      "has_code", "organization", "links"):
            assert stored.get(field, [] if field == "links" else None) == getattr(paper, field), field


def test_bad_files_leave_the_graph_unchanged(clean_db: neo4j.Driver, tmp_path: Path) -> None:
    load(clean_db, SYNTH.feed)
    before = counts(clean_db), counts(clean_db, COUNT_RELS)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    summary = load(clean_db, junk, tmp_path / "missing.txt", write(tmp_path, "prose.txt", "Just a note.\n"))
    assert len(summary.rejected) == 3 and summary.pages == 0
    assert (counts(clean_db), counts(clean_db, COUNT_RELS)) == before


def test_a_page_that_fails_to_write_is_rejected_alone(clean_db: neo4j.Driver, tmp_path: Path) -> None:
    good = parse_file(write(tmp_path, "good.txt", FEED))
    bad = parse_file(write(tmp_path, "bad.txt", SEARCH))
    # Neo4j refuses to store a map as a property: a real write failure in the middle of a batch.
    broken = bad.records[0].paper.model_copy(update={"organization": {"not": "storable"}})
    bad = Page(bad.path, bad.format, [bad.records[0].model_copy(update={"paper": broken}), *bad.records[1:]])
    summary = Loader(clean_db).load([good, bad])
    assert [r.split(":")[0] for r in summary.rejected] == [str(bad.path)]
    titles, _, _ = clean_db.execute_query("MATCH (p:Paper) RETURN p.title ORDER BY p.title")
    assert [r[0] for r in titles] == ["A Loom for Numbers", "Graph networks that transfer!"]
    sources, _, _ = clean_db.execute_query("MATCH (g:Snapshot) RETURN g.id")
    assert [r[0] for r in sources] == [good.snapshot]


@pytest.mark.parametrize("title", [
    "'}) MATCH (n) DETACH DELETE n //",
    '"; DROP CONSTRAINT paper_id; //',
    "Robert'); MERGE (x:Pwned) RETURN 1 //",
])
def test_hostile_titles_load_as_text(clean_db: neo4j.Driver, tmp_path: Path, title: str) -> None:
    page = SEARCH.replace("A Loom for Numbers", title)
    summary = load(clean_db, write(tmp_path, "hostile.txt", page))
    assert summary.rejected == []
    stored, _, _ = clean_db.execute_query("MATCH (p:Paper {title: $t}) RETURN count(p)", t=title)
    assert stored[0][0] == 1
    assert counts(clean_db).get("Pwned") is None and counts(clean_db)["Paper"] == 2


def test_cli_ingest_names_rejected_files(clean_db: neo4j.Driver, neo4j_settings: Settings, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 64)
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password, "PATH": "/usr/bin:/bin",
           "KG_HOME": str(tmp_path / "kg")}  # its SPARQL store too
    result = subprocess.run([sys.executable, "-m", "kg", "ingest", str(SYNTH.feed), str(junk)],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 1, result.stderr
    assert f"error: {junk}: binary file, not a text page" in result.stderr
    assert "rejected 1 of 2 files" in result.stderr and "Traceback" not in result.stderr
    assert counts(clean_db)["Paper"] == SYNTH.feed_papers
