"""Co-author paths that avoid or pass given authors, and the strongest of the shortest paths, checked
against the graph."""
from __future__ import annotations

import neo4j
import pytest
from fastapi.testclient import TestClient

from tests.corpora import SYNTH, Corpus
from tests.test_api import assert_joins, client, column, cypher, data, errors, two_hop_pair  # noqa: F401

ON_SYNTH = pytest.mark.parametrize("corpus", [SYNTH], indirect=True, ids=str)
PATH = """query($from: String!, $to: String!, $avoid: [String!], $through: [String!], $strongest: Boolean!) {
    coauthorPath(from: $from, to: $to, maxHops: 6, avoid: $avoid, through: $through, strongest: $strongest) {
      length authors { id } papers { id } } }"""


def shared(driver: neo4j.Driver, a: str, b: str) -> int:
    return column(driver, "MATCH (:Author {id: $a})-[:AUTHORED]->(p:Paper)<-[:AUTHORED]-(:Author {id: $b}) "
                          "RETURN count(DISTINCT p)", a=a, b=b)[0]


@ON_SYNTH
def test_avoid_and_through(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    start, end = two_hop_pair(seeded, corpus.owner_id)
    args = {"from": start, "to": end, "avoid": None, "through": None, "strongest": False}
    middle = [row["m"] for row in cypher(seeded, """MATCH (a:Author {name: $a})-[:AUTHORED]->()<-[:AUTHORED]-(m:Author)
        -[:AUTHORED]->()<-[:AUTHORED]-(b:Author {id: $b}) WHERE m <> a AND m <> b RETURN DISTINCT m.id AS m
        ORDER BY m""", a=start, b=end)]
    avoided = data(client, PATH, **{**args, "avoid": middle})["coauthorPath"]
    if avoided is not None:
        assert avoided["length"] > 2 and not {a["id"] for a in avoided["authors"]} & set(middle)
        assert_joins(seeded, avoided)
    via = data(client, PATH, **{**args, "through": [corpus.owner_id]})["coauthorPath"]
    assert [a["id"] for a in via["authors"]][1] == corpus.owner_id and via["length"] == 2
    assert_joins(seeded, via)
    assert data(client, PATH, **{**args, "through": [corpus.owner_id], "avoid": [corpus.owner_id]}) == {
        "coauthorPath": None}
    assert errors(client, PATH, **{**args, "avoid": ["no such author at all"]}) == [
        "no author has the id or name 'no such author at all'"]


@ON_SYNTH
def test_strongest_path_shares_the_most_papers(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    start, end = two_hop_pair(seeded, corpus.owner_id)
    best = data(client, PATH, **{"from": start, "to": end, "strongest": True})["coauthorPath"]
    assert_joins(seeded, best)
    ids = [a["id"] for a in best["authors"]]
    strength = sum(shared(seeded, x, y) for x, y in zip(ids, ids[1:]))
    middles = column(seeded, """MATCH (a:Author {name: $a})-[:AUTHORED]->()<-[:AUTHORED]-(m:Author)
        -[:AUTHORED]->()<-[:AUTHORED]-(b:Author {id: $b}) WHERE m <> a AND m <> b RETURN DISTINCT m.id""",
                     a=start, b=end)
    assert best["length"] == 2
    assert strength == max(shared(seeded, ids[0], m) + shared(seeded, m, end) for m in middles)
