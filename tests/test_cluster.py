"""The API and the loader through the `neo4j://` scheme (client-side routing, as against a cluster or Aura).

A standalone Neo4j 5 answers the routing protocol as a cluster of one, so the tests' server stands in for a
cluster: reads must go as read transactions (a write in one is refused) and writes as write transactions.
Most checks are test_api's own, run again here with a `client` on the routing driver.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import neo4j
import pytest
from fastapi.testclient import TestClient
from neo4j.exceptions import ClientError

from api.app import create_app
from api.db import Database
from kg.ingest.pages import pages
from kg.store.connection import Settings, driver
from kg.store.load import Loader
from tests.corpora import Corpus
from tests.test_api import (  # noqa: F401 (test_api's checks, collected again here with this module's client)
    _sample_graph,
    test_all_shortest_coauthor_paths,
    test_author_by_id_by_name_and_by_any_spelling,
    test_each_level_is_one_cypher_round_trip,
    test_institution_repo_and_topic_lookups,
    test_kg_serve_answers_over_http,
    test_known_answers,
    test_pagination_walks_every_paper_once_in_order,
    test_paper_by_id_with_its_neighbours,
    test_papers_filters_match_the_graph,
    test_search_pages_and_authors_connection,
    test_stats_count_every_node_type,
)


def routed(settings: Settings) -> Settings:
    """The same server through client-side routing: bolt://host:port -> neo4j://host:port."""
    scheme, sep, rest = settings.uri.partition("://")
    assert scheme.startswith("bolt"), settings.uri
    return dataclasses.replace(settings, uri="neo4j" + scheme[len("bolt"):] + sep + rest)


@pytest.fixture(scope="module")
def neo4j_settings(neo4j_settings: Settings) -> Settings:  # noqa: F811
    """The session's server through neo4j://, for every fixture and test here (the graph is seeded
    through it too, and test_kg_serve_answers_over_http starts `kg serve` with it)."""
    return routed(neo4j_settings)


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, corpus: Corpus) -> Iterator[TestClient]:
    """test_api's client, with the app's drivers on neo4j://."""
    with TestClient(create_app(neo4j_settings)) as test_client:
        assert isinstance(test_client.app.state.db.driver, neo4j.AsyncNeo4jDriver)  # type: ignore[attr-defined]
        assert isinstance(test_client.app.state.rdf[0], neo4j.Neo4jDriver)  # type: ignore[attr-defined]
        yield test_client


def test_the_api_reads_in_read_transactions(neo4j_settings: Settings) -> None:  # noqa: F811
    """The server refuses a write in the API's transactions: they are sent as reads, which a cluster
    routes to its followers and read replicas."""
    import asyncio

    async def write_through_the_api() -> None:
        db = Database(neo4j_settings)
        try:
            await db.read("CREATE (:OpsProbe)")
        finally:
            await db.close()

    with pytest.raises(ClientError, match="(?i)read access mode"):
        asyncio.run(write_through_the_api())


def test_the_loader_writes_in_write_transactions(neo4j_settings: Settings, seeded: neo4j.Driver,
                                                 corpus: Corpus) -> None:
    with driver(neo4j_settings) as db:
        assert isinstance(db, neo4j.Neo4jDriver)
        summary = Loader(db, neo4j_settings.database).load(pages(corpus.files()))
    assert not summary.rejected and summary.pages == corpus.page_count
    assert sum(summary.created.values()) == 0  # the graph held these pages already: all updates


def test_linked_data_and_readiness_through_routing(client: TestClient, corpus: Corpus) -> None:
    page = client.get(f"/resource/paper/{corpus.paper.id}", headers={"accept": "text/turtle"})
    assert page.status_code == 200 and corpus.paper.title.split()[0] in page.text
    assert client.get("/readyz").json() == {"status": "ready", "checks": {"neo4j": "ok"}}
