"""The front page at / and the SPARQL editor at /sparql, on a real server over a real Neo4j: HTML for a browser,
a JSON index or SPARQL results for other clients; and in headless Chromium every link of / answers 200 and
YASGUI runs an example of docs/sparql.md to rows."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import neo4j
import pytest
import uvicorn

from api import front, yasgui
from api.app import create_app
from api.ops.setup import serving
from kg.rdf.sparql_store import rebuild
from kg.server import BOLT_PORT_ENV, HOME_ENV, HTTP_PORT_ENV, Neo4jHome, ServerInfo, read_ports
from kg.store.connection import Settings
from tests.corpora import SYNTH, Corpus
from tests.test_graphiql_browser import WAIT_S, DevTools, browser, uvicorn_thread  # noqa: F401 (a fixture)

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def site(seeded: neo4j.Driver, neo4j_settings: Settings, local_server: ServerInfo, test_home: Neo4jHome,
         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`kg serve`'s app on loopback over the corpus, with a SPARQL store of its own (KG_HOME in tmp_path) and
    the tests' Neo4j ports (for Browser's link); its base URL."""
    bolt, http = read_ports(test_home)
    for name, value in ((HOME_ENV, str(tmp_path / "kg")), (BOLT_PORT_ENV, str(bolt)), (HTTP_PORT_ENV, str(http))):
        monkeypatch.setenv(name, value)
    rebuild(seeded, neo4j_settings.database)
    app = create_app(neo4j_settings)
    serving(app, "127.0.0.1")  # as `kg serve` does: /metrics is open on loopback
    with uvicorn_thread(app) as port:
        yield f"http://127.0.0.1:{port}"


def inline_hash(text: str, tag: str) -> str:
    [body] = re.findall(rf"<{tag}>(.*?)</{tag}>", text, re.S)
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)
def test_the_front_page_is_html_for_a_browser_and_json_otherwise(site: str, corpus: Corpus) -> None:
    page = httpx.get(site + "/", headers={"accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"<td>papers</td><td>{corpus.papers:,}</td>" in page.text
    for href in ('href="/graphql"', 'href="/sparql"', 'href="/guide"', 'href="/metrics"', "/browser/?dbms=",
                 'action="/path"', 'action="/search"', "<datalist id=author-names>"):
        assert href in page.text, href
    policy = page.headers["content-security-policy"]
    assert inline_hash(page.text, "script") in policy and inline_hash(page.text, "style") in policy
    assert "unsafe" not in policy and policy.startswith("default-src 'none'")
    for accept in ("application/json", None, "*/*"):
        index = httpx.get(site + "/", headers={"accept": accept} if accept else {})
        assert index.status_code == 200 and index.headers["content-type"] == "application/json", accept
        body = index.json()
        assert body["counts"]["papers"] == corpus.papers and body["counts"]["authors"] > 0
        assert body["links"]["sparql"]["href"] == "/sparql" and body["links"]["graphql"]["href"] == "/graphql"
        assert set(body["forms"]) == {"path", "search", "suggestAuthors"}


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)
def test_names_are_suggested_and_search_opens_graphiql(site: str, corpus: Corpus) -> None:
    prefix = corpus.owner[:3]
    names = httpx.get(site + front.SUGGEST_PATH, params={"prefix": prefix}).json()["names"]
    assert corpus.owner in names or len(names) == front.SUGGESTIONS
    assert names and all(name.startswith(prefix) for name in names)
    assert httpx.get(site + front.SUGGEST_PATH, params={"prefix": prefix.lower()}).json()["names"] == names
    found = httpx.get(site + front.SEARCH_PATH, params={"q": 'say "hi"'})
    assert found.status_code == 303 and found.headers["location"].startswith("/graphql?q=")
    assert 'papers(search: "say \\"hi\\""' in httpx.URL(found.headers["location"]).params["q"]


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)
def test_sparql_is_yasgui_for_a_browser_and_the_protocol_otherwise(site: str, corpus: Corpus) -> None:
    editor = httpx.get(site + "/sparql", headers={"accept": BROWSER_ACCEPT})
    assert editor.status_code == 200 and editor.headers["content-type"].startswith("text/html")
    assert f'/yasgui-assets/yasgui.min.js" integrity="sha384-{yasgui.ASSETS["yasgui.min.js"][2]}"' in editor.text
    assert "The most prolific authors" in editor.text  # docs/sparql.md's examples
    policy = editor.headers["content-security-policy"]
    assert f"script-src 'self' {inline_hash(editor.text, 'script')};" in policy and "unsafe-eval" not in policy
    assert httpx.get(site + "/yasgui-assets/yasgui.min.js").status_code == 200
    query = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }"
    for accept in ("application/sparql-results+json", "application/sparql-results+json,*/*;q=0.9", None):
        answer = httpx.get(site + "/sparql", params={"query": query}, headers={"accept": accept} if accept else {})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/sparql-results+json")
        assert answer.json()["results"]["bindings"][0]["n"]["value"] == str(corpus.papers)
    # a browser that sends a query gets its answer; a client without one still gets the protocol's 400
    asked = httpx.get(site + "/sparql", params={"query": query}, headers={"accept": BROWSER_ACCEPT})
    assert asked.status_code == 200 and "html" not in asked.headers["content-type"]
    for accept in ("application/sparql-results+json", "*/*", None):
        assert httpx.get(site + "/sparql", headers={"accept": accept} if accept else {}).status_code == 400


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)
def test_in_chromium_every_link_answers_and_yasgui_shows_rows(site: str, browser: DevTools,  # noqa: F811
                                                               corpus: Corpus, tmp_path: Path) -> None:
    browser.open(site + "/")
    browser.wait_for("document.querySelectorAll('a[href]').length > 5", "the front page's links")
    hrefs = browser.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
    assert any("/browser/" in href for href in hrefs) and f"{site}/sparql" in hrefs
    with httpx.Client(timeout=30, headers={"accept": BROWSER_ACCEPT}) as client:
        for href in hrefs:
            assert client.get(href).status_code == 200, href
    # the forms' names come as one types
    browser.evaluate("document.querySelector('input[name=from]').focus()")
    browser.call("Input.insertText", text=corpus.owner[:3])
    browser.wait_for("document.querySelectorAll('#author-names option').length > 0", "name suggestions")

    browser.open(site + "/sparql")
    browser.wait_for("!!document.querySelector('.yasqe_queryButton')", "YASGUI's run button")
    assert "The most prolific authors" in browser.evaluate("document.querySelector('.tabsList').innerText")
    browser.evaluate("document.querySelector('.yasqe_queryButton').click()")
    rows = browser.wait_for("document.querySelectorAll('.yasr table tbody tr').length", "result rows")
    shot = browser.call("Page.captureScreenshot", format="png")["data"]
    (tmp_path / "yasgui.png").write_bytes(base64.b64decode(shot))
    assert rows == 3  # the example's LIMIT 3
    text = browser.evaluate("document.querySelector('.yasr').innerText")
    assert "name" in text and "with_code" in text, json.dumps(text)


def test_yasgui_is_vendored_pinned_and_mit_licensed() -> None:
    assert sorted(p.name for p in yasgui.ASSET_DIR.iterdir()) == sorted([*yasgui.ASSETS, yasgui.LICENSE])
    assert yasgui.missing() == []
    package = json.loads((yasgui.ASSET_DIR / "yasgui.package.json").read_text())
    assert f"{package['name']}@{package['version']}" == yasgui.VERSION and package["license"] == "MIT"
    text = (yasgui.ASSET_DIR / yasgui.LICENSE).read_text()
    # the repository's LICENSE at the tag, which names no copyright holder: none is to be added here
    assert text.startswith("The MIT License (MIT)\n\nPermission is hereby granted") and "Copyright" not in text
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == "8f71659370c5268d"
    assert "cdn" not in yasgui.page("http://example.org/").lower()


def test_no_page_is_left_blank_by_the_csp_and_every_route_has_an_operation_id() -> None:
    import warnings

    app = create_app(Settings(uri="bolt://127.0.0.1:1", user="neo4j", password="unused"))
    paths = {getattr(route, "path", "") for route in app.routes}
    assert "/docs" not in paths and "/redoc" not in paths  # Swagger UI and ReDoc load from a CDN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = app.openapi()
    assert {op["operationId"] for op in schema["paths"]["/sparql"].values()} == {"sparql_get", "sparql_post"}
