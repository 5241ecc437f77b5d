"""A profile page's header is data: the owner's figures on the Author, in Cypher, GraphQL and RDF."""
from __future__ import annotations

import tempfile
from pathlib import Path

import neo4j
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from kg.ingest.pages import parse_file
from kg.store.connection import Settings
from kg.store.load import Loader
from tests.pages import PROFILE, write
from tests.test_rdf import IRIS, export, select, store

ENTRY = """12.5LGMar 3, 2024Code
Graph Networks That Transfer

Charles Babbage, Ada Lovelace

We study how graph networks transfer across domains and show it on twelve benchmarks with fewer parameters.
"""


def header_lines(h: int, papers: int, citations: int, novelty: int, score: int, sep: str, spaced: bool) -> str:
    """A header as a page may lay it out: figures glued or spaced, one per line or joined."""
    gap = " " if spaced else ""
    parts = [f"h-index{gap}{h}", f"{papers}{gap}papers", f"{citations:,}{gap}citations",
             f"Novelty{gap}{novelty}%", f"AI Score{gap}{score}"]
    return sep.join(parts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(0, 300), papers=st.integers(1, 5000), citations=st.integers(0, 2_000_000),
       novelty=st.integers(0, 100), score=st.integers(0, 100), sep=st.sampled_from(["\n", " · ", "  ·  ", "\n\n"]),
       spaced=st.booleans(), category=st.sampled_from(["LG", "CV", "CL", "ML"]))
def test_every_layout_of_the_header_gives_the_same_figures(h: int, papers: int, citations: int, novelty: int,
                                                           score: int, sep: str, spaced: bool, category: str) -> None:
    page = (f"Ada Lovelace\n\n{category}\n{header_lines(h, papers, citations, novelty, score, sep, spaced)}\n\n"
            f"{papers} Papers\n\n{ENTRY}")
    with tempfile.TemporaryDirectory() as tmp:
        owner = parse_file(write(Path(tmp), "profile.txt", page)).owner()
    assert owner is not None and owner.name == "Ada Lovelace"
    expected_category = "stat.ML" if category == "ML" else f"cs.{category}"
    assert (owner.h_index, owner.paper_count, owner.citations, owner.novelty, owner.ai_score,
            owner.main_category) == (h, papers, citations, novelty, score, expected_category)


def test_a_header_without_figures_gives_none(tmp_path: Path) -> None:
    owner = parse_file(write(tmp_path, "bare.txt", f"Ada Lovelace\n\n{ENTRY}")).owner()
    assert owner is not None and owner.h_index is None and owner.paper_count is None


def test_the_figures_reach_cypher_graphql_and_rdf(clean_db: neo4j.Driver, neo4j_settings: Settings,
                                                    tmp_path: Path) -> None:
    page = write(tmp_path, "ada.txt", PROFILE)
    assert Loader(clean_db, neo4j_settings.database).load([parse_file(page)]).rejected == []
    records, _, _ = clean_db.execute_query(
        "MATCH (g:Page)-[:PROFILE_OF]->(a:Author {name: 'Ada Lovelace'}) "
        "RETURN a.h_index AS h, a.paper_count AS n, a.main_category AS c, g.title AS page",
        database_=neo4j_settings.database)
    assert [dict(r) for r in records] == [{"h": 12, "n": 3, "c": "cs.LG", "page": "Ada Lovelace"}]
    with TestClient(create_app(neo4j_settings)) as client:
        answer = client.post("/graphql", json={"query": """{ author(name: "Ada Lovelace") {
            hIndex paperCount knownPaperCount mainCategory citations profile { title format } } }"""}).json()
    assert answer["data"]["author"] == {"hIndex": 12, "paperCount": 3, "knownPaperCount": 3, "mainCategory": "cs.LG",
                                        "citations": None, "profile": {"title": "Ada Lovelace", "format": "profile"}}
    triples = store(export(clean_db, neo4j_settings.database, "nt"))
    rows = select(triples, "SELECT ?h ?n WHERE { ?a schema:name 'Ada Lovelace' ; kg:hIndex ?h ; kg:paperCount ?n }")
    assert rows == [("12", "3")] and IRIS.resource("author", "a-ada-lovelace").value in {
        r[0] for r in select(triples, "SELECT ?a WHERE { ?a kg:hIndex ?h }")}
