"""Compiled root lookups (api/compile.py): the same answers as field-by-field resolution, in one round trip.

Every answer is read twice from the real app on the synth graph, compiled and with compilation off
(app.state.compile_queries, as KG_API_COMPILE=false sets it), and the two must be the same JSON.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient
from graphql import get_named_type, parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.compile import compile_root
from api.schema import schema
from kg.bench.nested import QUERY as BENCH_NESTED
from tests.corpora import SYNTH, Corpus
from tests.test_api import client, column, gql  # noqa: F401 (fixture)
from tests.test_ops import scrape, value

ON_SYNTH = pytest.mark.parametrize("corpus", [SYNTH], indirect=True, ids=str)
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def both(client: TestClient, query: str, **variables: Any) -> tuple[dict, dict]:
    """The answer compiled, and the answer field by field."""
    compiled = gql(client, query, **variables)
    client.app.state.compile_queries = False  # type: ignore[attr-defined]
    try:
        plain = gql(client, query, **variables)
    finally:
        client.app.state.compile_queries = True  # type: ignore[attr-defined]
    return compiled, plain


def queries(answer: dict) -> int:
    """The Cypher round trips an answer took."""
    return int(answer["extensions"]["cypherQueries"])


def without_queries(answer: dict) -> dict:
    """The answer without its round-trip count, the one thing compilation should change."""
    return {**answer, "extensions": {k: v for k, v in answer.get("extensions", {}).items() if k != "cypherQueries"}}


@pytest.fixture
def roots(seeded: neo4j.Driver, corpus: Corpus) -> dict[str, str]:
    """A root lookup of each kind, as GraphQL text, for nodes with lists to walk."""
    paper = column(seeded, "MATCH (p:Paper)-[:HAS_CODE]->() WHERE COUNT { (p)<-[:AUTHORED]-() } > 1 "
                           "RETURN p.id ORDER BY p.id LIMIT 1")[0]
    repo = column(seeded, "MATCH (r:Repo) RETURN r.id ORDER BY COUNT { (r)<-[:HAS_CODE]-() } DESC, r.id LIMIT 1")[0]
    return {"author by id": f'author(id: "{corpus.owner_id}")', "author by name": f'author(name: "{corpus.owner}")',
            "paper": f'paper(id: "{paper}")', "repo": f'repo(id: "{repo}")',
            "topic": f'topic(id: "{corpus.topic.id}")', "institution by name": f'institution(name: "{corpus.institution.name}")',
            "nobody": 'author(id: "a-nobody")'}


# Fields of each type: plain properties, fields with their own resolvers (not compiled), and lists.
SCALARS = {
    "Author": ["id", "name", "hIndex", "citations", "aliases", "__typename", "iri", "knownPaperCount"],
    "Paper": ["id", "title", "year", "date", "hasCode", "score", "links", "iri", "sources { position page { format } }"],
    "Repo": ["id", "url", "kind", "fullName"],
    "Topic": ["id", "name", "scheme", "aliases"],
    "Institution": ["id", "name", "aliases"],
}
LISTS = {
    "Author": [("papers", "Paper", True), ("coauthors", None, True), ("papersConnection", None, True)],
    "Paper": [("authors", "Author", True), ("repos", "Repo", False), ("topics", "Topic", False),
              ("institutions", "Institution", False)],
    "Repo": [("papers", "Paper", True)],
    "Topic": [("papers", "Paper", True)],
    "Institution": [("papers", "Paper", True)],
}
OTHER = {"coauthors": "{ count author { id } }", "papersConnection": "{ totalCount edges { node { id } } }"}
FIRSTS = st.sampled_from(["", "(first: 0)", "(first: 1)", "(first: 3)", "(first: $n)", "(first: 101)"])


@st.composite
def selection(draw: st.DrawFn, type_name: str, depth: int = 0) -> str:
    """A selection set on `type_name`: properties, resolver fields, aliases, lists (some compiled), now and then a
    fragment or a directive."""
    fields = draw(st.lists(st.sampled_from(SCALARS[type_name]), min_size=1, max_size=4, unique=True))
    parts = [f"{draw(st.sampled_from(['', 'x: ', 'y: ']))}{f}" if f == "title" else f for f in fields]
    if depth < 3:
        for i, (name, target, limited) in enumerate(draw(st.lists(st.sampled_from(LISTS[type_name]), max_size=2))):
            first = draw(FIRSTS) if limited else ""
            inner = OTHER[name] if target is None else draw(selection(target, depth + 1))
            parts.append(f"l{depth}{i}: {name}{first} {inner}")
    extra = draw(st.sampled_from(["", "", "", f"... on {type_name} {{ id }}", "id @include(if: true)"]))
    return "{ " + " ".join([*parts, extra]) + " }"


@pytest.fixture
def patient(client: TestClient) -> Iterator[TestClient]:
    """The client with a query timeout no busy machine reaches: a refusal in one of the two answers alone is the
    machine's load, not a difference between them."""
    db = client.app.state.db  # type: ignore[attr-defined]
    before, db.timeout = db.timeout, 300.0
    try:
        yield client
    finally:
        db.timeout = before


ROOT_TYPES = {"author by id": "Author", "author by name": "Author", "paper": "Paper", "repo": "Repo",
              "topic": "Topic", "institution by name": "Institution", "nobody": "Author"}


@ON_SYNTH
@PROPERTY
@given(st.data())
def test_compiled_answers_are_the_field_by_field_answers(patient: TestClient, roots: dict[str, str],
                                                        data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(ROOT_TYPES)))
    body = data.draw(selection(ROOT_TYPES[kind]))
    same_answers(patient, roots[kind], body)


def compiles(query: str) -> bool:
    """Whether the query's root field compiles (else both answers are the resolvers')."""
    root = parse(query).definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
    parent = get_named_type(schema._schema.query_type.fields[root.name.value].type)
    found = compile_root(root, parent, parent.name, by_name=False)  # type: ignore[arg-type]
    return found is not None and found.params({"n": 2}) is not None


def same_answers(client: TestClient, root: str, body: str) -> None:
    """The answers to `root body` compiled and field by field are the same, compiled in no more round trips."""
    query = f"query{'($n: Int! = 2)' if '$n' in body else ''} {{ a: {root} {body} }}"
    compiled, plain = both(client, query)
    assert without_queries(compiled) == without_queries(plain), query
    # An error stops resolution wherever the concurrent resolvers happen to be; and resolvers batch a level's
    # keys in one query or two as the database's answers interleave, so only a compiled root is counted.
    if "errors" not in plain and compiles(query):
        assert queries(compiled) <= queries(plain), query


NESTED = {
    "the bench's author, papers, repos and topics": (BENCH_NESTED, 1, 4),
    "by name, three levels": ("""query($name: String!) { author(name: $name) { name papers(first: 5) { title
        authors(first: 3) { name papers(first: 2) { id topics { name } } } institutions { name } } } }""", 1, 6),
    "a paper's every list": ("""query($id: ID!) { paper(id: $id) { title authors { id name } repos { url fullName }
        topics { name scheme } institutions { name } } }""", 1, 5),
    "a resolver field beside compiled lists": ("""query($id: ID!) { author(id: $id) { iri knownPaperCount
        papers(first: 4) { iri repos { fullName } sources { position } } } }""", 3, 5),
}


@ON_SYNTH
@pytest.mark.parametrize("name", sorted(NESTED))
def test_a_nested_lookup_is_one_round_trip(client: TestClient, seeded: neo4j.Driver, corpus: Corpus,
                                           name: str) -> None:
    query, compiled_queries, plain_queries = NESTED[name]
    paper = column(seeded, "MATCH (p:Paper)-[:HAS_CODE]->() RETURN p.id ORDER BY p.id LIMIT 1")[0]
    variables = {"id": paper if "paper(" in query else corpus.owner_id, "name": corpus.owner}
    variables = {k: v for k, v in variables.items() if f"${k}" in query}
    compiled, plain = both(client, query, **variables)
    assert "errors" not in compiled, compiled
    assert compiled["data"] == plain["data"]
    assert (queries(compiled), queries(plain)) == (compiled_queries, plain_queries)


@ON_SYNTH
def test_the_metrics_count_one_round_trip_for_the_nested_lookup(client: TestClient, seeded: neo4j.Driver,
                                                                corpus: Corpus) -> None:
    client.app.state.bind_host = "127.0.0.1"  # type: ignore[attr-defined]  # as `kg serve` tells it: /metrics open

    def round_trips() -> float:
        return value(scrape(client), "kg_cypher_query_duration_seconds_count")

    before = round_trips()
    answer = gql(client, BENCH_NESTED, id=corpus.owner_id)
    assert len(answer["data"]["author"]["papers"]) == corpus.profiles[corpus.owner]
    assert round_trips() - before == 1


@ON_SYNTH
def test_aliases_of_one_shape_share_one_statement(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    answer = gql(client, """query($a: ID!) { a: author(id: $a) { papers(first: 2) { id } }
        b: author(id: "a-nobody") { papers(first: 2) { id } } c: author(id: $a) { papers(first: 3) { id } } }""",
                 a=corpus.owner_id)
    assert answer["data"]["b"] is None and answer["data"]["a"]["papers"] == answer["data"]["c"]["papers"][:2]
    assert queries(answer) == 2  # a and b batched; c asks for another `first`


@ON_SYNTH
@pytest.mark.parametrize("query, message", [
    ("{ author(id: $id) { papers(first: 101) { id } } }", "first must be between 0 and 100 (got 101)"),
    ("{ author(id: $id) { papers(first: 50) { authors(first: 50) { papers(first: 50) { id } } } } }",
     "query cost"),
])
def test_limits_still_refuse(client: TestClient, seeded: neo4j.Driver, corpus: Corpus, query: str,
                             message: str) -> None:
    text = "query($id: ID!) " + query
    compiled, plain = both(client, text, id=corpus.owner_id)
    assert message in compiled["errors"][0]["message"]
    assert without_queries(compiled) == without_queries(plain)


@pytest.fixture(autouse=True)
def _compiled_again(client: TestClient) -> Iterator[None]:
    """Compilation on for every test, whatever one that failed midway left."""
    client.app.state.compile_queries = True  # type: ignore[attr-defined]
    yield


# Selections hypothesis drew once, kept here because its database is local: a nested page past the limit that
# no parent reaches (the root falls back to the resolvers), and one that fails beside a list another branch shares.
DRAWN = {
    "unreached": """{ id l00: papers(first: 1) { id l10: authors(first: 1) { id } l11: repos { id l20: papers(first: 101)
        { id } } } l01: papers { title l10: repos { id } } }""",
    "failing beside a shared list": """{ id l00: papers { id l10: authors { id } l11: repos { id } } l01: papers { id
        l10: authors { id } l11: repos { id l20: papers(first: 101) { id } } } }""",
}


@ON_SYNTH
@pytest.mark.parametrize("name", sorted(DRAWN))
def test_drawn_selections_answer_the_same(patient: TestClient, roots: dict[str, str], name: str) -> None:
    same_answers(patient, roots["author by id"], DRAWN[name])
