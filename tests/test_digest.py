"""The graph digest: equal for the same graph written in any order, different for any change, with a diff."""
from __future__ import annotations

from pathlib import Path

import neo4j

from kg.store.digest import diff, graph_digest, save

NODES = [("Paper", "p-1", {"title": "A", "score": 1.0, "links": ["x", "y"]}), ("Paper", "p-2", {"title": "B"}),
         ("Author", "a-1", {"name": "Ada"}), ("Author", "p-1", {"name": "same id, other label"})]
RELS = [("a-1", "p-1", {"position": 0}), ("a-1", "p-2", {"position": 1})]


def build(driver: neo4j.Driver, nodes: list, rels: list) -> None:
    driver.execute_query("MATCH (n) DETACH DELETE n")
    for label, node_id, props in nodes:
        driver.execute_query(f"CREATE (n:{label} {{id: $id}}) SET n += $props", id=node_id, props=props)
    for start, end, props in rels:
        driver.execute_query("MATCH (a:Author {id: $a}), (p:Paper {id: $p}) CREATE (a)-[r:AUTHORED]->(p) "
                             "SET r = $props", a=start, p=end, props=props)


def test_same_graph_any_order(clean_db: neo4j.Driver) -> None:
    build(clean_db, NODES, RELS)
    first = graph_digest(clean_db)
    build(clean_db, NODES[::-1], RELS[::-1])
    assert graph_digest(clean_db) == first


def test_every_change_shows(clean_db: neo4j.Driver, tmp_path: Path) -> None:
    build(clean_db, NODES, RELS)
    before = save(clean_db, None, tmp_path / "before.txt")
    changes = [
        (NODES[:1] + [("Paper", "p-2", {"title": "B "})] + NODES[2:], RELS),  # a property value
        ([("Paper", "p-1", {**NODES[0][2], "score": 1})] + NODES[1:], RELS),  # an int for a float
        ([("Paper", "p-1", {**NODES[0][2], "links": ["y", "x"]})] + NODES[1:], RELS),  # a list's order
        (NODES, RELS[:1]),  # a relationship
        (NODES, RELS + RELS[:1]),  # a second, parallel one
        (NODES, [("a-1", "p-1", {"position": 1}), RELS[1]]),  # a relationship's property
    ]
    for nodes, rels in changes:
        build(clean_db, nodes, rels)
        assert save(clean_db, None, tmp_path / "after.txt") != before
    build(clean_db, NODES[:1] + [("Paper", "p-2", {"title": "B "})] + NODES[2:], RELS)
    save(clean_db, None, tmp_path / "after.txt")
    assert diff(tmp_path / "before.txt", tmp_path / "after.txt").splitlines()[2:] == [
        '- ["node",["Paper"],"p-2",{"id":"p-2","title":"B"}]',
        '+ ["node",["Paper"],"p-2",{"id":"p-2","title":"B "}]',
    ]
