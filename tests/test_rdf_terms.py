"""Resource IRIs and RDF terms, without a database: reversible ids, typed dates, safe links."""
from __future__ import annotations

import pyoxigraph
from hypothesis import given
from hypothesis import strategies as st

from kg.rdf.triples import date, link
from kg.rdf.vocab import LABELS, Iris, decode_id, encode_id

IRIS = Iris("http://kg.test")
ids = st.text(st.characters(exclude_categories=("Cs",)), min_size=1)


@given(kind=st.sampled_from(sorted(LABELS)), node_id=ids)
def test_every_id_makes_a_valid_iri_that_gives_the_id_back(kind: str, node_id: str) -> None:
    iri = IRIS.resource(kind, node_id).value
    segment = iri.removeprefix(f"http://kg.test/resource/{kind}/")
    assert "/" not in segment and "#" not in segment and "?" not in segment
    assert decode_id(segment) == node_id
    assert IRIS.parse(iri) == (kind, node_id) == IRIS.parse(iri + "#authors")
    assert pyoxigraph.NamedNode(iri).value == iri


def test_known_ids_read_well() -> None:
    assert encode_id("hf:datasets/owner/name") == "hf:datasets%2Fowner%2Fname"
    assert encode_id("kp:language-model") == "kp:language-model"
    assert IRIS.parse("http://other.test/resource/paper/p-1") is None
    assert IRIS.parse("http://kg.test/resource/nothing/p-1") is None


def test_dates_are_typed_by_their_shape() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert date("2023-04-24").datatype.value == xsd + "date"
    assert date("--02-26").datatype.value == xsd + "gMonthDay"
    assert date("April 2023").datatype.value == xsd + "string"


def test_links_that_are_not_iris_stay_literals() -> None:
    assert isinstance(link("https://github.com/a/b"), pyoxigraph.NamedNode)
    bad = link("https://example.com/a b")
    assert isinstance(bad, pyoxigraph.Literal) and bad.datatype.value.endswith("#anyURI")
