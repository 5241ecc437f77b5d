"""Linked data over HTTP, in-process against the tests' Neo4j holding each corpus in turn: content negotiation,
404, the streamed /rdf."""
from __future__ import annotations

import html
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
from tests.corpora import Corpus

BASE = "http://kg.test"
IRIS = Iris(BASE)
SCHEMA = rdflib.Namespace("https://schema.org/")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, corpus: Corpus) -> Iterator[TestClient]:
    """The real app, its lifespan run (drivers open), resource IRIs under BASE; for the graph of `corpus`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BASE_ENV, BASE)
        with TestClient(create_app(neo4j_settings)) as test_client:
            yield test_client


@pytest.fixture(autouse=True)
def _sample_graph(seeded: neo4j.Driver) -> None:
    """Every test here reads the graph of a corpus."""


def parse(response, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=response.content, format={"turtle": "turtle", "nt": "nt",
                                                               "jsonld": "json-ld"}[fmt])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_paper_in_each_rdf_format_by_accept_header(client: TestClient, corpus: Corpus, fmt: str) -> None:
    media_type = FORMATS[fmt].media_type
    response = client.get(f"/resource/paper/{corpus.paper.id}", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type) and response.headers["vary"] == "Accept"
    graph = parse(response, fmt)
    paper = rdflib.URIRef(f"{BASE}/resource/paper/{corpus.paper.id}")
    assert graph.value(paper, SCHEMA.name) == rdflib.Literal(corpus.paper.title)
    authors = set(graph.objects(paper, SCHEMA.author))
    owner = rdflib.URIRef(f"{BASE}/resource/author/{corpus.owner_id}")
    assert owner in authors and len(authors) == corpus.paper.authors


def test_a_browser_gets_a_readable_page_with_links(client: TestClient, corpus: Corpus) -> None:
    paper, title, topic = corpus.paper.id, html.escape(corpus.paper.title), corpus.paper.topic
    response = client.get(f"/resource/paper/{paper}", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert f"<h1>{title}</h1>" in page
    assert f'<a href="/resource/author/{corpus.owner_id}">{html.escape(corpus.owner)}</a>' in page
    assert f'<a href="/resource/topic/{topic}">{topic.removeprefix("arxiv:")}</a>' in page
    assert f'href="/resource/paper/{paper}?format=turtle"' in page
    # the links lead somewhere: the author's page lists this paper among those that refer to them
    author = client.get(f"/resource/author/{corpus.owner_id}", headers={"Accept": BROWSER}).text
    assert f'<a href="/resource/paper/{paper}">{title}</a>' in author


@pytest.mark.parametrize("accept, expected", [
    ("application/n-triples;q=0.5, text/turtle", "text/turtle"),
    ("text/turtle;q=0.2, application/ld+json;q=0.9", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("*/*", "text/turtle"),
    ("", "text/turtle"),
    ("image/png, text/*;q=0.1", "text/turtle"),
    ("text/turtle;q=0, */*", "application/ld+json"),  # q=0 refuses Turtle: the best of the rest
    ("application/*", "application/ld+json"),  # Turtle is text/turtle, not application/*
    ("application/*, application/n-triples;q=0", "application/ld+json"),
    ("application/*;q=0.5, text/plain", "application/n-triples"),
    ("TEXT/TURTLE", "text/turtle"),
    ("text/*;q=0.9, text/turtle;q=0, text/html;q=0", "application/n-triples"),  # text/plain, an alias
])
def test_content_negotiation_follows_q_values(client: TestClient, corpus: Corpus, accept: str, expected: str) -> None:
    response = client.get(f"/resource/paper/{corpus.paper.id}", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(expected)


def test_format_parameter_overrides_accept_and_unacceptable_is_406(client: TestClient, corpus: Corpus) -> None:
    paper = corpus.paper.id
    response = client.get(f"/resource/paper/{paper}?format=nt", headers={"Accept": BROWSER})
    assert response.headers["content-type"].startswith("application/n-triples")
    for refused in ("image/png", "*/*;q=0", "text/turtle;q=0, application/*;q=0, text/*;q=0"):
        assert client.get(f"/resource/paper/{paper}", headers={"Accept": refused}).status_code == 406, refused
    assert client.get(f"/resource/paper/{paper}", headers={"Accept": "no-slash"}).status_code == 400


@pytest.mark.parametrize("accept, expected", [
    ("text/turtle;q=0, */*", "application/ld+json"),
    ("application/*", "application/ld+json"),
    (BROWSER, "text/turtle"),  # no HTML here: */* picks Turtle
    ("text/plain", "application/n-triples"),
    ("text/html", None),
    ("*/*;q=0", None),
])
def test_rdf_negotiates_its_format_too(client: TestClient, corpus: Corpus, accept: str, expected: str | None) -> None:
    response = client.get("/rdf", params={"author": corpus.owner_id}, headers={"Accept": accept})
    if expected is None:
        assert response.status_code == 406 and "text/html" not in response.json()["detail"]
    else:
        assert response.status_code == 200 and response.headers["content-type"].startswith(expected)
        assert response.headers["vary"] == "Accept"


def test_unknown_ids_and_types_are_404(client: TestClient) -> None:
    for path in ("/resource/paper/p-0000000000000000", "/resource/author/nobody", "/resource/thing/x",
                 "/resource/repo/facebookresearch"):
        response = client.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code == 404, path
        assert "Traceback" not in response.text


def test_ids_with_slashes_and_colons_resolve(client: TestClient, corpus: Corpus) -> None:
    repo_id, topic_id = corpus.shared_repo[0], corpus.paper.topic
    path = "/resource/repo/" + repo_id.replace("/", "%2F")
    repo = client.get(path, headers={"Accept": "application/n-triples"})
    assert repo.status_code == 200
    graph = parse(repo, "nt")
    iri = rdflib.URIRef(f"{BASE}{path}")
    assert str(graph.value(iri, SCHEMA.url)).lower() == f"https://github.com/{repo_id}"
    assert any(graph.subjects(rdflib.URIRef("https://kg.example.org/vocab#hasRepository"), iri))
    topic = client.get(f"/resource/topic/{topic_id}", headers={"Accept": "text/turtle"})
    assert topic.status_code == 200
    name = rdflib.Literal(topic_id.removeprefix("arxiv:"))
    assert (rdflib.URIRef(f"{BASE}/resource/topic/{topic_id}"), SCHEMA.name, name) in parse(topic, "turtle")


@pytest.mark.parametrize("fmt", FORMATS)
def test_rdf_streams_the_same_triples_as_the_export(client: TestClient, seeded: neo4j.Driver,
                                                    neo4j_settings: Settings, fmt: str) -> None:
    response = client.get(f"/rdf?format={fmt}")
    assert response.status_code == 200 and response.headers["content-type"].startswith(FORMATS[fmt].media_type)
    served = {str(t) for t in pyoxigraph.parse(response.content, FORMATS[fmt].rdf)}
    expected = io.BytesIO()
    write(triple_batches(seeded, neo4j_settings.database, IRIS), expected, FORMATS["nt"], IRIS)
    assert served == {str(t) for t in pyoxigraph.parse(expected.getvalue(), pyoxigraph.RdfFormat.N_TRIPLES)}


def test_rdf_filters_a_subgraph_and_rejects_unknown_formats(client: TestClient, corpus: Corpus) -> None:
    response = client.get("/rdf", params={"format": "nt", "author": corpus.owner_id})
    graph = parse(response, "nt")
    assert len(set(graph.subjects(rdflib.RDF.type, SCHEMA.ScholarlyArticle))) == corpus.profiles[corpus.owner]
    assert client.get("/rdf?format=rdfxml").status_code == 422
