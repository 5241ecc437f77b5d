"""kg's `where` beside @neo4j/graphql's: every operator of the filter table (api/filters.py, the table of
docs/graphql.md), every relationship quantifier and count, and random filter trees give kg and the peer
(kg/bench/peer, served over the tests' Neo4j) the same papers and authors, on root lists (through keyset
pages and totalCount), nested lists and nested connections; a `where` too deep or too large is refused."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.filters import NUMBER, PROPERTIES, QUANTIFIERS, RELATIONSHIPS, SCALARS
from api.limits import MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH
from kg.bench.peer import install, serving
from kg.store.connection import Settings
from tests.conftest import TEST_KG_HOME
from tests.corpora import SYNTH
from tests.test_api import _sample_graph, client, data, gql  # noqa: F401 (fixtures)

Where = dict[str, Any]
ROOT = {"Paper": "papers", "Author": "authors"}  # kg's root lists; the other types are reached through papers
KG_LIST = """query($where: {type}Where, $after: String) {{ {root}(first: {first}, after: $after, where: $where) {{
  totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id }} }} }} }}"""
PEER_LIST = """query($where: {type}Where) {{ {root}Connection(where: $where) {{ totalCount }}
  {root}(where: $where) {{ id }} }}"""
# Nested lists and connections: (kg's parent lookup, its field, the peer's parent list, its list), by type.
NESTED = {"Paper": [("author", "papersConnection", "authors", "papers"), ("author", "papers", "authors", "papers"),
                    ("topic", "papersConnection", "topics", "papers"), ("topic", "papers", "topics", "papers")],
          "Author": [("paper", "authorsConnection", "papers", "authors"), ("paper", "authors", "papers", "authors")],
          "Repo": [("paper", "repos", "papers", "repos")], "Topic": [("paper", "topics", "papers", "topics")],
          "Institution": [("paper", "institutions", "papers", "institutions")]}


class Sides:
    """kg and the peer answering over the same graph."""

    def __init__(self, client: httpx.Client, urls: dict[str, str]) -> None:
        self.client = client
        self.urls = urls

    def post(self, side: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The `data` of a query; any error fails the test with the query."""
        body = self.client.post(self.urls[side], json={"query": query, "variables": variables}).json()
        assert not body.get("errors"), (side, query, variables, body.get("errors"))
        data: dict[str, Any] = body["data"]
        return data

    def kg_root(self, label: str, where: Where, first: int = 100) -> list[str]:
        """The ids of kg's root list under `where`, read page by page (keyset cursors), each page's totalCount
        the same as the first's and equal to the number of ids."""
        ids: list[str] = []
        totals = set()
        after = None
        while True:
            page = self.post("kg", KG_LIST.format(type=label, root=ROOT[label], first=first),
                             {"where": where, "after": after})[ROOT[label]]
            totals.add(page["totalCount"])
            ids += [edge["node"]["id"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert totals == {len(ids)} and len(set(ids)) == len(ids), (where, totals, ids)
        return sorted(ids)

    def peer_root(self, label: str, where: Where) -> list[str]:
        """The ids of the peer's root list under `where` (its totalCount checked against them)."""
        data = self.post("peer", PEER_LIST.format(type=label, root=ROOT[label]), {"where": peer_where(where, label)})
        ids = sorted(row["id"] for row in data[ROOT[label]])
        assert data[f"{ROOT[label]}Connection"]["totalCount"] == len(ids)
        return ids

    def nested(self, label: str, parent: tuple[str, str, str, str], key: str, where: Where) -> tuple[Any, Any]:
        """kg's and the peer's ids under one parent (a connection's checked against its totalCount)."""
        lookup, field, peer_parent, peer_list = parent
        connection = field.endswith("Connection")
        first = "(first: 100, where: $where)" if connection or field == "papers" else "(where: $where)"
        selection = "{ totalCount edges { node { id } } }" if connection else "{ id }"
        kg = self.post("kg", f"""query($id: ID!, $where: {label}Where) {{ {lookup}(id: $id) {{
          {field}{first} {selection} }} }}""", {"id": key, "where": where})[lookup][field]
        peer = self.post("peer", f"""query($id: ID!, $where: {label}Where) {{
          {peer_parent}(where: {{id: {{eq: $id}}}}) {{ {peer_list}(where: $where) {{ id }} }} }}""",
                         {"id": key, "where": peer_where(where, label)})[peer_parent][0][peer_list]
        ids = sorted(edge["node"]["id"] for edge in kg["edges"]) if connection else sorted(row["id"] for row in kg)
        assert not connection or kg["totalCount"] == len(ids)
        return ids, sorted(row["id"] for row in peer)


def related_id(*path: str) -> Callable[[Any], Where]:
    """The peer's filter for a short form naming a node by id: some related node along `path` has that id."""
    def where(value: Any) -> Where:
        found: Where = {"id": {"eq": value}}
        for rel in reversed(path):
            found = {rel: {"some": found}}
        return found

    return where


# kg's short forms (by type) in the peer's words; titleContains and the like ignore case, which the peer cannot.
SHORT_FORMS: dict[str, dict[str, Callable[[Any], Where]]] = {
    "Paper": {"yearFrom": lambda v: {"year": {"gte": v}}, "yearTo": lambda v: {"year": {"lte": v}},
              "hasCode": lambda v: {"hasCode": {"eq": v}}, "author": related_id("authors"),
              "topic": related_id("topics"), "repo": related_id("repos"),
              "institution": related_id("institutions")},
    "Author": {"institution": related_id("papers", "institutions"), "topic": related_id("papers", "topics")},
}
TARGETS = {(label, rel): target for label, rels in RELATIONSHIPS.items() for rel, _, target in rels}


def peer_where(where: Any, label: str) -> Any:
    """A kg `where` on `label` in the peer's words: each short form becomes a member of AND."""
    if isinstance(where, list):
        return [peer_where(w, label) for w in where]
    found: Where = {}
    extra = []
    for key, value in where.items():
        if key in SHORT_FORMS.get(label, {}):
            extra.append(SHORT_FORMS[label][key](value))
        elif key in ("AND", "OR", "NOT"):
            found[key] = peer_where(value, label)
        elif (label, key) in TARGETS:
            found[key] = {q: peer_where(w, TARGETS[label, key]) for q, w in value.items()}
        else:
            found[key] = value
    if extra:
        found["AND"] = [*found.get("AND", []), *extra]
    return found


def camel(prop: str) -> str:
    """A property's GraphQL field name."""
    head, *rest = prop.split("_")
    return head + "".join(word.title() for word in rest)


def samples(db: neo4j.Driver, database: str) -> dict[tuple[str, str], list[Any]]:
    """Every value each served property takes in the graph, in a fixed order."""
    found = {}
    for label, props in PROPERTIES.items():
        for prop, _ in props:
            records = db.execute_query(f"MATCH (n:{label}) WHERE n.{prop} IS NOT NULL "
                                       f"RETURN DISTINCT n.{prop} AS v ORDER BY v", database_=database).records
            found[label, prop] = [r["v"] for r in records]
    return found


def operand(op: str, scalar: str, values: list[Any]) -> Any:
    """A value for `op` that some node matches (when the property has values at all)."""
    if not values:
        return [1, 2] if op == "in" and scalar in ("Int", "Float") else (
            ["none"] if op == "in" else (1 if scalar in ("Int", "Float") else "none"))
    middle = values[len(values) // 2]
    if op == "in":
        return [values[0], middle]
    if op in ("eq", *NUMBER):
        return middle
    text = str(middle)
    return {"contains": text[len(text) // 3:len(text) // 3 + 3], "startsWith": text[:4], "endsWith": text[-4:]}[op]


def through(label: str, inner: Where) -> tuple[str, Where]:
    """A filter on `label` as a filter of a root list: itself for papers and authors, else papers with some
    related `label` matching it."""
    if label in ROOT:
        return label, inner
    rel = next(rel for rel, _, target in RELATIONSHIPS["Paper"] if target == label)
    return "Paper", {rel: {"some": inner}}


def operator_cases(values: dict[tuple[str, str], list[Any]]) -> Iterator[tuple[str, Where]]:
    """Every operator of every served property, as (type, where)."""
    for label, props in PROPERTIES.items():
        for prop, scalar in props:
            for op in SCALARS[scalar][1]:
                yield label, {camel(prop): {op: operand(op, scalar, values[label, prop])}}


def relationship_cases(values: dict[tuple[str, str], list[Any]]) -> Iterator[tuple[str, Where]]:
    """Every quantifier and every count operator on every relationship of papers and authors, and
    AND/OR/NOT, as (root type, where)."""
    year = operand("gte", "Int", values["Paper", "year"])
    for label in ROOT:
        for rel, _, target in RELATIONSHIPS[label]:
            prop, scalar = PROPERTIES[target][1]  # a name, a title, a host
            inner = {camel(prop): {"contains": operand("contains", scalar, values[target, prop])}}
            for quantifier in QUANTIFIERS:
                yield label, {rel: {quantifier: inner}}
            yield label, {rel: {"some": {}}}
            yield label, {rel: {"none": {}}}
            for op in NUMBER:
                yield label, {f"{rel}Aggregate": {"count": {op: [1, 2] if op == "in" else 1}}}
    yield "Paper", {"AND": [{"year": {"gte": year}}, {"hasCode": True}]}
    yield "Paper", {"OR": [{"year": {"lt": year}}, {"upvotes": {"gt": 0}}]}
    yield "Paper", {"NOT": {"year": {"gte": year}}}
    yield "Paper", {"NOT": {"OR": [{"score": {"gte": 0.5}}, {"authors": {"single": {"name": {"startsWith": "A"}}}}]}}


class Served:
    """kg and the peer serving the synthetic corpus, its graph and the values of its properties."""

    def __init__(self, sides: Sides, db: neo4j.Driver, database: str) -> None:
        self.sides = sides
        self.db = db
        self.database = database
        self.values = samples(db, database)

    def first_id(self, text: str) -> str:
        """The id in the first row of a Cypher query."""
        key: str = self.db.execute_query(text, database_=self.database).records[0]["id"]
        return key


@pytest.fixture
def served(seeded: neo4j.Driver, neo4j_settings: Settings, local_server_env: dict[str, str]) -> Iterator[Served]:
    """kg and the peer over the synthetic corpus."""
    folder = install(TEST_KG_HOME / "graphql-peer")  # npm ci the first time, then only when the lockfile changes
    with httpx.Client(timeout=60) as client, serving(neo4j_settings, folder, client, local_server_env) as (urls, _):
        yield Served(Sides(client, urls), seeded, neo4j_settings.database)


def agree(sides: Sides, cases: list[tuple[str, Where]], first: int = 100) -> list[list[str]]:
    """Each case's ids from kg and from the peer, asserted equal; the answers."""
    found = []
    for label, where in cases:
        kg, peer = sides.kg_root(label, where, first), sides.peer_root(label, where)
        assert kg == peer, (label, where, kg, peer)
        found.append(kg)
    return found


# Parents of nested connections: the one with the most papers (or authors).
PARENTS = {"author": "MATCH (x:Author)-[:AUTHORED]->(p) RETURN x.id AS id, count(p) AS n ORDER BY n DESC, id",
           "topic": "MATCH (x:Topic)<-[:HAS_TOPIC]-(p) RETURN x.id AS id, count(p) AS n ORDER BY n DESC, id",
           "paper": "MATCH (x:Paper) RETURN x.id AS id ORDER BY COUNT { (x)--() } DESC, id"}


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)
def test_every_operator_quantifier_and_count_answers_as_the_peer(served: Served) -> None:
    values = served.values
    operators = list(operator_cases(values))
    answers = agree(served.sides, [through(label, where) for label, where in operators])
    # Not a vacuous agreement: most cases on a property the graph has find something, and not everything.
    present = [ids for (label, where), ids in zip(operators, answers) if "none" not in str(where)]
    assert sum(0 < len(ids) for ids in present) > 0.8 * len(present)
    relationships = list(relationship_cases(values))
    answers = agree(served.sides, relationships, first=7)  # through keyset pages of 7
    assert sum(0 < len(ids) for ids in answers) > 0.6 * len(answers)
    assert sum(0 < len(ids) < 29 for ids in answers) > 0.4 * len(answers)
    keys = {name: served.first_id(text) for name, text in PARENTS.items()}
    sizes = []
    for label, where in [*operators, *relationships]:
        for parent in NESTED.get(label, ()):
            kg, peer = served.sides.nested(label, parent, keys[parent[0]], where)
            assert kg == peer, (parent, where, kg, peer)
            sizes.append(len(kg))
    assert sum(n > 0 for n in sizes) > len(sizes) / 3 and len(set(sizes)) > 3, sizes


def leaves(values: dict[tuple[str, str], list[Any]], label: str) -> st.SearchStrategy[Where]:
    """One operator on one property of `label`, with a value from the graph (or a part of one)."""
    def leaf(prop: str, scalar: str, op: str) -> st.SearchStrategy[Where]:
        pool = values[label, prop] or [1 if scalar in ("Int", "Float") else "x"]
        value: st.SearchStrategy[Any] = st.sampled_from(pool)
        if op == "in":
            value = st.lists(value, min_size=1, max_size=3)
        elif op in ("contains", "startsWith", "endsWith"):
            value = st.tuples(value, st.integers(0, 6), st.integers(1, 4)).map(
                lambda t: str(t[0])[t[1]:t[1] + t[2]] or str(t[0]))
        return value.map(lambda v: {camel(prop): {op: v}})

    ops = [(prop, scalar, op) for prop, scalar in PROPERTIES[label] for op in SCALARS[scalar][1]]
    operators = st.sampled_from(ops).flatmap(lambda t: leaf(*t))
    return st.one_of(operators, shorts(values, label)) if label in SHORT_FORMS else operators


# The values each short form the peer can say takes: years, true (false also takes a paper marked neither way,
# which the peer's eq leaves out), ids.
SHORT_VALUES = {"yearFrom": ("Paper", "year"), "yearTo": ("Paper", "year"), "author": ("Author", "id"),
                "topic": ("Topic", "id"), "repo": ("Repo", "id"), "institution": ("Institution", "id")}


def shorts(values: dict[tuple[str, str], list[Any]], label: str) -> st.SearchStrategy[Where]:
    """One of kg's short forms on `label`, with a value from the graph."""
    def short(name: str) -> st.SearchStrategy[Where]:
        pool = [True] if name == "hasCode" else values[SHORT_VALUES[name]]
        return st.sampled_from(pool).map(lambda v: {name: v})

    return st.sampled_from(sorted(SHORT_FORMS[label])).flatmap(short)


def trees(values: dict[tuple[str, str], list[Any]], label: str, depth: int) -> st.SearchStrategy[Where]:
    """A random `where` on `label` nesting AND/OR/NOT, relationship filters and counts at most `depth` deep."""
    leaf = leaves(values, label)
    counts = st.tuples(st.sampled_from(RELATIONSHIPS[label]), st.sampled_from(NUMBER), st.integers(0, 3)).map(
        lambda t: {f"{t[0][0]}Aggregate": {"count": {t[1]: [t[2], t[2] + 1] if t[1] == "in" else t[2]}}})
    flat = st.one_of(leaf, counts, st.tuples(leaf, leaf).map(lambda t: {**t[0], **t[1]}))
    if depth == 0:
        return flat
    inner = trees(values, label, depth - 1)
    related = st.sampled_from(RELATIONSHIPS[label]).flatmap(lambda rel: st.tuples(
        st.sampled_from(list(QUANTIFIERS)), trees(values, rel[2], depth - 1)).map(
        lambda t: {rel[0]: {t[0]: t[1]}}))
    return st.one_of(flat, related,
                     st.lists(inner, min_size=1, max_size=2).map(lambda xs: {"AND": xs}),
                     st.lists(inner, min_size=1, max_size=2).map(lambda xs: {"OR": xs}),
                     inner.map(lambda x: {"NOT": x}),
                     st.tuples(leaf, related).map(lambda t: {**t[0], **t[1]}))


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)
def test_random_filter_trees_answer_as_the_peer(served: Served) -> None:
    sizes: list[int] = []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.sampled_from(list(ROOT)).flatmap(lambda label: st.tuples(st.just(label),
                                                                         trees(served.values, label, 3))))
    def same(case: tuple[str, Where]) -> None:
        label, where = case
        kg = served.sides.kg_root(label, where, 9)  # keyset pages of 9, and their totalCount
        assert kg == served.sides.peer_root(label, where), case
        sizes.append(len(kg))

    same()
    assert len(set(sizes)) > 10 and sum(0 < n < 29 for n in sizes) > len(sizes) / 3  # trees that select


def test_the_docs_list_every_property_and_relationship_of_the_table() -> None:
    text = (Path(__file__).parent.parent / "docs" / "graphql.md").read_text(encoding="utf-8")
    bullets = dict(re.findall(r"^- `(\w+)Where`: (.*?\.)$", text.replace("\n  ", " "), re.M))
    kinds = {"ID": "text", "String": "text", "Int": "Int", "Float": "Float"}
    for label, props in PROPERTIES.items():
        listed = {kind: set(re.findall(r"`(\w+)`", names))
                  for kind, names in re.findall(r"(text|Int|Float|relationships) ([^;.]*)", bullets[label])}
        table = {kinds[scalar]: {camel(p) for p, s in props if kinds[s] == kinds[scalar]} for _, scalar in props}
        table["relationships"] = {rel for rel, _, _ in RELATIONSHIPS[label]}
        assert listed == table, label


def nest(depth: int) -> Where:
    """A `where` `depth` levels deep: NOT inside NOT..."""
    where: Where = {"year": {"gte": 2000}}
    for _ in range(depth - 1):
        where = {"NOT": where}
    return where


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)
def test_a_filter_too_deep_or_too_large_is_refused_with_a_graphql_error(client: TestClient) -> None:
    query = "query($where: PaperWhere) { papers(where: $where) { totalCount } }"
    assert data(client, query, where=nest(MAX_FILTER_DEPTH))["papers"]["totalCount"] >= 0
    too_deep = {"authors": {"some": {"papers": {"some": {"authors": {"some": {"papers": {"some": {}}}}}}}}}
    wide = {"OR": [{"year": {"eq": year}} for year in range(MAX_FILTER_CONDITIONS + 1)]}
    for where, words in ((nest(MAX_FILTER_DEPTH + 1), f"at most {MAX_FILTER_DEPTH} deep"),
                         (too_deep, f"at most {MAX_FILTER_DEPTH} deep"),
                         (wide, f"at most {MAX_FILTER_CONDITIONS} conditions"),
                         ({"year": {"in": list(range(101))}}, "at most 100 values"),
                         ({"title": {"contains": "x" * 2001}}, "limited to 2000 characters"),
                         ({"NOT": {"titleContains": "x" * 301}}, "limited to 300 characters")):
        answer = gql(client, query, where=where)
        assert answer["data"] is None and words in answer["errors"][0]["message"], (where, answer)
        assert answer["extensions"]["cypherQueries"] == 0
