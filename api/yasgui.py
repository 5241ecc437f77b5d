"""YASGUI, the SPARQL editor a browser gets at /sparql: @zazuko/yasgui's built files, vendored in
api/static/yasgui and pinned here by npm version and sha384 (as api/graphiql.py pins GraphiQL's), served from
/yasgui-assets. It opens on kg's own endpoint with the examples of docs/sparql.md, one tab each.

YASGUI is MIT-licensed: its package.json (vendored beside it, pinned) says so, and LICENSE.yasgui holds the
LICENSE of its repository at the release's tag, word for word (github.com/rdfjs/Yasgui at @zazuko/yasgui@4.6.2,
40555f43; the npm package ships none). Maintainers refresh the files with `python -m api.yasgui`.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

from api.guide import DOCS, examples
from api.vendor import Pins, Vendored
from kg.errors import KgError

ASSET_DIR = Path(__file__).resolve().parent / "static" / "yasgui"
ASSET_URL = "/yasgui-assets"
VERSION = "@zazuko/yasgui@4.6.2"
# file -> (npm package, path inside its tarball, sha384); the page loads the first two.
ASSETS: Pins = {
    "yasgui.min.css": (VERSION, "package/build/yasgui.min.css",
                       "XrXS+j7Q5QPO5/8oDm3teEl9OpxieOPoG+28Qw1GpFjZcEGvZw++uYGBsSy/E3df"),
    "yasgui.min.js": (VERSION, "package/build/yasgui.min.js",
                      "PHnh6NwOkxapuqrOSGWoU3gL5yzpM3UyH8b61pBZa2CGVBIx3zaMRua0OjVzxTE5"),
    "yasgui.package.json": (VERSION, "package/package.json",
                            "3yP8PaTM+oVV2vv7sb0aWGQqXsAmLFPab6jezJdoFTX9xBecN1odMP7uv/oPVL9O"),
}
PAGE_ASSETS = ["yasgui.min.css", "yasgui.min.js"]
LICENSE = "LICENSE.yasgui"
VENDORED = Vendored("YASGUI", ASSET_DIR, ASSET_URL, ASSETS)
STYLE = "body { margin: 0; font-family: system-ui, sans-serif; } .yasgui .autocompleteWrapper { width: 100%; }"

# The page's one inline script (its examples filled in); the Content-Security-Policy allows it by its hash.
SCRIPT = """
  const endpoint = new URL(window.location.pathname, window.location.href).href;  // this server's /sparql
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint, method: "POST" }, copyEndpointOnNewTab: true, persistenceId: null,
    autoAddOnInit: false, endpointCatalogueOptions: { getData: () => [{ endpoint }] },
  });
  EXAMPLES.forEach(([name, value], i) => yasgui.addTab(i === 0, { name, yasqe: { value }, requestConfig: { endpoint } }));
"""


def example_queries(prefixes: dict[str, str]) -> list[tuple[str, str]]:
    """docs/sparql.md's examples as (tab name, query), each declaring the prefixes it uses (the endpoint
    knows them; the editor checks a query's syntax without them)."""
    out = []
    for caption, query in examples((DOCS / "sparql.md").read_text(encoding="utf-8"), "## Examples", "sparql"):
        used = [f"PREFIX {name}: <{ns}>" for name, ns in prefixes.items()
                if re.search(rf"(?<![\w:]){re.escape(name)}:", query)]
        name = caption.rstrip(":").split(",")[0].strip() or "Example"
        out.append((name, "\n".join([*used, "", query]) if used else query))
    return out


@lru_cache(maxsize=4)
def script(base: str) -> str:
    """The inline script for the resources under `base` (their prefixes are in the examples)."""
    from kg.rdf.vocab import Iris

    found = example_queries(Iris(base).prefixes)
    # json.dumps escapes no "</": a query holding "</script>" would end the element early, so "<" is escaped
    data = json.dumps(found).replace("<", "\\u003c")
    return f"\n  const EXAMPLES = {data};" + SCRIPT


def csp(base: str) -> str:
    """The Content-Security-Policy of the editor: scripts from this server and the inline one only; queries
    to this server only. YASGUI sets style attributes and draws icons as data: URLs."""
    digest = base64.b64encode(hashlib.sha256(script(base).encode()).digest()).decode()
    return (f"default-src 'self'; script-src 'self' 'sha256-{digest}'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'")


def missing(directory: Path = ASSET_DIR) -> list[str]:
    """The files not in `directory` with their pinned hash."""
    return VENDORED.missing(directory)


def page(base: str, directory: Path = ASSET_DIR) -> str:
    """The editor's page, loading its assets from ASSET_URL; a notice if they are missing."""
    if gone := missing(directory):
        return (f"<!doctype html><title>kg SPARQL</title><p>YASGUI's files are missing ({', '.join(gone)}): "
                "reinstall kg, or run <code>python -m api.yasgui</code> from a checkout. Queries to this URL "
                "still work.")
    return f"""<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>kg SPARQL</title>
<style>{STYLE}</style>
{VENDORED.tags(PAGE_ASSETS)}
</head>
<body>
<div id="yasgui"></div>
<script>{script(base)}</script>
</body>
</html>
"""


if __name__ == "__main__":
    try:
        written = VENDORED.refresh()
    except KgError as exc:
        sys.exit(f"error: {exc}")
    print(f"YASGUI's files in {ASSET_DIR}: " + (f"wrote {', '.join(written)}" if written else "all match their pins"))
