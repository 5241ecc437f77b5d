"""GraphiQL inside the package: its files are vendored in api/static/graphiql (with their licenses), pinned
here by npm version and sha384 (the hash an `integrity` attribute checks), and served from /graphiql-assets.

`kg serve` needs neither npm nor a network. Maintainers refresh the files with `python -m api.graphiql`
(`npm pack` of the pinned versions, each file checked against its pin before it is written).
"""
from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

from api.vendor import Pins, Vendored
from api.vendor import sri as sri  # tests and maintainers check a file against its pin with it
from kg.errors import KgError

ASSET_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
ASSET_URL = "/graphiql-assets"
PATH = "/graphql"  # GraphQL's route, where a browser gets GraphiQL
# file -> (npm package, path inside its tarball, sha384); the page loads the first four, in this order.
ASSETS: Pins = {
    "react.production.min.js": ("react@18.2.0", "package/umd/react.production.min.js",
                                "tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"),
    "react-dom.production.min.js": ("react-dom@18.2.0", "package/umd/react-dom.production.min.js",
                                    "bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"),
    "graphiql.min.js": ("graphiql@3.8.3", "package/graphiql.min.js",
                        "HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"),
    "graphiql.min.css": ("graphiql@3.8.3", "package/graphiql.min.css",
                         "Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"),
    "LICENSE.react": ("react@18.2.0", "package/LICENSE",
                      "dIN5gxuW3odCH42AKpxql36fRQlrVsjCi4EJgGC2Ty8Ihkcq9cdrChEZpKhSAfks"),
    "LICENSE.react-dom": ("react-dom@18.2.0", "package/LICENSE",
                          "dIN5gxuW3odCH42AKpxql36fRQlrVsjCi4EJgGC2Ty8Ihkcq9cdrChEZpKhSAfks"),
    "LICENSE.graphiql": ("graphiql@3.8.3", "package/LICENSE",
                         "9JPX1agGTIUB7wtQt2kO3PUO7clmCJp+9e50VMjw1yd8briI77AZnMDBz5VcerBH"),
}
PAGE_ASSETS = [name for name in ASSETS if not name.startswith("LICENSE")]
VENDORED = Vendored("GraphiQL", ASSET_DIR, ASSET_URL, ASSETS)
EXAMPLE_QUERY = """# kg: papers, authors, repositories and topics. Run with Ctrl-Enter.
{
  stats { papers authors repos topics }
  papers(search: "self-supervised", first: 3) {
    totalCount
    edges { node { title year authors(first: 3) { name } repos { fullName } } }
  }
}
"""

# The page's one inline script; the Content-Security-Policy allows it by its hash.
SCRIPT = ("""
  const url = window.location.href.split("?")[0];
  const query = new URLSearchParams(window.location.search).get("q");  // ?query= runs a GET query
  const fetcher = GraphiQL.createFetcher({ url });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, { fetcher, defaultQuery: """
          + json.dumps(EXAMPLE_QUERY) + """, query: query || undefined }));
""")


def csp() -> str:
    """The Content-Security-Policy of the GraphiQL page: scripts from this server and the inline one only.

    GraphiQL sets style attributes as it renders, so styles may be inline.
    """
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    return (f"default-src 'self'; script-src 'self' 'sha256-{digest}'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


def missing(directory: Path = ASSET_DIR) -> list[str]:
    """The files not in `directory` with their pinned hash."""
    return VENDORED.missing(directory)


def refresh(directory: Path = ASSET_DIR) -> list[str]:
    """Maintainers: `npm pack` the pinned packages and write every file that is missing or differs; their names."""
    return VENDORED.refresh(directory)


def page(directory: Path = ASSET_DIR) -> str:
    """The GraphiQL page for /graphql, loading its assets from ASSET_URL; a notice if they are missing."""
    if gone := missing(directory):
        return (f"<!doctype html><title>kg GraphQL</title><p>GraphiQL's files are missing ({', '.join(gone)}): "
                "reinstall kg, or run <code>python -m api.graphiql</code> from a checkout. POST queries to this URL still work.")
    tags = VENDORED.tags(PAGE_ASSETS)
    return f"""<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>kg GraphQL</title>
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
{tags}
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script>{SCRIPT}</script>
</body>
</html>
"""


if __name__ == "__main__":
    try:
        written = refresh()
    except KgError as exc:
        sys.exit(f"error: {exc}")
    print(f"GraphiQL's files in {ASSET_DIR}: " + (f"wrote {', '.join(written)}" if written else "all match their pins"))
