"""Paging a full-text search whose hits tie on score: every paper once, in one order, at any page size."""
from __future__ import annotations

from pathlib import Path

import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from kg.ingest.pages import parse_file
from kg.store.connection import Settings
from kg.store.load import Loader
from tests.pages import write

# A search page of 60 papers alike but for a number: "lattice" scores the same in every title.
ABSTRACT = "We study a lattice model and report what changes when its parameters are tuned one at a time."
PAGE = "\n".join(f"Lattice Notes Number {n:02d}\n{ABSTRACT}" for n in range(60)) + "\n"
QUERY = """query($after: String, $first: Int!) { papers(search: "lattice", first: $first, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { id } } } }"""


@pytest.fixture
def tied(clean_db: neo4j.Driver, neo4j_settings: Settings, tmp_path: Path) -> TestClient:
    """The API on a graph of 60 papers whose search scores tie."""
    assert Loader(clean_db, neo4j_settings.database).load([parse_file(write(tmp_path, "s.txt", PAGE))]).rejected == []
    return TestClient(create_app(neo4j_settings))


def walk(client: TestClient, first: int) -> list[str]:
    """Every paper id of the search, page by page."""
    ids: list[str] = []
    after = None
    while True:
        page = client.post("/graphql", json={"query": QUERY, "variables": {"after": after, "first": first}}).json()
        found = page["data"]["papers"]
        ids += [e["node"]["id"] for e in found["edges"]]
        if not found["pageInfo"]["hasNextPage"]:
            return ids
        after = found["pageInfo"]["endCursor"]


def test_pages_of_tied_hits_hold_every_paper_once_in_id_order(tied: TestClient) -> None:
    with tied as client:
        walks = {first: walk(client, first) for first in (1, 7, 25, 60)}
    for ids in walks.values():
        assert len(ids) == len(set(ids)) == 60
        assert ids == sorted(ids)  # equal scores: by id
