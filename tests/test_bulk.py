"""`kg ingest --bulk` builds the same graph as the incremental loader, and refuses a non-empty database."""
from __future__ import annotations

from pathlib import Path

import neo4j
import pytest

from kg.errors import KgError
from kg.ingest.pages import pages
from kg.store.bulk import bulk_ingest, prepared
from kg.store.digest import diff, save
from kg.store.load import Loader
from kg.store.schema import wipe_graph
from tests.corpora import Corpus
from tests.pages import FEED, PROFILE, SEARCH, write

SNAPSHOT = {
    "nodes": "MATCH (n) WHERE NOT any(l IN labels(n) WHERE l STARTS WITH '__') RETURN labels(n)[0] AS k, count(*) AS n ORDER BY k",  # a load counts its turns
    "rels": "MATCH ()-[r]->() RETURN type(r) AS k, count(*) AS n ORDER BY k",
    "papers": "MATCH (p:Paper) RETURN p {.*, abstract: coalesce(p.abstract, '')} AS k, "
              "COUNT { (p)-[:LISTED_ON]->() } AS n ORDER BY p.id",
    "authored": "MATCH (a:Author)-[r:AUTHORED]->(p) RETURN [a.id, p.id] AS k, r.position AS n ORDER BY k",
    "institutions": "MATCH (i:Institution) RETURN [i.id, i.name] AS k, size(i.aliases) AS n ORDER BY i.id",
    "topics": "MATCH (p:Paper)-[:HAS_TOPIC]->(t:Topic) RETURN [p.id, t.id, t.name] AS k, t.scheme AS n ORDER BY k",
}


def snapshot(driver: neo4j.Driver) -> dict[str, list]:
    out = {}
    for name, query in SNAPSHOT.items():
        records, _, _ = driver.execute_query(query)
        out[name] = [(r["k"], r["n"]) for r in records]
    return out


def test_bulk_equals_incremental(clean_db: neo4j.Driver, corpus: Corpus, test_home, tmp_path: Path) -> None:
    # Repeated papers across pages exercise the spool: the profile's papers reappear in the feed and search.
    # An organisation named with a "|" (once the bulk import's array delimiter) gives an alias with one.
    feed = FEED.replace("facebook AI at Meta", "FAIR | Meta AI")
    files = [corpus.pages, write(tmp_path, "a.txt", PROFILE), write(tmp_path, "b.txt", feed),
             write(tmp_path, "c.txt", SEARCH)]
    summary = bulk_ingest(prepared(files), home=test_home)
    assert summary.rejected == [] and summary.pages == corpus.save_count + 3
    bulk = snapshot(clean_db)
    digest = save(clean_db, None, tmp_path / "bulk.txt")
    wipe_graph(clean_db)
    Loader(clean_db).load(pages(files))
    assert snapshot(clean_db) == bulk
    assert save(clean_db, None, tmp_path / "incremental.txt") == digest, diff(tmp_path / "bulk.txt",
                                                                              tmp_path / "incremental.txt")
    assert dict(bulk["nodes"])["Paper"] == corpus.papers + 4


def test_profile_page_whose_papers_all_came_earlier(clean_db: neo4j.Driver, test_home, tmp_path: Path) -> None:
    # The owner is named only by the profile, which repeats papers the feed and search page gave first.
    start = PROFILE.index("3.0CVFeb 26")
    profile = PROFILE[:start] + PROFILE[PROFILE.index("7.1CLJan 5, 2023"):]
    files = [write(tmp_path, "a.txt", FEED), write(tmp_path, "b.txt", SEARCH), write(tmp_path, "c.txt", profile)]
    summary = bulk_ingest(prepared(files), home=test_home)
    assert summary.rejected == []
    records, _, _ = clean_db.execute_query(
        "MATCH (g:Page)-[:PROFILE_OF]->(a:Author)-[:AUTHORED]->(p) RETURN g.title, a.name, count(p)")
    assert [tuple(r) for r in records] == [("Ada Lovelace", "Ada Lovelace", 2)]


def test_bulk_refuses_a_database_with_data(seeded: neo4j.Driver, corpus: Corpus, test_home) -> None:
    with pytest.raises(KgError, match="empty database only"):
        bulk_ingest(prepared([corpus.pages]), home=test_home)
