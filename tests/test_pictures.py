"""Pictures: the HTML page of an author, a paper, a repository and a topic draws its neighbourhood, and /path
draws the co-author path with the paper joining each hop. Headless Chromium screenshots each page (PNGs in the
test's tmp folder) and reads what was drawn from the DOM: the SVG's node labels and where they link."""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from urllib.parse import quote

import httpx
import neo4j
import pytest

from api.pictures import CSP
from kg.rdf import picture
from kg.store.connection import Settings
from tests.corpora import SYNTH, Corpus
from tests.test_graphiql_browser import DevTools, browser, live_api  # noqa: F401 (fixtures)

DRAWN = """Array.from(document.querySelectorAll('svg.graph a')).map(a => ({
  href: a.getAttribute('href'), label: a.querySelector('text').textContent,
  title: a.querySelector('title').textContent}))"""
HOSTILE = '<script>alert(1)</script> & "quotes"'


def one(driver: neo4j.Driver, settings: Settings, query: str) -> dict:
    records, _, _ = driver.execute_query(query, database_=settings.database)
    assert records, query
    return records[0].data()


def look(browser: DevTools, url: str, png: Path) -> list[dict]:
    """Open `url`, wait for its picture, save a screenshot; the drawn nodes."""
    browser.open(url)
    browser.wait_for("document.querySelectorAll('svg.graph a').length > 0", f"a picture at {url}")
    png.write_bytes(base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"]))
    assert png.stat().st_size > 10_000
    drawn: list[dict] = browser.evaluate(DRAWN)
    return drawn


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)  # one corpus is enough for a browser
def test_each_kind_of_page_draws_its_neighbourhood(live_api: str, browser: DevTools, seeded: neo4j.Driver,  # noqa: F811
                                                   neo4j_settings: Settings, corpus: Corpus, tmp_path: Path) -> None:
    cases = {
        "author": one(seeded, neo4j_settings, f"MATCH (n:Author {{name: {json.dumps(corpus.owner)}}}) "
                      "RETURN n.id AS id, n.name AS name, COUNT { (n)--() } AS degree"),
        "paper": one(seeded, neo4j_settings, "MATCH (n:Paper)<-[:AUTHORED]-() WITH n, count(*) AS k "
                     "ORDER BY k DESC, n.id LIMIT 1 RETURN n.id AS id, n.title AS name, COUNT { (n)--() } AS degree"),
        "repo": one(seeded, neo4j_settings, "MATCH (n:Repo) RETURN n.id AS id, n.name AS name, "
                    "COUNT { (n)--() } AS degree ORDER BY n.id LIMIT 1"),
        "topic": one(seeded, neo4j_settings, "MATCH (n:Topic)<-[:HAS_TOPIC]-() WITH n, count(*) AS k ORDER BY k DESC, "
                     "n.id LIMIT 1 RETURN n.id AS id, n.name AS name, COUNT { (n)--() } AS degree"),
    }
    for kind, node in cases.items():
        url = f"{live_api}/resource/{kind}/{quote(node['id'], safe='')}?format=html"
        drawn = look(browser, url, tmp_path / f"{kind}.png")
        centre = next((d for d in drawn if d["title"] == f"{kind}: {node['name']}" and
                       d["href"].startswith(f"/resource/{kind}/")), None)
        assert centre is not None, (kind, node, drawn[:3])
        assert httpx.get(f"{live_api}{centre['href']}", headers={"accept": "text/html"}).text.count(
            f"<h1>{html.escape(node['name'])}</h1>") == 1
        others = [d for d in drawn if d is not centre]
        assert len(others) == min(node["degree"], picture.MAX_NEIGHBOURS)
        assert all(d["href"].startswith("/resource/") for d in others)
        # every node links to a page that exists
        for d in others[:3]:
            assert httpx.get(f"{live_api}{d['href']}?format=html").status_code == 200


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)
def test_path_draws_the_coauthor_path_with_its_papers(live_api: str, browser: DevTools, seeded: neo4j.Driver,  # noqa: F811
                                                      neo4j_settings: Settings, corpus: Corpus, tmp_path: Path) -> None:
    far = one(seeded, neo4j_settings, f"""
        MATCH (a:Author {{name: {json.dumps(corpus.owner)}}}), (b:Author) WHERE a <> b
        MATCH p = shortestPath((a)-[:AUTHORED*..12]-(b))
        WITH a, b, p ORDER BY length(p) DESC, b.id LIMIT 1
        RETURN a.id AS a, b.id AS b, b.name AS name, length(p) / 2 AS hops""")
    assert far["hops"] >= 2
    drawn = look(browser, f"{live_api}/path?from={quote(corpus.owner)}&to={quote(far['name'])}", tmp_path / "path.png")
    authors = [d for d in drawn if d["href"].startswith("/resource/author/")]
    papers = [d for d in drawn if d["href"].startswith("/resource/paper/")]
    assert len(authors) == far["hops"] + 1 and len(papers) == far["hops"]
    assert authors[0]["title"] == f"author: {corpus.owner}" and authors[-1]["title"] == f"author: {far['name']}"
    # each drawn paper is one both authors beside it wrote
    ids = [d["href"].rsplit("/", 1)[1] for d in drawn]
    author_ids, paper_ids = ids[len(papers):], ids[:len(papers)]
    for i, paper in enumerate(paper_ids):
        record = one(seeded, neo4j_settings, f"MATCH (x:Author {{id: {json.dumps(author_ids[i])}}})-[:AUTHORED]->"
                     f"(p:Paper {{id: {json.dumps(paper)}}})<-[:AUTHORED]-(y:Author {{id: {json.dumps(author_ids[i + 1])}}}) "
                     "RETURN count(*) AS n")
        assert record["n"] == 1
    assert f"{far['hops']} hops." in browser.evaluate("document.body.innerText")


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)
def test_path_answers_unknown_authors_and_no_path_plainly(live_api: str, seeded: neo4j.Driver,
                                                          corpus: Corpus) -> None:
    unknown = httpx.get(f"{live_api}/path", params={"from": corpus.owner, "to": "Nobody Atall"})
    assert unknown.status_code == 404 and "Nobody Atall" in unknown.text
    same = httpx.get(f"{live_api}/path", params={"from": corpus.owner, "to": corpus.owner})
    assert same.status_code == 200 and "0 hops." in same.text
    assert same.headers["content-security-policy"] == CSP and "script-src" not in CSP
    bad = httpx.get(f"{live_api}/path", params={"from": corpus.owner, "to": corpus.owner, "maxHops": 99})
    assert bad.status_code == 422
    missing = httpx.get(f"{live_api}/path", params={"from": corpus.owner})
    assert missing.status_code == 422


def test_hostile_names_stay_text() -> None:
    node = picture.Node('/resource/paper/x"onmouseover="alert(1)', HOSTILE, "paper")
    for svg in (picture.neighbourhood(node, [("AUTHORED", node)]), picture.path([node, node], [node])):
        assert "<script" not in svg and 'x"onmouseover' not in svg
        assert "&lt;script&gt;" in svg and "&quot;onmouseover=&quot;" in svg


def test_a_large_neighbourhood_is_capped_and_says_so() -> None:
    centre = picture.Node("/resource/topic/t", "t", "topic")
    many = [("HAS_TOPIC", picture.Node(f"/resource/paper/p{i}", f"paper {i}", "paper")) for i in range(100)]
    svg = picture.neighbourhood(centre, many)
    assert svg.count("<a href=") == picture.MAX_NEIGHBOURS + 1
    assert f"and {100 - picture.MAX_NEIGHBOURS} more" in svg and "HAS_TOPIC: 100" in svg
