"""The graph is defined once (kg/graph/model.py): everything that writes, reads or describes it agrees."""
from __future__ import annotations

import re
import types
import typing

import pytest
from strawberry.types.base import get_object_definition

from api import types as gql_types
from api.cypher import STATS
from kg.graph import doc, records
from kg.graph.model import LABELS, RELATIONSHIPS, Merge, shown
from kg.rdf.source import LABEL_LINKS
from kg.rdf.triples import OWNED, PROPERTIES, fields
from kg.rdf.triples import RELATIONSHIPS as RDF_RELATIONSHIPS
from kg.rdf.vocab import DEFAULT_BASE, Iris
from kg.rdf.vocab import LABELS as RDF_TYPES
from kg.store import schema
from kg.store.bulk import NODE_FILES, REL_FILES
from kg.store.statements import LINK_QUERIES, NODE_QUERIES

PY_TYPES = {"string": str, "int": int, "float": float, "boolean": bool, "string[]": list}
RECORDS = {"Paper": records.Paper, "Author": records.Author, "Institution": records.Institution,
           "Repo": records.Repo, "Topic": records.Topic, "Page": records.PageNode,
           "Snapshot": records.SnapshotNode}


@pytest.mark.parametrize("label", LABELS)
def test_the_records_carry_every_property_with_its_type(label: str) -> None:
    model = RECORDS[label].model_fields
    for prop in LABELS[label].props:
        assert prop.name in model, f"{label}.{prop.name} is not a field of {RECORDS[label].__name__}"
        annotation = model[prop.name].annotation
        assert PY_TYPES[prop.type] in kinds(annotation), f"{label}.{prop.name}: {annotation} is not {prop.type}"


def kinds(annotation: object) -> set[object]:
    """The plain types an annotation allows: `int | None` -> {int, None}, `list[str]` -> {list}."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return {type(v) for v in typing.get_args(annotation)}
    if origin in (typing.Union, types.UnionType):
        return {k for a in typing.get_args(annotation) for k in kinds(a)}
    return {origin or annotation}


@pytest.mark.parametrize("label", LABELS)
def test_the_loader_sets_every_property_by_its_rule(label: str) -> None:
    query = NODE_QUERIES[LABELS[label].plural]
    for prop in LABELS[label].props[1:]:
        assert f"n.{prop.name} = " in query
    assert NODE_FILES[LABELS[label].plural][1:-1] == [f"{p.name}:{p.type}" for p in LABELS[label].props[1:]]


def test_every_relationship_is_loaded_imported_and_exported_once() -> None:
    assert set(LINK_QUERIES) == set(REL_FILES) == {rel.key for rel in RELATIONSHIPS.values()}
    assert set(RDF_RELATIONSHIPS) == set(RELATIONSHIPS)
    carried = [rel for owned in OWNED.values() for rel in owned]
    assert sorted(carried) == sorted(RELATIONSHIPS), "each relationship has exactly one carrier in the export"
    for rel in RELATIONSHIPS.values():
        assert (RDF_RELATIONSHIPS[rel.type].start, RDF_RELATIONSHIPS[rel.type].end) == (rel.start, rel.end)
        assert bool(RDF_RELATIONSHIPS[rel.type].listing) == rel.ordered, f"{rel.type}: ordered <-> rdf:Seq"
    assert set(LABEL_LINKS) == set(LABELS) and set(RDF_TYPES.values()) == set(LABELS)


@pytest.mark.parametrize("label", LABELS)
def test_the_rdf_mapping_covers_every_served_property(label: str) -> None:
    mapped = {key for key, _, _ in fields(Iris(DEFAULT_BASE))[label]} | {"id"}
    served = {p.name for p in shown(LABELS[label].props)}
    assert mapped == served, f"{label}: mapped but not in the model {mapped - served}, unmapped {served - mapped}"
    assert PROPERTIES[label][0] == "id" and set(PROPERTIES[label]) == served


@pytest.mark.parametrize("label", LABELS)
def test_the_graphql_type_serves_every_property(label: str) -> None:
    definition = get_object_definition(getattr(gql_types, label), strict=True)
    plain = {f.python_name for f in definition.fields if f.base_resolver is None}
    served = {p.name for p in shown(LABELS[label].props)}
    assert served <= plain, f"{label}: not served by GraphQL: {served - plain}"
    assert plain - served <= {"papers"}, f"{label}: GraphQL fields the model lacks: {plain - served}"


def test_stats_counts_every_label() -> None:
    definition = get_object_definition(gql_types.Stats, strict=True)
    assert [f.python_name for f in definition.fields] == [*(label.plural for label in LABELS.values()), "relationships"]
    assert re.findall(r"AS (\w+)", STATS) == [*(label.plural for label in LABELS.values()), "relationships"]


def test_the_schema_file_is_the_derived_schema() -> None:
    assert schema.CONSTRAINTS_FILE.read_text() == schema.text(), \
        "schema/constraints.cypher is stale: run `python -m kg.store.schema`"
    for label in LABELS.values():
        assert f"FOR (n:{label.name}) REQUIRE n.id IS UNIQUE" in schema.text()


def test_internal_properties_are_neither_served_nor_exported() -> None:
    internal = [(rel.type, p.name) for rel in RELATIONSHIPS.values() for p in rel.props if p.internal]
    assert internal == [("AUTHORED", "names"), ("SEEN_IN", "authors")]
    internal_nodes = [(label.name, p.name) for label in LABELS.values() for p in label.props if p.internal]
    assert internal_nodes == [("Author", "block"), ("Author", "evidence"), ("Topic", "stands_for"), ("Snapshot", "content")]
    assert all(p.merge is not Merge.ORDER for label in LABELS.values() for p in label.props)


def test_the_model_page_is_the_model() -> None:
    assert doc.DOC.read_text() == doc.text(), "docs/model.md is stale: run `python -m kg.graph.doc`"
