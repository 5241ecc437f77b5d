"""Linked data over HTTP, in-process against the tests' Neo4j: content negotiation, 404, the streamed /rdf."""
from __future__ import annotations

import io
from collections.abc import Iterator

import neo4j
import pyoxigraph
import pytest
import rdflib
from fastapi.testclient import TestClient

from api.app import create_app
from kg.rdf.export import FORMATS, triple_batches, write
from kg.rdf.vocab import BASE_ENV, Iris
from kg.store.connection import Settings

BASE = "http://kg.test"
IRIS = Iris(BASE)
PAPER = "p-8b3dcd25376950b3"  # A Cookbook of Self-Supervised Learning, on the profile page
TITLE = "A Cookbook of Self-Supervised Learning"
SCHEMA = rdflib.Namespace("https://schema.org/")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings) -> Iterator[TestClient]:
    """The real app, its lifespan run (drivers open), resource IRIs under BASE."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BASE_ENV, BASE)
        with TestClient(create_app(neo4j_settings)) as test_client:
            yield test_client


@pytest.fixture(autouse=True)
def _sample_graph(seeded: neo4j.Driver) -> None:
    """Every test here reads the sample graph."""


def parse(response, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=response.content, format={"turtle": "turtle", "nt": "nt",
                                                               "jsonld": "json-ld"}[fmt])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_paper_in_each_rdf_format_by_accept_header(client: TestClient, fmt: str) -> None:
    media_type = FORMATS[fmt].media_type
    response = client.get(f"/resource/paper/{PAPER}", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type) and response.headers["vary"] == "Accept"
    graph = parse(response, fmt)
    paper = rdflib.URIRef(f"{BASE}/resource/paper/{PAPER}")
    assert graph.value(paper, SCHEMA.name) == rdflib.Literal(TITLE)
    authors = set(graph.objects(paper, SCHEMA.author))
    assert rdflib.URIRef(f"{BASE}/resource/author/a-yuandong-tian") in authors and len(authors) == 4


def test_a_browser_gets_a_readable_page_with_links(client: TestClient) -> None:
    response = client.get(f"/resource/paper/{PAPER}", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert f"<h1>{TITLE}</h1>" in page
    assert '<a href="/resource/author/a-yuandong-tian">Yuandong Tian</a>' in page
    assert '<a href="/resource/topic/arxiv:cs.LG">cs.LG</a>' in page
    assert f'href="/resource/paper/{PAPER}?format=turtle"' in page
    # the links lead somewhere: the author's page lists this paper among those that refer to him
    author = client.get("/resource/author/a-yuandong-tian", headers={"Accept": BROWSER}).text
    assert f'<a href="/resource/paper/{PAPER}">{TITLE}</a>' in author


@pytest.mark.parametrize("accept, expected", [
    ("application/n-triples;q=0.5, text/turtle", "text/turtle"),
    ("text/turtle;q=0.2, application/ld+json;q=0.9", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("*/*", "text/turtle"),
    ("", "text/turtle"),
    ("image/png, text/*;q=0.1", "text/turtle"),
])
def test_content_negotiation_follows_q_values(client: TestClient, accept: str, expected: str) -> None:
    response = client.get(f"/resource/paper/{PAPER}", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(expected)


def test_format_parameter_overrides_accept_and_unacceptable_is_406(client: TestClient) -> None:
    response = client.get(f"/resource/paper/{PAPER}?format=nt", headers={"Accept": BROWSER})
    assert response.headers["content-type"].startswith("application/n-triples")
    assert client.get(f"/resource/paper/{PAPER}", headers={"Accept": "image/png"}).status_code == 406


def test_unknown_ids_and_types_are_404(client: TestClient) -> None:
    for path in ("/resource/paper/p-0000000000000000", "/resource/author/nobody", "/resource/thing/x",
                 "/resource/repo/facebookresearch"):
        response = client.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code == 404, path
        assert "Traceback" not in response.text


def test_ids_with_slashes_and_colons_resolve(client: TestClient) -> None:
    repo = client.get("/resource/repo/facebookresearch%2Fluckmatters",
                      headers={"Accept": "application/n-triples"})
    assert repo.status_code == 200
    graph = parse(repo, "nt")
    iri = rdflib.URIRef(f"{BASE}/resource/repo/facebookresearch%2Fluckmatters")
    assert graph.value(iri, SCHEMA.url) == rdflib.URIRef("https://github.com/facebookresearch/luckmatters")
    assert any(graph.subjects(rdflib.URIRef("https://kg.example.org/vocab#hasRepository"), iri))
    topic = client.get("/resource/topic/arxiv:cs.LG", headers={"Accept": "text/turtle"})
    assert topic.status_code == 200
    assert (rdflib.URIRef(f"{BASE}/resource/topic/arxiv:cs.LG"), SCHEMA.name, rdflib.Literal("cs.LG")) \
        in parse(topic, "turtle")


@pytest.mark.parametrize("fmt", FORMATS)
def test_rdf_streams_the_same_triples_as_the_export(client: TestClient, seeded: neo4j.Driver,
                                                    neo4j_settings: Settings, fmt: str) -> None:
    response = client.get(f"/rdf?format={fmt}")
    assert response.status_code == 200 and response.headers["content-type"].startswith(FORMATS[fmt].media_type)
    served = {str(t) for t in pyoxigraph.parse(response.content, FORMATS[fmt].rdf)}
    expected = io.BytesIO()
    write(triple_batches(seeded, neo4j_settings.database, IRIS), expected, FORMATS["nt"], IRIS)
    assert served == {str(t) for t in pyoxigraph.parse(expected.getvalue(), pyoxigraph.RdfFormat.N_TRIPLES)}


def test_rdf_filters_a_subgraph_and_rejects_unknown_formats(client: TestClient) -> None:
    response = client.get("/rdf", params={"format": "nt", "author": "a-yuandong-tian"})
    graph = parse(response, "nt")
    assert len(set(graph.subjects(rdflib.RDF.type, SCHEMA.ScholarlyArticle))) == 50
    assert client.get("/rdf?format=rdfxml").status_code == 422
