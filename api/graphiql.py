"""GraphiQL inside the package: its files are vendored in api/static/graphiql (with their licenses), pinned
here by npm version and sha384 (the hash an `integrity` attribute checks), and served from /graphiql-assets.

`kg serve` needs neither npm nor a network. Maintainers refresh the files with `python -m api.graphiql`
(`npm pack` of the pinned versions, each file checked against its pin before it is written).
"""
from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from kg.errors import KgError

ASSET_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
ASSET_URL = "/graphiql-assets"
NPM_TIMEOUT_S = 300
# file -> (npm package, path inside its tarball, sha384); the page loads the first four, in this order.
ASSETS = {
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
EXAMPLE_QUERY = """# kg: papers, authors, repositories and topics. Run with Ctrl-Enter.
{
  stats { papers authors repos topics }
  papers(search: "self-supervised", first: 3) {
    totalCount
    edges { node { title year authors(first: 3) { name } repos { fullName } } }
  }
}
"""


def sri(data: bytes) -> str:
    """The base64 sha384 digest of `data`, as in an `integrity` attribute."""
    return base64.b64encode(hashlib.sha384(data).digest()).decode()


def missing(directory: Path = ASSET_DIR) -> list[str]:
    """The files not in `directory` with their pinned hash."""
    return [name for name, (_, _, digest) in ASSETS.items()
            if not (directory / name).is_file() or sri((directory / name).read_bytes()) != digest]


def refresh(directory: Path = ASSET_DIR) -> list[str]:
    """Maintainers: `npm pack` the pinned packages and write every file that is missing or differs; their names."""
    names = missing(directory)
    if names:
        directory.mkdir(parents=True, exist_ok=True)
        _fetch_into(directory, names, sorted({ASSETS[n][0] for n in names}))
    return names


def _fetch_into(directory: Path, names: list[str], packages: list[str]) -> None:
    """`npm pack` `packages` into a temporary folder and write the files `names` from them."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            done = subprocess.run(["npm", "pack", "--silent", "--pack-destination", tmp, *packages],
                                  capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise KgError(f"cannot fetch GraphiQL with npm ({exc}); install Node.js/npm") from None
        if done.returncode != 0:
            raise KgError(f"npm pack {' '.join(packages)} failed: {done.stderr.strip()[-300:]}")
        tarballs = {p.name: p for p in Path(tmp).glob("*.tgz")}
        for name in names:
            package, member, digest = ASSETS[name]
            base, _, version = package.rpartition("@")
            with tarfile.open(tarballs[f"{base}-{version}.tgz"]) as tar:
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if sri(data) != digest:
                raise KgError(f"{package}/{member} from npm has sha384 {sri(data)}, not the pinned {digest}: "
                              "pin the new hash in api/graphiql.py if the version changed on purpose")
            (directory / name).write_bytes(data)


def page(directory: Path = ASSET_DIR) -> str:
    """The GraphiQL page for /graphql, loading its assets from ASSET_URL; a notice if they are missing."""
    if gone := missing(directory):
        return (f"<!doctype html><title>kg GraphQL</title><p>GraphiQL's files are missing ({', '.join(gone)}): "
                "reinstall kg, or run <code>python -m api.graphiql</code> from a checkout. POST queries to this URL still work.")
    tags = "\n".join(
        f'<link rel="stylesheet" href="{ASSET_URL}/{name}" integrity="sha384-{digest}">' if name.endswith(".css")
        else f'<script src="{ASSET_URL}/{name}" integrity="sha384-{digest}"></script>'
        for name, digest in ((n, ASSETS[n][2]) for n in PAGE_ASSETS))
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
<script>
  const url = window.location.href.split("?")[0];
  const query = new URLSearchParams(window.location.search).get("q");  // ?query= runs a GET query
  const fetcher = GraphiQL.createFetcher({{ url }});
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {{ fetcher, defaultQuery: {json.dumps(EXAMPLE_QUERY)}, query: query || undefined }}));
</script>
</body>
</html>
"""


if __name__ == "__main__":
    try:
        written = refresh()
    except KgError as exc:
        sys.exit(f"error: {exc}")
    print(f"GraphiQL's files in {ASSET_DIR}: " + (f"wrote {', '.join(written)}" if written else "all match their pins"))
