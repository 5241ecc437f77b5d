"""Connections: keyset cursors walk every item once in order, at the root and nested under a node, with
`where` filters and `orderBy`; each answer is checked against Cypher run straight on the graph."""
from __future__ import annotations

from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from api import keyset
from api.connections import PAPER_ORDERS, PaperOrder
from api.errors import UserError
from api.limits import lucene_query
from tests.corpora import SYNTH, Corpus
from tests.test_api import client, column, data, errors  # noqa: F401 (fixture)

ON_SYNTH = pytest.mark.parametrize("corpus", [SYNTH], indirect=True, ids=str)
NEWEST = "ORDER BY coalesce(p.year, 0) DESC, coalesce(p.date, '') DESC, p.id"


def walk(client: TestClient, query: str, path: list[str], first: int, **variables: Any) -> tuple[list[str], int]:
    """Every node id of the connection at `path` in the answer, page by page; and its totalCount."""
    ids: list[str] = []
    after, total = None, -1
    while True:
        found: Any = data(client, query, first=first, after=after, **variables)
        for step in path:
            found = found[step]
        total = found["totalCount"]
        ids += [e["node"]["id"] for e in found["edges"]]
        assert found["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not found["pageInfo"]["hasNextPage"]:
            return ids, total
        after = found["pageInfo"]["endCursor"]


@ON_SYNTH
def test_nested_papers_walk_in_order(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    for label, match in (("author", "(:Author {id: $id})-[:AUTHORED]->(p:Paper)"),
                         ("topic", "(:Topic {id: $id})<-[:HAS_TOPIC]-(p:Paper)")):
        parent = column(seeded, f"MATCH (x:{label.title()}) RETURN x.id ORDER BY COUNT {{ (x)--(:Paper) }} DESC, "
                                "x.id LIMIT 1")[0]
        expected = column(seeded, f"MATCH {match} RETURN p.id {NEWEST}", id=parent)
        query = (f"query($id: ID!, $first: Int!, $after: String) {{ {label}(id: $id) {{ papersConnection("
                 "first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } "
                 "edges { node { id } } } } }")
        assert len(expected) >= 3
        assert walk(client, query, [label, "papersConnection"], 2, id=parent) == (expected, len(expected))


@ON_SYNTH
def test_nested_connections_batch_across_parents(client: TestClient, seeded: neo4j.Driver) -> None:
    answer = client.post("/graphql", json={"query": "{ papers(first: 10) { edges { node { "
                         "authorsConnection(first: 2) { totalCount edges { node { id } } } authors { id } } } } }"})
    body = answer.json()
    for edge in body["data"]["papers"]["edges"]:
        paper = edge["node"]
        assert [e["node"]["id"] for e in paper["authorsConnection"]["edges"]] == [a["id"] for a in paper["authors"]][:2]
        assert paper["authorsConnection"]["totalCount"] == len(paper["authors"])
    assert body["extensions"]["cypherQueries"] == 3  # papers; authors; authorsConnection with its count


@ON_SYNTH
def test_institution_authors_most_papers_first(client: TestClient, seeded: neo4j.Driver) -> None:
    inst = column(seeded, "MATCH (i:Institution) RETURN i.id ORDER BY COUNT { (i)--() } DESC, i.id LIMIT 1")[0]
    expected = column(seeded, "MATCH (:Institution {id: $id})<-[:AFFILIATED_WITH]-(q:Paper)<-[:AUTHORED]-(a:Author) "
                              "WITH a, count(DISTINCT q) AS n RETURN a.id ORDER BY n DESC, a.name, a.id", id=inst)
    query = ("query($id: ID!, $first: Int!, $after: String) { institution(id: $id) { authorsConnection("
             "first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } "
             "edges { node { id } } } } }")
    assert walk(client, query, ["institution", "authorsConnection"], 3, id=inst) == (expected, len(expected))


PAPERS = ("query($first: Int!, $after: String, $where: PaperWhere, $order: PaperOrder) { papers(first: $first, "
          "after: $after, where: $where, orderBy: $order) { totalCount pageInfo { hasNextPage hasPreviousPage "
          "endCursor } edges { node { id } } } }")


@ON_SYNTH
def test_where_filters_match_the_graph(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    word = column(seeded, "MATCH (p:Paper) RETURN split(toLower(p.title), ' ')[1] AS w ORDER BY p.id LIMIT 1")[0]
    start = column(seeded, "MATCH (p:Paper) RETURN left(toLower(p.title), 3) ORDER BY p.id LIMIT 1")[0]
    topic = column(seeded, "MATCH (t:Topic)<-[:HAS_TOPIC]-(p) WITH t, count(p) AS n RETURN t.name ORDER BY n DESC, t.id LIMIT 1")[0]
    cases = [
        ({"titleContains": word.upper()}, "WHERE toLower(p.title) CONTAINS $w", {"w": word}),
        ({"titleStartsWith": start}, "WHERE toLower(p.title) STARTS WITH $w", {"w": start}),
        ({"yearFrom": 2023, "yearTo": 2024}, "WHERE 2023 <= p.year <= 2024", {}),
        ({"hasCode": True}, "WHERE p.has_code", {}),
        ({"hasCode": False, "topic": topic},
         "WHERE NOT coalesce(p.has_code, false) AND EXISTS { (p)-[:HAS_TOPIC]->(:Topic {name: $t}) }", {"t": topic}),
        ({"author": corpus.owner, "yearFrom": 2000}, "WHERE p.year >= 2000 AND EXISTS { (p)<-[:AUTHORED]-(:Author "
                                                    "{id: $a}) }", {"a": corpus.owner_id}),
    ]
    for where, cond, params in cases:
        expected = column(seeded, f"MATCH (p:Paper) {cond} RETURN p.id {NEWEST}", **params)
        assert expected, where
        assert walk(client, PAPERS, ["papers"], 7, where=where) == (expected, len(expected)), where


@ON_SYNTH
def test_searched_and_filtered_pages_keep_the_relevance_order(client: TestClient, seeded: neo4j.Driver) -> None:
    # A filtered search counts and pages its hits in one pass, carrying each hit's score to the sort.
    word = column(seeded, "MATCH (p:Paper) RETURN split(toLower(p.title), ' ')[0] AS w ORDER BY p.id LIMIT 1")[0]
    expected = column(seeded, "CALL db.index.fulltext.queryNodes('paper_text', $w) YIELD node AS p, score "
                              "WHERE p.year >= 2000 RETURN p.id ORDER BY score DESC, p.id", w=lucene_query(word))
    query = ("query($first: Int!, $after: String, $w: String!) { papers(search: $w, first: $first, after: $after, "
             "where: {yearFrom: 2000}) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } "
             "edges { node { id } } } }")
    assert len(expected) > 5
    assert walk(client, query, ["papers"], 5, w=word) == (expected, len(expected))


@pytest.mark.parametrize("order, cypher", [("TITLE", "ORDER BY p.title, p.id"),
                                           ("OLDEST", "ORDER BY coalesce(p.year, 9999), coalesce(p.date, ''), p.id"),
                                           ("UPVOTES", "ORDER BY coalesce(p.upvotes, -1) DESC, p.id")])
@ON_SYNTH
def test_order_by_walks_every_paper_once(client: TestClient, seeded: neo4j.Driver, order: str, cypher: str) -> None:
    expected = column(seeded, f"MATCH (p:Paper) RETURN p.id {cypher}")
    assert walk(client, PAPERS, ["papers"], 9, order=order) == (expected, len(expected))


@ON_SYNTH
def test_authors_where_and_order(client: TestClient, seeded: neo4j.Driver) -> None:
    expected = column(seeded, "MATCH (a:Author) WHERE toLower(a.name) CONTAINS 'a' "
                              "RETURN a.id ORDER BY COUNT { (a)-[:AUTHORED]->(:Paper) } DESC, a.name, a.id")
    query = ("query($first: Int!, $after: String) { authors(first: $first, after: $after, where: {nameContains: "
             "\"A\"}, orderBy: PAPERS) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } "
             "edges { node { id } } } }")
    assert walk(client, query, ["authors"], 11, ) == (expected, len(expected))


@ON_SYNTH
def test_cursors_of_another_order_and_conflicting_filters_are_refused(client: TestClient) -> None:
    cursor = data(client, "{ papers(first: 1, orderBy: TITLE) { pageInfo { endCursor } } }")["papers"]
    assert errors(client, "query($c: String) { papers(after: $c) { totalCount } }",
                  c=cursor["pageInfo"]["endCursor"]) == ["`after` is not a cursor this API gave out"]
    assert errors(client, '{ papers(year: 2020, where: {yearFrom: 2021}) { totalCount } }') == [
        "`year_from` is given both as an argument and in `where`; give it once"]


SCALARS = st.one_of(st.text(max_size=20), st.integers(-10**6, 10**6), st.booleans())


@given(st.lists(SCALARS, min_size=3, max_size=3))
def test_a_cursor_round_trips_its_key(key: list[Any]) -> None:
    order = PAPER_ORDERS[PaperOrder.NEWEST]
    assert keyset.decode(keyset.encode(order, key), order) == key


@given(st.text(max_size=60))
def test_any_other_text_is_refused_as_a_cursor(text: str) -> None:
    try:
        key = keyset.decode(text, PAPER_ORDERS[PaperOrder.NEWEST])
    except UserError:
        return
    assert isinstance(key, list) and len(key) == 3


@ON_SYNTH
def test_a_root_total_is_read_by_the_page_query(client: TestClient, seeded: neo4j.Driver) -> None:
    """totalCount of a root list comes from the page's own statement, asked directly or in a fragment, first
    page or after a cursor; without it, no count is read."""
    year = column(seeded, "MATCH (p:Paper) WHERE p.year IS NOT NULL RETURN p.year ORDER BY p.year LIMIT 1")[0] + 1
    expected = column(seeded, "MATCH (p:Paper) WHERE p.year >= $year RETURN p.id ORDER BY p.title, p.id", year=year)
    page = "papers(where: {yearFrom: $year}, orderBy: TITLE, first: 3, after: $after)"
    asked = {"direct": f"query($year: Int!, $after: String) {{ {page} {{ totalCount edges {{ node {{ id }} }} "
                       "pageInfo { endCursor } } }",
             "fragment": f"query($year: Int!, $after: String) {{ {page} {{ ...total edges {{ node {{ id }} }} "
                         "pageInfo { endCursor } } } fragment total on PaperConnection { totalCount }",
             "none": f"query($year: Int!, $after: String) {{ {page} {{ edges {{ node {{ id }} }} "
                     "pageInfo { endCursor } } }"}
    assert len(expected) > 6
    for how, query in asked.items():
        after = None
        for start in (0, 3):
            body = client.post("/graphql", json={"query": query, "variables": {"year": year, "after": after}}).json()
            found = body["data"]["papers"]
            assert [e["node"]["id"] for e in found["edges"]] == expected[start:start + 3]
            assert found.get("totalCount", len(expected)) == len(expected)
            assert body["extensions"]["cypherQueries"] == 1, how
            after = found["pageInfo"]["endCursor"]
