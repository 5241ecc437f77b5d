"""Hypothesis against the public endpoints: any GraphQL variables and any /resource id give an answer or a
documented error (GraphQL errors, 404, 406, 422), never a 500 or a stack trace."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corpora import CORPORA
from tests.test_api import _sample_graph, client  # noqa: F401 (fixtures)

pytestmark = pytest.mark.parametrize("corpus", CORPORA[:1], indirect=True)  # the graph matters little here
QUERY = """query($id: ID!, $name: String, $search: String, $author: String, $year: Int, $first: Int!,
                 $after: String, $from: String!, $to: String!, $hops: Int!) {
  paper(id: $id) { id title }
  author(name: $name) { id }
  papers(search: $search, author: $author, year: $year, first: $first, after: $after) { totalCount }
  coauthorPath(from: $from, to: $to, maxHops: $hops) { length }
}"""
ANY_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                      max_size=3), max_leaves=6)
TEXT = st.text(max_size=80)
VARIABLES = st.fixed_dictionaries({
    "id": TEXT, "name": st.none() | TEXT, "search": st.none() | TEXT, "author": st.none() | TEXT,
    "year": st.none() | st.integers(-(2**40), 2**40), "first": st.integers(-(2**33), 2**33),
    "after": st.none() | TEXT, "from": TEXT, "to": TEXT, "hops": st.integers(-100, 100),
}) | st.dictionaries(st.sampled_from(["id", "first", "hops", "year", "from"]), ANY_JSON)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(VARIABLES)
def test_any_graphql_variables_give_data_or_errors_never_a_500(client: TestClient, corpus: object, variables: dict[str, Any]) -> None:
    response = client.post("/graphql", json={"query": QUERY, "variables": variables})
    assert response.status_code in (200, 400), response.text
    answer = response.json()
    assert "data" in answer or answer.get("errors"), answer
    for error in answer.get("errors") or []:
        assert error["message"] != "Unexpected error.", (variables, error)
        assert "Traceback" not in error["message"]


@FUZZ
@given(st.sampled_from(["paper", "author", "repo", "topic", "institution", "page", "x"]),
       st.text(min_size=1, max_size=120), st.sampled_from(["text/turtle", "text/html", "application/ld+json", "*/*"]))
def test_any_resource_id_gives_a_description_or_a_404(client: TestClient, corpus: object, kind: str, node_id: str,
                                                       accept: str) -> None:
    response = client.get(f"/resource/{kind}/{quote(node_id, safe='')}", headers={"Accept": accept})
    assert response.status_code in (200, 404), (node_id, response.status_code, response.text[:200])
    assert "Traceback" not in response.text
