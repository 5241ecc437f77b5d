"""The GraphQL API, run in-process over HTTP against the real Neo4j holding each corpus of pages in turn.

Each answer is checked against the same facts read straight from Neo4j with the driver. The helpers
and the `client` fixture here serve the other test_api_* modules too.
"""
from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import neo4j
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.schema import SDL_PATH, sdl
from kg.bench.api import Server
from kg.store.connection import Settings
from tests.corpora import CORPORA, Corpus


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings, corpus: Corpus) -> Iterator[TestClient]:
    """The real app (lifespan run: its async driver is open) on the tests' Neo4j, for the graph of `corpus`."""
    with TestClient(create_app(neo4j_settings)) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _sample_graph(request: pytest.FixtureRequest) -> None:
    """Every API test reads the graph of a corpus (reloaded only if another test changed it)."""
    if "client" in request.fixturenames:
        request.getfixturevalue("seeded")


def gql(client: TestClient, query: str, **variables: Any) -> dict:
    """POST one GraphQL request; the whole JSON answer (data, errors, extensions)."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text and "neo4j" not in response.text.lower()
    return response.json()


def data(client: TestClient, query: str, **variables: Any) -> dict:
    """The `data` of a request that must succeed."""
    answer = gql(client, query, **variables)
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


def errors(client: TestClient, query: str, **variables: Any) -> list[str]:
    """The error messages of a request that must fail."""
    answer = gql(client, query, **variables)
    assert answer.get("errors"), answer
    return [e["message"] for e in answer["errors"]]


def cypher(driver: neo4j.Driver, text: str, **params: Any) -> list[dict]:
    """Rows of a query run straight on the driver: the ground truth the API is checked against."""
    records, _, _ = driver.execute_query(text, params)
    return [r.data() for r in records]


def column(driver: neo4j.Driver, text: str, **params: Any) -> list[Any]:
    """The single column of `text`'s rows."""
    return [next(iter(row.values())) for row in cypher(driver, text, **params)]


def test_schema_file_is_in_sync() -> None:
    assert SDL_PATH.read_text() == sdl(), "schema/schema.graphql is stale: run `python -m api.schema`"


def test_stats_count_every_node_type(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    stats = data(client, "{ stats { papers authors institutions repos topics pages relationships } }")["stats"]
    for label in ("Paper", "Author", "Institution", "Repo", "Topic", "Page"):
        key = label.lower() + "s" if label != "Paper" else "papers"
        assert stats[key] == column(seeded, f"MATCH (n:{label}) RETURN count(n)")[0]
    assert stats["papers"] == corpus.papers and stats["pages"] == corpus.page_count
    assert stats["authors"] == corpus.authors
    assert stats["relationships"] == column(seeded, "MATCH ()-[r]->() RETURN count(r)")[0]


def test_paper_by_id_with_its_neighbours(client: TestClient, seeded: neo4j.Driver) -> None:
    pid = column(seeded, "MATCH (p:Paper)-[:HAS_CODE]->(:Repo) MATCH (p)<-[:AUTHORED]-() "
                         "RETURN p.id ORDER BY p.id LIMIT 1")[0]
    paper = data(client, """query($id: ID!) { paper(id: $id) {
        id title year authors { id } repos { id fullName } topics { id } institutions { id }
        sources { position page { format title } owner { name } } } }""", id=pid)["paper"]
    assert paper["id"] == pid
    assert [a["id"] for a in paper["authors"]] == column(
        seeded, "MATCH (:Paper {id: $id})<-[r:AUTHORED]-(a) RETURN a.id ORDER BY r.position", id=pid)
    for field, rel in (("repos", "HAS_CODE"), ("topics", "HAS_TOPIC"), ("institutions", "AFFILIATED_WITH")):
        assert sorted(x["id"] for x in paper[field]) == sorted(column(
            seeded, f"MATCH (:Paper {{id: $id}})-[:{rel}]->(x) RETURN x.id", id=pid)), field
    assert all("/" in r["fullName"] for r in paper["repos"])
    assert paper["sources"] and paper["sources"][0]["page"]["format"] in {"profile", "feed", "search"}


def test_unknown_ids_are_null_not_errors(client: TestClient) -> None:
    answer = gql(client, """{ paper(id: "p-nope") { id } author(id: "a-nope") { id }
        institution(id: "nope") { id } repo(id: "no/pe") { id } topic(id: "kp:nope") { id } }""")
    assert "errors" not in answer
    assert set(answer["data"].values()) == {None}


def test_author_by_id_by_name_and_by_any_spelling(client: TestClient, corpus: Corpus) -> None:
    query = "query($id: ID, $name: String) { author(id: $id, name: $name) { id name } }"
    owner, owner_id = corpus.owner, corpus.owner_id
    assert data(client, query, id=owner_id)["author"]["name"] == owner
    assert data(client, query, name=owner)["author"]["id"] == owner_id
    spelling = owner.lower().replace(" ", "  ", 1).upper()  # same derived id
    assert data(client, query, name=spelling)["author"]["id"] == owner_id
    assert data(client, query, name="Nobody At All")["author"] is None
    assert errors(client, query, id=owner_id, name=owner) == ["give exactly one of `id` and `name`"]


def test_institution_repo_and_topic_lookups(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    institution, (alias, alias_id), (repo, repo_papers) = corpus.institution, corpus.alias, corpus.shared_repo
    (model, model_id), topic, arxiv = corpus.model_repo, corpus.topic, corpus.paper.topic
    found = data(client, """query($inst: ID!, $alias: String!, $repo: String!, $model: String!, $repoId: ID!,
                                  $topic: String!, $arxiv: String!) {
        byId: institution(id: $inst) { name aliases papers(first: 100) { id } authors(first: 100) { name } }
        byAlias: institution(name: $alias) { id }
        repo(fullName: $repo) { id url kind papers { id } }
        hf: repo(fullName: $model) { id kind }
        repoById: repo(id: $repoId) { fullName }
        topic(name: $topic) { id scheme papers(first: 100) { id } }
        arxiv: topic(name: $arxiv) { id scheme } }""", inst=institution.id, alias=alias, repo=repo, model=model,
                 repoId=repo, topic=topic.name, arxiv=arxiv.removeprefix("arxiv:"))
    assert found["byId"]["name"] == institution.name and found["byAlias"]["id"] == alias_id
    assert len(found["byId"]["papers"]) == institution.papers
    assert corpus.owner in [a["name"] for a in found["byId"]["authors"]]
    assert found["repo"]["id"] == repo and len(found["repo"]["papers"]) == repo_papers
    assert found["hf"] == {"id": model_id, "kind": "model"}
    assert found["repoById"]["fullName"] == repo
    assert found["topic"]["id"] == topic.id and len(found["topic"]["papers"]) == topic.papers
    assert found["arxiv"] == {"id": arxiv, "scheme": "arxiv"}
    assert {p["id"] for p in found["topic"]["papers"]} == set(column(
        seeded, "MATCH (:Topic {id: $t})<-[:HAS_TOPIC]-(p) RETURN p.id", t=topic.id))


def test_search_is_full_text_in_relevance_order(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    text, word = corpus.search
    found = data(client, """query($text: String!) { papers(search: $text, first: 10) {
        totalCount edges { node { id title } } } }""", text=text)["papers"]
    lucene = text.replace("-", "\\-")  # Lucene's operator escaped
    expected = column(seeded, "CALL db.index.fulltext.queryNodes('paper_text', $q) "
                              "YIELD node, score RETURN node.id ORDER BY score DESC, node.id", q=lucene)
    assert [e["node"]["id"] for e in found["edges"]] == expected[:10]
    assert found["totalCount"] == len(expected) > 1
    assert word in found["edges"][0]["node"]["title"]


def test_papers_filters_match_the_graph(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    owner_id, arxiv = corpus.owner_id, corpus.paper.topic
    year = column(seeded, "MATCH (:Author {id: $a})-[:AUTHORED]->(p) RETURN max(p.year)", a=owner_id)[0]
    found = data(client, """query($owner: String!, $year: Int!, $inst: String!, $topic: String!, $repo: String!,
                                  $arxiv: String!, $word: String!) {
        byAuthorYear: papers(author: $owner, year: $year, first: 100) { totalCount edges { node { year } } }
        byInstitution: papers(institution: $inst) { totalCount }
        byTopic: papers(topic: $topic) { totalCount }
        byRepo: papers(repo: $repo) { totalCount }
        combined: papers(author: $owner, topic: $arxiv, search: $word) { edges { node { id } } } }""",
                 owner=corpus.owner, year=year, inst=corpus.institution.name, topic=corpus.topic.id,
                 repo=corpus.shared_repo[0], arxiv=arxiv.removeprefix("arxiv:"), word=corpus.paper.title.split()[-1])
    assert found["byAuthorYear"]["totalCount"] == column(
        seeded, "MATCH (:Author {id: $a})-[:AUTHORED]->(p {year: $y}) RETURN count(p)", a=owner_id, y=year)[0] > 0
    assert {e["node"]["year"] for e in found["byAuthorYear"]["edges"]} == {year}
    assert found["byInstitution"]["totalCount"] == corpus.institution.papers
    assert found["byTopic"]["totalCount"] == corpus.topic.papers
    assert found["byRepo"]["totalCount"] == corpus.shared_repo[1]
    ids = [e["node"]["id"] for e in found["combined"]["edges"]]
    assert corpus.paper.id in ids and set(ids) <= set(column(
        seeded, "MATCH (:Author {id: $a})-[:AUTHORED]->(p)-[:HAS_TOPIC]->(:Topic {id: $t}) RETURN p.id",
        a=owner_id, t=arxiv))


def walk(client: TestClient, query: str, field: str, **variables: Any) -> tuple[list[str], list[int]]:
    """Every node id of a connection, page by page through `after`; and the totalCount of each page."""
    ids: list[str] = []
    totals: list[int] = []
    after = None
    while True:
        page = data(client, query, after=after, **variables)[field]
        ids += [e["node"]["id"] for e in page["edges"]]
        totals.append(page["totalCount"])
        if not page["pageInfo"]["hasNextPage"]:
            return ids, totals
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]


def test_pagination_walks_every_paper_once_in_order(client: TestClient, corpus: Corpus) -> None:
    query = """query($after: String, $owner: String!, $first: Int!) { papers(author: $owner, first: $first,
        after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }"""
    count = corpus.profiles[corpus.owner]
    ids, totals = walk(client, query, "papers", owner=corpus.owner, first=7)
    assert len(ids) == len(set(ids)) == count and set(totals) == {count} and len(totals) > 1
    whole = data(client, query, owner=corpus.owner, first=count, after=None)
    assert ids == [e["node"]["id"] for e in whole["papers"]["edges"]]
    assert len(walk(client, query, "papers", owner=corpus.owner, first=100)[0]) == count


def test_search_pages_and_authors_connection(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    query = """query($after: String, $text: String!, $first: Int!) { papers(search: $text, first: $first,
        after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }"""
    text = corpus.topic.name
    total = data(client, query, text=text, first=0, after=None)["papers"]["totalCount"]
    ids, totals = walk(client, query, "papers", text=text, first=min(40, max(1, total // 3)))
    assert len(ids) == len(set(ids)) == totals[0] == total >= 3
    query = """query($after: String, $first: Int!) { authors(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }"""
    ids, totals = walk(client, query, "authors", first=corpus.authors // 3)
    assert ids == column(seeded, "MATCH (a:Author) RETURN a.id ORDER BY a.name, a.id")
    assert totals[0] == corpus.authors and len(totals) > 1
    hits = data(client, "query($q: String!) { authors(search: $q) { edges { node { name } } } }",
                q=corpus.owner.split()[-1].lower())["authors"]["edges"]
    assert corpus.owner in [e["node"]["name"] for e in hits]


def test_a_cursor_not_ours_is_refused(client: TestClient) -> None:
    forged = base64.urlsafe_b64encode(b"offset:-5").decode()
    for cursor in ("garbage!", forged):
        assert errors(client, "query($c: String) { papers(after: $c) { totalCount } }", c=cursor) == [
            "`after` is not a cursor this API gave out"]


def test_author_papers_and_coauthors(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    author = data(client, """query($name: String!) { author(name: $name) {
        papers(first: 100) { id } institutions { id }
        coauthors(first: 5) { count author { id } papers { id } } } }""", name=corpus.owner)["author"]
    assert len(author["papers"]) == corpus.profiles[corpus.owner]
    assert corpus.institution.id in [i["id"] for i in author["institutions"]]
    counts = [c["count"] for c in author["coauthors"]]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 2
    for c in author["coauthors"]:
        shared = column(seeded, "MATCH (:Author {id: $a})-[:AUTHORED]->(p)<-[:AUTHORED]-(:Author {id: $b}) "
                                "RETURN p.id", a=corpus.owner_id, b=c["author"]["id"])
        assert sorted(p["id"] for p in c["papers"]) == sorted(shared) and c["count"] == len(shared)


def test_related_papers_give_true_reasons(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    pid = column(seeded, "MATCH (p:Paper {title: $t}) RETURN p.id", t=corpus.paper.title)[0]
    related = data(client, """query($id: ID!) { paper(id: $id) { related(first: 10) {
        score reasons { kind id name } paper { id } } } }""", id=pid)["paper"]["related"]
    assert related and all(r["paper"]["id"] != pid for r in related)
    scores = [r["score"] for r in related]
    assert scores == sorted(scores, reverse=True)
    rel = {"AUTHOR": "(a)<-[:AUTHORED]-(x:Author {id: $x})-[:AUTHORED]->(b)",
           "REPO": "(a)-[:HAS_CODE]->(x:Repo {id: $x})<-[:HAS_CODE]-(b)",
           "TOPIC": "(a)-[:HAS_TOPIC]->(x:Topic {id: $x})<-[:HAS_TOPIC]-(b)"}
    weights = {"REPO": 3, "AUTHOR": 2, "TOPIC": 1}
    for r in related:
        assert r["score"] == sum(weights[x["kind"]] for x in r["reasons"])
        for reason in r["reasons"]:
            assert column(seeded, f"MATCH (a:Paper {{id: $a}}), (b:Paper {{id: $b}}) "
                                  f"RETURN EXISTS {{ {rel[reason['kind']]} }}",
                          a=pid, b=r["paper"]["id"], x=reason["id"]) == [True]


def test_shared_repo_links(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    links = data(client, """{ sharedRepoLinks(first: 10) { totalCount
        edges { node { count repo { id } papers { id repos { id } } } } } }""")["sharedRepoLinks"]
    expected = column(seeded, "MATCH (r:Repo)<-[:HAS_CODE]-(p) WITH r, count(p) AS n WHERE n >= 2 RETURN r.id")
    assert links["totalCount"] == len(expected) == len(links["edges"]) >= 1
    for edge in links["edges"]:
        node = edge["node"]
        assert node["count"] == len(node["papers"]) >= 2
        assert all(node["repo"]["id"] in [r["id"] for r in p["repos"]] for p in node["papers"])
    query = "query($repo: String!) { sharedRepoLinks(repo: $repo) { totalCount edges { node { count } } } }"
    one = data(client, query, repo=corpus.shared_repo[0])["sharedRepoLinks"]
    assert one == {"totalCount": 1, "edges": [{"node": {"count": corpus.shared_repo[1]}}]}
    none = data(client, query, repo=corpus.model_repo[1])  # a repository only one paper links
    assert none["sharedRepoLinks"] == {"totalCount": 0, "edges": []}


def two_hop_pair(driver: neo4j.Driver, owner_id: str) -> tuple[str, str]:
    """Two co-authors of a profile's owner who never wrote together."""
    row = cypher(driver, """
        MATCH (o:Author {id: $o})-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(a:Author),
              (o)-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(b:Author)
        WHERE a.id < b.id AND NOT EXISTS { (a)-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(b) }
        RETURN a.name AS start, b.id AS end ORDER BY a.id, b.id LIMIT 1""", o=owner_id)[0]
    return row["start"], row["end"]


PATH = """query($from: String!, $to: String!, $hops: Int!) {
    coauthorPath(from: $from, to: $to, maxHops: $hops) { length authors { id name } papers { id } } }"""


def assert_joins(driver: neo4j.Driver, path: dict) -> None:
    """papers[i] was written by both authors[i] and authors[i+1]."""
    assert len(path["authors"]) == path["length"] + 1 == len(path["papers"]) + 1
    for i, paper in enumerate(path["papers"]):
        wrote = set(column(driver, "MATCH (a:Author)-[:AUTHORED]->(:Paper {id: $p}) RETURN a.id", p=paper["id"]))
        assert {path["authors"][i]["id"], path["authors"][i + 1]["id"]} <= wrote


def test_two_hop_coauthor_path_joins_on_shared_papers(client: TestClient, seeded: neo4j.Driver,
                                                      corpus: Corpus) -> None:
    start, end = two_hop_pair(seeded, corpus.owner_id)  # a name and an id: both are accepted
    path = data(client, PATH, **{"from": start, "to": end, "hops": 6})["coauthorPath"]
    assert path["length"] == 2
    assert path["authors"][0]["name"] == start and path["authors"][2]["id"] == end
    assert_joins(seeded, path)


def test_coauthor_path_is_null_beyond_max_hops(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    start, end = two_hop_pair(seeded, corpus.owner_id)
    answer = gql(client, PATH, **{"from": start, "to": end, "hops": 1})
    assert answer["data"] == {"coauthorPath": None} and "errors" not in answer
    owner, owner_id = corpus.owner, corpus.owner_id
    same = data(client, PATH, **{"from": owner, "to": owner_id, "hops": 1})["coauthorPath"]
    assert same == {"length": 0, "authors": [{"id": owner_id, "name": owner}], "papers": []}


def test_all_shortest_coauthor_paths(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    start, end = two_hop_pair(seeded, corpus.owner_id)
    paths = data(client, """query($from: String!, $to: String!) { coauthorPaths(from: $from, to: $to, first: 50) {
        length authors { id } papers { id } } }""", **{"from": start, "to": end})["coauthorPaths"]
    expected = column(seeded, """MATCH (a:Author {name: $a}), (b:Author {id: $b})
        MATCH p = allShortestPaths((a)-[:AUTHORED*..12]-(b)) RETURN count(p)""", a=start, b=end)[0]
    assert len(paths) == min(expected, 50) >= 1
    assert len({tuple(p["id"] for p in path["papers"]) for path in paths}) == len(paths)
    for path in paths:
        assert path["length"] == 2
        assert_joins(seeded, path)
    capped = data(client, """query($from: String!, $to: String!) {
        coauthorPaths(from: $from, to: $to, first: 1) { length } }""", **{"from": start, "to": end})
    assert len(capped["coauthorPaths"]) == 1


NESTED = """query($owner: String!, $n: Int!) { papers(author: $owner, first: $n) { edges { node {
    title authors(first: 3) { name papers(first: 2) { title topics { name } } }
    repos { fullName papers(first: 5) { id } } } } } }"""


@pytest.mark.parametrize("part", [3, 1], ids=["a-third", "all"])  # the newest third already links a repo
def test_each_level_is_one_cypher_round_trip(client: TestClient, corpus: Corpus, part: int) -> None:
    first = corpus.profiles[corpus.owner] // part
    answer = gql(client, NESTED, owner=corpus.owner_id, n=first)
    assert "errors" not in answer
    nodes = [e["node"] for e in answer["data"]["papers"]["edges"]]
    assert len(nodes) == first and sum(len(n["authors"]) for n in nodes) > first
    # resolve the author filter, the page, Paper.authors, Paper.repos, Author.papers, Repo.papers,
    # Paper.topics: 7 queries however many papers, authors and repos each level holds
    assert answer["extensions"]["cypherQueries"] == 7


def test_aliases_of_one_field_share_a_batch(client: TestClient, seeded: neo4j.Driver, corpus: Corpus) -> None:
    other = column(seeded, "MATCH (a:Author)-[:AUTHORED]->() WHERE a.id <> $o WITH a, count(*) AS n WHERE n >= 2 "
                           "RETURN a.id ORDER BY a.id LIMIT 1", o=corpus.owner_id)[0]
    answer = gql(client, """query($a: ID!, $b: ID!) { a: author(id: $a) { papers(first: 2) { id } }
        b: author(id: $b) { papers(first: 2) { id } }
        c: author(id: "a-nobody") { papers(first: 2) { id } } }""", a=corpus.owner_id, b=other)
    assert answer["data"]["c"] is None and len(answer["data"]["b"]["papers"]) == 2
    assert answer["extensions"]["cypherQueries"] == 1  # one compiled statement (api/compile.py) for all three


def test_kg_serve_answers_over_http(seeded: neo4j.Driver, neo4j_settings: Settings, corpus: Corpus) -> None:
    server = Server(neo4j_settings)
    try:
        with httpx.Client(timeout=30) as http:
            server.wait(http)
            answer = http.post(server.url, json={"query": "{ stats { pages } }"}).json()
            page = http.get(server.url, headers={"accept": "text/html"}).text
    finally:
        server.stop()
    assert answer["data"] == {"stats": {"pages": corpus.page_count}}
    assert "graphiql.min.js" in page and "unpkg" not in page


@pytest.mark.parametrize("corpus, query, expected", [pytest.param(c, q, a, id=f"{c}-{i}") for c in CORPORA
                                                      for i, (q, a) in enumerate(c.answers)],
                         indirect=["corpus"])
def test_known_answers(client: TestClient, corpus: Corpus, query: str, expected: dict) -> None:
    assert data(client, query) == expected


def test_kg_serve_without_a_database_fails_in_one_line() -> None:
    env = {**os.environ, "NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_PASSWORD": "x"}
    done = subprocess.run([sys.executable, "-m", "kg", "serve", "--port", "9"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot connect to Neo4j at bolt://127.0.0.1:9"), lines
