"""The `seeded` fixture gives the graph of a corpus, and restores it after a test changed it."""
from __future__ import annotations

import neo4j

from tests.corpora import Corpus


def paper_count(driver: neo4j.Driver) -> int:
    records, _, _ = driver.execute_query("MATCH (p:Paper) RETURN count(p)")
    return records[0][0]


def test_a_test_may_damage_the_graph(seeded: neo4j.Driver, corpus: Corpus) -> None:
    assert paper_count(seeded) == corpus.papers
    seeded.execute_query("MATCH (p:Paper) WITH p LIMIT 5 DETACH DELETE p")
    assert paper_count(seeded) == corpus.papers - 5


def test_the_next_test_gets_it_back(seeded: neo4j.Driver, corpus: Corpus) -> None:
    assert paper_count(seeded) == corpus.papers
