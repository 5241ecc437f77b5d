"""The `seeded` fixture gives the sample graph, and restores it after a test changed it."""
from __future__ import annotations

import neo4j


def paper_count(driver: neo4j.Driver) -> int:
    records, _, _ = driver.execute_query("MATCH (p:Paper) RETURN count(p)")
    return records[0][0]


def test_a_test_may_damage_the_graph(seeded: neo4j.Driver) -> None:
    assert paper_count(seeded) == 328
    seeded.execute_query("MATCH (p:Paper) WITH p LIMIT 5 DETACH DELETE p")
    assert paper_count(seeded) == 323


def test_the_next_test_gets_it_back(seeded: neo4j.Driver) -> None:
    assert paper_count(seeded) == 328
