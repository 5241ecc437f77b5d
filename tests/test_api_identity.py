"""Identity: every node of every type round-trips through `node(id:)` / `nodes(ids:)`, and its `iri` is
the subject IRI the RDF export gives it (and /resource answers at)."""
from __future__ import annotations

import io

import neo4j
import pyoxigraph
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from api.errors import UserError
from api.identity import NODE_LABELS, one_of, split_typed
from kg.rdf.export import FORMATS, triple_batches, write
from kg.rdf.vocab import RDF, Iris, base_iri
from kg.store.connection import Settings
from tests.test_api import client, data, errors  # noqa: F401 (fixture)


def every_node(driver: neo4j.Driver) -> list[tuple[str, str]]:
    """(label, id) of every node with a resource type."""
    records, _, _ = driver.execute_query("MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
                                         "RETURN [l IN labels(n) WHERE l IN $labels][0] AS label, n.id AS id",
                                         labels=list(NODE_LABELS))
    return [(r["label"], r["id"]) for r in records]


def exported_subjects(driver: neo4j.Driver, database: str) -> set[str]:
    """The IRI of every typed subject of the export, under the served base IRI."""
    iris, buffer = Iris(base_iri()), io.BytesIO()
    write(triple_batches(driver, database, iris), buffer, FORMATS["nt"], iris)
    store = pyoxigraph.Store()
    store.load(buffer.getvalue(), FORMATS["nt"].rdf)
    return {q.subject.value for q in store.quads_for_pattern(None, RDF.type, None)
            if isinstance(q.subject, pyoxigraph.NamedNode)}


NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id iri } }"


def test_every_id_round_trips_and_iri_is_the_exports(client: TestClient, seeded: neo4j.Driver,
                                                     neo4j_settings: Settings) -> None:
    wanted = every_node(seeded)
    assert {label for label, _ in wanted} == set(NODE_LABELS)
    subjects = exported_subjects(seeded, neo4j_settings.database)
    for start in range(0, len(wanted), 100):
        chunk = wanted[start:start + 100]
        got = data(client, NODES, ids=[i for _, i in chunk])["nodes"]
        assert [(n["__typename"], n["id"]) for n in got] == chunk
        assert all(n["iri"] in subjects for n in got), [n["iri"] for n in got if n["iri"] not in subjects]
    label, key = wanted[0]
    one = data(client, "query($id: ID!) { node(id: $id) { id iri } typed: node(id: $t) { __typename id } }"
               .replace("query($id: ID!)", "query($id: ID!, $t: ID!)"), id=key, t=f"{label}:{key}")
    assert one["node"]["id"] == key and one["typed"] == {"__typename": label, "id": key}
    page = client.get(one["node"]["iri"].removeprefix(base_iri()), headers={"accept": "application/n-triples"})
    assert page.status_code == 200 and f"<{one['node']['iri']}>" in page.text


def test_every_type_has_iri_and_the_node_interface(client: TestClient) -> None:
    types = data(client, '{ __type(name: "Node") { possibleTypes { name } } }')["__type"]["possibleTypes"]
    assert {t["name"] for t in types} == set(NODE_LABELS)
    for label in NODE_LABELS:
        fields = data(client, f'{{ __type(name: "{label}") {{ fields {{ name }} }} }}')["__type"]["fields"]
        assert {"id", "iri"} <= {f["name"] for f in fields}


def test_unknown_ids_are_null_and_too_many_are_refused(client: TestClient) -> None:
    assert data(client, '{ node(id: "nope") { id } a: nodes(ids: ["nope", "Paper:nope"]) { id } }') == {
        "node": None, "a": [None, None]}
    assert errors(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=["x"] * 101) == [
        "first must be between 0 and 100 (got 101)"]


def test_a_key_two_types_share_must_be_typed() -> None:
    found = [{"label": "Author", "item": {}}, {"label": "Institution", "item": {}}]
    with pytest.raises(UserError, match="Author:a-x"):
        one_of("a-x", found)


@given(st.text(max_size=40))
def test_split_typed_keeps_any_key(value: str) -> None:
    label, key = split_typed(value)
    assert (key == value) if label is None else (f"{label}:{key}" == value and label in NODE_LABELS)
