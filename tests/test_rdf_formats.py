"""Turtle and JSON-LD, written straight from export rows, are the N-Triples export's graph (no database:
rows made by hypothesis, with strings that need escapes and ids that cannot be prefixed names)."""
from __future__ import annotations

import io
from typing import Any

import pyoxigraph
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from kg.rdf.export import FORMATS, describe, write
from kg.rdf.triples import OWNED, PROPERTIES, RELATIONSHIPS, Describer
from kg.rdf.vocab import Iris

IRIS = Iris("http://kg.test")
RDFLIB_FORMATS = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld"}

texts = st.text(st.characters(exclude_categories=("Cs",)))  # quotes, backslashes, controls, non-ASCII
ids = st.one_of(texts.filter(bool), st.sampled_from(["p-1", "-lead", ".dot", "end.", "9x", "a~b", "kp:x", "o/n",
                                                     "arxiv:cs.LG", "%41", "_u"]))
integers = st.integers(-(2**63), 2**63 - 1)
links = st.one_of(texts, st.builds(lambda path: f"https://example.org/{path}", st.sampled_from(["", "a/b?c=1", "é"])))
dates = st.one_of(texts, st.sampled_from(["2024-02-29", "--02-26", "0001-01-01"]))
PROPERTY_VALUES: dict[str, Any] = {
    "year": integers, "upvotes": integers, "author_count": integers, "h_index": integers, "citations": integers,
    "paper_count": integers, "novelty": integers, "ai_score": integers, "listed": integers,
    "score": st.floats(allow_nan=False), "has_code": st.booleans(), "date": dates, "saved_at": dates,
    "aliases": st.lists(texts, max_size=3), "links": st.lists(links, max_size=3), "url": links,
    "kind": st.sampled_from(["dataset", "space", "model", "other"]), "scheme": st.sampled_from(["arxiv", "keyphrase"]),
    "category": st.sampled_from(["cs.LG", "math.ST"]),
    "arxiv_id": st.from_regex(r"\d{4}\.\d{4,5}(v\d)?", fullmatch=True),  # the parser's; others make no IRI
}
positions = st.one_of(st.none(), st.integers(0, 40))


def row(label: str) -> st.SearchStrategy[list[Any]]:
    """An export row of `label`: its properties (each maybe missing), then the links it owns."""
    values = [ids if key == "id" else st.one_of(st.none(), PROPERTY_VALUES.get(key, texts))
              for key in PROPERTIES[label]]
    links = [st.lists(st.tuples(ids, positions).map(list) if RELATIONSHIPS[rel].listing else ids, max_size=3)
             for rel in OWNED.get(label, ())]
    return st.tuples(*values, *links).map(list)


pages = st.lists(st.tuples(st.sampled_from(sorted(PROPERTIES)), st.integers(1, 3)), min_size=1, max_size=4).flatmap(
    lambda labels: st.tuples(*(st.tuples(st.just(label), st.lists(row(label), min_size=n, max_size=n))
                               for label, n in labels)))


def export(page_list: list[tuple[str, list[list[Any]]]], fmt: str) -> bytes:
    """The pages written in one format, as `kg export` writes them."""
    describer, out = Describer(IRIS, FORMATS[fmt].syntax(IRIS)), io.BytesIO()
    write([describe(describer, label, page, FORMATS[fmt]) for label, page in page_list], out, FORMATS[fmt], IRIS)
    return out.getvalue()


@settings(max_examples=60, deadline=None)
@given(page_list=pages)
def test_turtle_and_json_ld_are_the_graph_of_the_n_triples(page_list: list[tuple[str, list[list[Any]]]]) -> None:
    data = {fmt: export(page_list, fmt) for fmt in FORMATS}
    reference = set(pyoxigraph.parse(data["nt"], pyoxigraph.RdfFormat.N_TRIPLES))
    assert reference
    expected = rdflib.Graph().parse(data=data["nt"], format="nt")
    for fmt in ("turtle", "jsonld"):
        assert set(pyoxigraph.parse(data[fmt], FORMATS[fmt].rdf)) == reference, fmt
        graph = rdflib.Graph().parse(data=data[fmt], format=RDFLIB_FORMATS[fmt])
        assert set(graph) == set(expected) and isomorphic(graph, expected), fmt


def test_an_empty_export_is_a_valid_document_in_every_format() -> None:
    for fmt in FORMATS:
        data = export([], fmt)
        assert list(pyoxigraph.parse(data, FORMATS[fmt].rdf)) == []
        assert len(rdflib.Graph().parse(data=data, format=RDFLIB_FORMATS[fmt])) == 0


def test_turtle_prefixes_only_plain_local_names() -> None:
    page = [("Repo", [["o/n~1", "github.com", "model", "o", "n", "https://github.com/o/n"]]),
            ("Topic", [["kp:x", "x", "keyphrase", None]]), ("Author", [["-a", "A", None, 1, None, None, None, None, None]])]
    turtle = export(page, "turtle").decode()
    assert "<http://kg.test/resource/repo/o%2Fn~1> a schema:SoftwareSourceCode ;" in turtle
    assert "topic:kp:x a schema:DefinedTerm ;" in turtle and "\n\tkg:hIndex 1 .\n" in turtle
    assert "<http://kg.test/resource/author/-a> a schema:Person ;" in turtle
