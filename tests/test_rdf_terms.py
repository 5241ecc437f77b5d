"""Resource IRIs and RDF terms, without a database: reversible ids, typed dates, safe links."""
from __future__ import annotations

import pyoxigraph
from hypothesis import given
from hypothesis import strategies as st

from kg.rdf.triples import date, double, integer, link, quoted
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
    assert IRIS.nt(kind)[node_id] == str(IRIS.resource(kind, node_id)) == f"<{iri}>"


def test_known_ids_read_well() -> None:
    assert encode_id("hf:datasets/owner/name") == "hf:datasets%2Fowner%2Fname"
    assert encode_id("kp:language-model") == "kp:language-model"
    assert IRIS.parse("http://other.test/resource/paper/p-1") is None
    assert IRIS.parse("http://kg.test/resource/nothing/p-1") is None


def term(nt: str) -> pyoxigraph.NamedNode | pyoxigraph.Literal:
    """The pyoxigraph term an N-Triples term reads as."""
    [triple] = pyoxigraph.parse(f"<http://s> <http://p> {nt} .", pyoxigraph.RdfFormat.N_TRIPLES)
    return triple.object


def test_dates_are_typed_by_their_shape() -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert term(date("2023-04-24")).datatype.value == xsd + "date"
    assert term(date("--02-26")).datatype.value == xsd + "gMonthDay"
    assert term(date("April 2023")).datatype.value == xsd + "string"


def test_links_that_are_not_iris_stay_literals() -> None:
    assert term(link("https://github.com/a/b")) == pyoxigraph.NamedNode("https://github.com/a/b")
    bad = term(link("https://example.com/a b"))
    assert isinstance(bad, pyoxigraph.Literal) and bad.datatype.value.endswith("#anyURI")


@given(value=st.text(st.characters(exclude_categories=("Cs",))))
def test_strings_are_written_byte_for_byte_as_pyoxigraph_writes_them(value: str) -> None:
    literal = pyoxigraph.Literal(value)
    assert quoted(value) == str(literal)
    line = pyoxigraph.serialize([pyoxigraph.Triple(pyoxigraph.NamedNode("http://s"), pyoxigraph.NamedNode("http://p"),
                                                   literal)], format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert line == f"<http://s> <http://p> {quoted(value)} .\n".encode()
    assert term(quoted(value)) == literal


@given(number=st.integers(-(2**63), 2**63 - 1), real=st.floats())
def test_numbers_are_written_as_pyoxigraph_writes_them(number: int, real: float) -> None:
    assert integer(number) == str(pyoxigraph.Literal(number))
    assert double(real) == str(pyoxigraph.Literal(real))
