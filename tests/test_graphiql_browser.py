"""GraphiQL in a real browser: Debian's headless Chromium opens /graphql, runs a query and shows data.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe), so no driver or
extra package is needed; it fails, never skips, when Chromium or GraphiQL's assets are missing.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import neo4j
import pytest
import uvicorn

from api import graphiql
from api.app import create_app
from kg.store.connection import Settings
from tests.corpora import SYNTH, Corpus

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                  "--window-size=1400,900", "--remote-debugging-pipe")
QUERY = '{{ author(name: "{owner}") {{ name papers(first: 1) {{ title }} }} }}'
WAIT_S = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_api(seeded: neo4j.Driver, neo4j_settings: Settings) -> Iterator[str]:
    """The real app under uvicorn on a loopback port, serving the graph of a corpus; its base URL."""
    assert not graphiql.missing(), "GraphiQL's vendored files are missing or altered"
    with uvicorn_thread(create_app(neo4j_settings)) as port:
        yield f"http://127.0.0.1:{port}"


@contextmanager
def uvicorn_thread(app: Any) -> Iterator[int]:
    """`app` under uvicorn in a thread on a free loopback port, until the block ends; the port."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the API server did not start", pytrace=False)
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


def _high_fd(fd: int) -> int:
    """`fd` moved above the numbers Chromium's pipe uses (3 and 4)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class DevTools:
    """A headless Chromium and a DevTools-protocol session over its pipe (fd 3 in, fd 4 out)."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_browser_r, self._to_browser = map(_high_fd, os.pipe())
        self._from_browser, from_browser_w = map(_high_fd, os.pipe())

        def wire() -> None:
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.proc = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     preexec_fn=wire, close_fds=False, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None

    def close(self) -> None:
        """Stop the browser."""
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)

    def call(self, method: str, **params: Any) -> dict:
        """Send one command (to the attached page once there is one) and return its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + WAIT_S
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise AssertionError(f"DevTools {method}: {reply['error']}")
                return reply["result"]

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise AssertionError("Chromium did not answer over the DevTools pipe in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise AssertionError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def open(self, url: str) -> None:
        """Open `url` in a new tab and attach to it."""
        target = self.call("Target.createTarget", url=url)["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, expression: str, what: str) -> Any:
        """Poll `expression` until it is truthy; fail naming `what` after WAIT_S."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if value := self.evaluate(expression):
                return value
            time.sleep(0.2)
        raise AssertionError(f"GraphiQL never showed {what}; page text: {self.evaluate('document.body.innerText')!r}")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    """Debian's Chromium, headless, with a fresh profile."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("Chromium is not installed: apt-get install -y chromium", pytrace=False)
    tools = DevTools(binary, tmp_path / "profile")
    yield tools
    tools.close()


@pytest.mark.parametrize("corpus", [SYNTH], ids=str, indirect=True)  # one corpus is enough for a browser
def test_graphiql_runs_a_query_and_shows_data(live_api: str, browser: DevTools, corpus: Corpus,
                                              tmp_path: Path) -> None:
    browser.open(f"{live_api}/graphql?q={quote(QUERY.format(owner=corpus.owner))}")
    browser.wait_for("!!document.querySelector('.graphiql-execute-button')", "its run button")
    browser.evaluate("document.querySelector('.graphiql-execute-button').click()")
    shown = browser.wait_for(
        "(() => { const r = document.querySelector('.result-window');"
        " return r && r.innerText.includes('papers') ? r.innerText : ''; })()", "a result")
    shot = browser.call("Page.captureScreenshot", format="png")["data"]
    (tmp_path / "graphiql.png").write_bytes(base64.b64decode(shot))
    assert f'"name": "{corpus.owner}"' in shown
    assert '"title":' in shown
    assert '"errors"' not in shown
