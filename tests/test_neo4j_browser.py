"""Neo4j Browser in a real (headless) Chromium: the URL of `kg neo4j browser` opens the connect form filled in
and kg's guide; one password and one click connect; an APOC procedure then shows rows; and the next visit
connects with no click at all (Browser keeps the credentials)."""
from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.guide import CORS, examples, guide
from kg.graph.model import LABELS, RELATIONSHIPS
from kg.server import Neo4jHome, ServerInfo, read_ports
from kg.server.home import browser_connect_url
from kg.store.connection import Settings
from tests.test_graphiql_browser import WAIT_S, DevTools, browser, uvicorn_thread  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def guide_server(local_server: ServerInfo, neo4j_settings: Settings) -> Iterator[str]:
    """`kg serve`'s app on a loopback port, as http://localhost:<port> (the host Browser allows guides from)."""
    with uvicorn_thread(create_app(neo4j_settings)) as port:
        yield f"http://localhost:{port}"


def shot(browser: DevTools, path: Path) -> None:
    path.write_bytes(base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"]))


def text_of(browser: DevTools) -> str:
    return str(browser.evaluate("document.body.innerText"))


def wait_text(browser: DevTools, needle: str, what: str) -> None:
    browser.wait_for(f"document.body.innerText.includes({json.dumps(needle)})", what)


def run_in_editor(browser: DevTools, query: str) -> None:
    """Type a one-line query into Browser's editor and press Enter, as a person would."""
    browser.wait_for("!!document.querySelector('[data-testid=activeEditor] textarea')", "its editor")
    browser.evaluate("document.querySelector('[data-testid=activeEditor] textarea').focus()")
    browser.call("Input.insertText", text=query)
    for kind in ("keyDown", "keyUp"):
        browser.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter", windowsVirtualKeyCode=13)


def test_one_click_connects_and_apoc_shows_rows(browser: DevTools, local_server: ServerInfo,  # noqa: F811
                                                test_home: Neo4jHome, guide_server: str, tmp_path: Path) -> None:
    bolt, http = read_ports(test_home)
    url = browser_connect_url(http, bolt, f"{guide_server}/guide")
    browser.open(url)

    # the form comes filled in: URL, database and user; only the password is left
    browser.wait_for("!!document.querySelector('[data-testid=password]')", "the connect form")
    filled = browser.evaluate("['boltaddress', 'database', 'username'].map("
                              "id => document.querySelector(`[data-testid=${id}]`).value)")
    assert filled == [f"127.0.0.1:{bolt}", "neo4j", "neo4j"]
    # and kg's guide opens beside it, from kg serve
    wait_text(browser, "kg: research literature as a graph", "kg's guide")
    shown = text_of(browser)
    assert all(f":{label}" in shown for label in LABELS)

    browser.evaluate("document.querySelector('[data-testid=password]').focus()")
    browser.call("Input.insertText", text=local_server.password)
    browser.wait_for("document.querySelector('[data-testid=password]').value.length > 0", "the typed password")
    browser.evaluate("document.querySelector('[data-testid=connect]').click()")  # the one click
    wait_text(browser, "You are connected as user neo4j", "a connection")
    shot(browser, tmp_path / "browser-connected.png")

    run_in_editor(browser, "CALL apoc.help('algo') YIELD name RETURN name ORDER BY name")
    wait_text(browser, "apoc.algo.dijkstra", "APOC's rows")
    shot(browser, tmp_path / "browser-apoc.png")
    assert '"apoc.algo.aStar"' in text_of(browser)

    # a second visit, same browser profile: connected without typing anything
    browser.open(url)
    browser.wait_for("!!document.querySelector('[data-testid=activeEditor] textarea') && "
                     "!document.querySelector('[data-testid=disconnectedBanner]') && "
                     "document.body.innerText.includes('neo4j$')", "a connection with no click")
    assert not browser.evaluate("!!document.querySelector('[data-testid=password]')")
    run_in_editor(browser, "RETURN apoc.coll.sum([1, 2, 39]) AS answer")
    browser.wait_for("document.body.innerText.includes('42.0')", "a query run on the kept connection")
    shot(browser, tmp_path / "browser-again.png")


def test_the_guide_is_the_model_and_the_docs_queries(guide_server: str) -> None:
    page = httpx.get(f"{guide_server}/guide")
    assert page.status_code == 200 and page.headers["access-control-allow-origin"] == "*"
    assert page.text == guide()
    for rel in RELATIONSHIPS.values():
        assert f"[:<b>{rel.type}</b>]" in page.text
    cypher = examples((ROOT / "docs" / "cypher.md").read_text())
    apoc = examples((ROOT / "docs" / "neo4j.md").read_text(), after="## APOC")
    assert len(cypher) >= 5 and len(apoc) >= 4
    from html import escape
    for _, query in cypher + apoc:
        assert f'class="pre-scrollable code runnable">{escape(query)}</pre>' in page.text
    assert page.text.count("<slide ") == 2 + len(cypher) + len(apoc)
    preflight = httpx.options(f"{guide_server}/guide", headers={
        "Origin": "http://127.0.0.1:7474", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "cache-control,pragma,sentry-trace"})
    assert preflight.status_code == 204
    assert set(preflight.headers["access-control-allow-headers"].split(", ")) >= {"cache-control", "pragma",
                                                                                  "sentry-trace"}
    assert CORS["Access-Control-Allow-Origin"] == "*"


def test_kg_neo4j_browser_prints_the_url_and_the_password(local_server: ServerInfo, test_home: Neo4jHome,
                                                          local_server_env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "kg", "neo4j", "browser", "--guide", "http://localhost:9000/guide"],
                          env={**local_server_env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    bolt, http = read_ports(test_home)
    assert done.stdout == (f"http://127.0.0.1:{http}/browser/?dbms=bolt://neo4j@127.0.0.1:{bolt}&db=neo4j"
                           "&preselectAuthMethod=NATIVE&cmd=guide&arg=http://localhost:9000/guide\n")
    assert done.stderr.startswith(f"password: {local_server.password}  (paste it")
