"""Every example in README.md and docs/*.md runs against the real system, so a doc that drifts fails.

The corpus is the sample `make demo` loads when ../shared/seeds is absent: `kg synth --papers 300 --seed 1`,
written under .kg/docs/.kg/sample and loaded with `kg ingest .kg/sample/pages` from .kg/docs (the folder
every command of the docs runs in), so a clone without ../shared checks every example. docs/model.md is
written by kg/graph/doc.py and checked by tests/test_model.py; it is not read here.

Conventions (docs/testing.md says the same for writers):

- ```cypher, then a plain ``` block: the query runs on the graph; the output is a header line of the
  column names, then one line per row, values joined by " | " (strings bare at the top level, quoted
  inside lists, `null` for null).
- ```graphql, then a ```json block: the query is posted to the real app (`create_app`) and the answer
  (data, errors, extensions) compared as parsed JSON, exactly, except that a list whose last element is
  the string "…" stands for a list that starts with the elements before it and has at least one more.
- ```sparql, then a plain ``` block: the query is posted to /sparql of the docs' own `kg serve` (which
  declares the export's prefixes: schema:, kg:, paper:, author:, ...); the output is a header line of the
  variable names, then the rows, values joined by " | ".
- ```python, then a plain ``` block: the code runs with `python -` in the docs folder; the output is what
  it prints (stdout and stderr).
- ```console: lines starting with "$ " are commands (a trailing "\\" continues one on the next line) and
  the lines up to the next command are its output (stdout and stderr). Each command runs in bash in the
  docs folder with the tests' Neo4j in NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD, `kg` being this checkout's
  `python -m kg`, and `curl` sent to a `kg serve` of its own (localhost:8000 in the doc).
- ```turtle: every triple in it, under the export's prefixes, is in the export of the graph.
- In text output (cypher, sparql, python, console) "…" in a line matches any text within that line, and a
  line that is only "…" matches any number of lines: for timings, paths and long answers.
- `<!-- not run: reason -->` on the line before a block exempts it (and its output block). Any other
  block is an error: an example with no output, or a block of a kind no rule checks, fails the test.

`python -m tests.test_docs --write` runs this test and rewrites every expected output that no longer
matches with the real one (a matching one, placeholders and all, is left as it is); read the diff after.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import neo4j
import pyoxigraph
import pytest
import typer.main
from fastapi.testclient import TestClient
from typer.core import TyperGroup

from api.app import create_app
from kg.bench.api import Server
from kg.cli.main import app as kg_app
from kg.ingest.pages import expand, snapshot_id
from kg.rdf.export import FORMATS, triple_batches, write
from kg.rdf.source import Filters
from kg.rdf.vocab import Iris
from kg.settings import Settings as EnvSettings
from kg.store.connection import Settings
from kg.store.schema import wipe_graph
from kg.synth.corpus import synthesize

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "model.md")]
HOME = ROOT / ".kg" / "docs"  # the folder the docs' commands run in
SAMPLE = {"papers": 300, "seed": 1}  # what `make demo` loads without ../shared/seeds
SAMPLE_DIR = Path(".kg/sample")  # under HOME, as under the checkout for `make demo`
WRITE_ENV = "KG_DOCS_WRITE"

# The example kinds that need an output block right after them, and that block's info string.
OUTPUT_OF = {"cypher": "", "graphql": "json", "sparql": "", "python": ""}
FENCE = re.compile(r"^```(\S*)\s*$")
NOT_RUN = re.compile(r"^<!-- not run: (\S.*?) -->$")
ELLIPSIS = "…"


# ---------------------------------------------------------------- reading the markdown

@dataclass
class Block:
    """A fenced block: its info string, its lines, and where it stands in the file (0-based lines)."""

    info: str
    start: int  # the opening fence
    end: int  # the closing fence
    lines: list[str]
    not_run: str | None  # the reason of a `<!-- not run: ... -->` just before it


def blocks(text: str) -> Iterator[Block]:
    """The fenced blocks of a markdown text, in order."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == "```"), None)
        assert end is not None, f"line {i + 1}: a fenced block that is never closed"
        before = next((line.strip() for line in reversed(lines[:i]) if line.strip()), "")
        marker = NOT_RUN.match(before)
        yield Block(opening[1], i, end, lines[i + 1:end], marker[1] if marker else None)
        i = end + 1


@dataclass
class Example:
    """One example and its expected output (an output block, or the console block itself)."""

    block: Block
    output: Block | None = None


@dataclass
class Doc:
    """A markdown file's examples, its blocks that are exempt, and the blocks no rule checks."""

    path: Path
    examples: list[Example] = field(default_factory=list)
    not_run: list[tuple[Block, str]] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)


def read_doc(path: Path) -> Doc:
    """Pair each example with its output; what is neither an example nor exempt is `unchecked`."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    found = list(blocks(text))
    doc = Doc(path)

    def output_after(i: int) -> Block | None:
        block = found[i]
        if i + 1 < len(found) and found[i + 1].info == OUTPUT_OF[block.info] and found[i + 1].not_run is None:
            between = lines[block.end + 1:found[i + 1].start]
            if all(not line.strip() for line in between):
                return found[i + 1]
        return None

    i = 0
    while i < len(found):
        block = found[i]
        output = output_after(i) if block.info in OUTPUT_OF else None
        if block.not_run is not None:
            doc.not_run.append((block, block.not_run))
        elif block.info in OUTPUT_OF:
            if output is None:
                want = f"```{OUTPUT_OF[block.info]}" if OUTPUT_OF[block.info] else "a plain ```"
                doc.unchecked.append(f"line {block.start + 1}: a ```{block.info} example with no expected "
                                     f"output: add {want} block right after it")
            else:
                doc.examples.append(Example(block, output))
        elif block.info in ("console", "turtle"):
            doc.examples.append(Example(block))
        else:
            doc.unchecked.append(f"line {block.start + 1}: a ```{block.info} block no test checks: make it an "
                                 f"example with its output, or put `<!-- not run: why -->` before it")
        i += 2 if output is not None else 1
    return doc


# ---------------------------------------------------------------- comparing

def text_matches(expected: list[str], actual: list[str]) -> bool:
    """`actual` lines against `expected` ones, where "…" matches any text in a line, or lines when alone."""
    pattern = "".join(r"(?:.*\n)*?" if line.strip() == ELLIPSIS
                      else re.escape(line.rstrip()).replace(ELLIPSIS, ".*?") + r"\n" for line in expected)
    return re.fullmatch(pattern, "".join(line.rstrip() + "\n" for line in actual)) is not None


def json_matches(expected: Any, actual: Any) -> bool:
    """Equal JSON, except that a list ending in "…" matches a longer list starting with the same elements."""
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        if expected and expected[-1] == ELLIPSIS:
            head = expected[:-1]
            return len(actual) > len(head) and all(map(json_matches, head, actual))
        return len(actual) == len(expected) and all(map(json_matches, expected, actual))
    if isinstance(expected, dict):
        return (isinstance(actual, dict) and expected.keys() == actual.keys()
                and all(json_matches(expected[k], actual[k]) for k in expected))
    return type(expected) is type(actual) and expected == actual


def cell(value: Any, top: bool = True) -> str:
    """A Cypher value as the docs print it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if top else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(cell(v, False) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {cell(v, False)}" for k, v in value.items()) + "}"
    return str(value)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [" | ".join(header), *(" | ".join(row) for row in rows)]


# ---------------------------------------------------------------- the system the examples run on

def kg_env(conf: Settings) -> dict[str, str]:
    """The environment of the docs' commands: this checkout's kg on the tests' Neo4j, no other KG_ setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "KG_"))}
    env.update(NEO4J_URI=conf.uri, NEO4J_USER=conf.user or "neo4j", NEO4J_PASSWORD=conf.password,
               NEO4J_DATABASE=conf.database, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", COLUMNS="80",
               KG_DOCS_PYTHON=sys.executable, KG_HOME=str(HOME / ".kg"))  # the docs' own SPARQL store
    return env


SAMPLE_STATE = "MATCH (g:Snapshot) WITH collect(g.id) AS pages RETURN pages, COUNT { MATCH (:Paper) } AS papers"


@pytest.fixture(scope="session")
def docs_home() -> Path:
    """The docs' folder, holding the sample under .kg/sample (the same bytes every time)."""
    synthesize(HOME / SAMPLE_DIR, SAMPLE["papers"], SAMPLE["seed"], 2, force=True)
    return HOME


@pytest.fixture
def docs_graph(docs_home: Path, neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> neo4j.Driver:
    """The tests' Neo4j holding exactly the sample, loaded as the docs load it (reloaded if it is not)."""
    files = list(expand([docs_home / SAMPLE_DIR / "pages"]))
    records, _, _ = neo4j_driver.execute_query(SAMPLE_STATE, database_=neo4j_settings.database)
    if sorted(records[0]["pages"]) != sorted({snapshot_id(f.read_bytes()) for f in files}) or records[0]["papers"] != SAMPLE["papers"]:
        wipe_graph(neo4j_driver, neo4j_settings.database)
        done = subprocess.run([sys.executable, "-m", "kg", "ingest", str(SAMPLE_DIR / "pages")], cwd=docs_home,
                              env=kg_env(neo4j_settings), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    return neo4j_driver


BASE_IRI = EnvSettings.model_fields["base_iri"].default  # what the docs show: KG_BASE_IRI unset
IRIS = Iris(BASE_IRI)


@pytest.fixture
def rdf_store(docs_graph: neo4j.Driver, neo4j_settings: Settings) -> pyoxigraph.Store:
    """The N-Triples export of the docs' graph, in pyoxigraph."""
    buffer = io.BytesIO()
    scope = Filters().resolve(docs_graph, neo4j_settings.database)
    write(triple_batches(docs_graph, neo4j_settings.database, IRIS, scope), buffer, FORMATS["nt"], IRIS)
    store = pyoxigraph.Store()
    store.load(buffer.getvalue(), FORMATS["nt"].rdf)
    return store


@pytest.fixture(scope="session")
def api_server(neo4j_settings: Settings) -> Iterator[Server]:
    """`kg serve` on a free port, for the docs' curl commands."""
    import httpx

    server = Server(neo4j_settings, {"KG_HOME": str(HOME / ".kg")})
    try:
        with httpx.Client(timeout=30) as client:
            server.wait(client)
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- running each kind of example

Run = Callable[[Example, pytest.FixtureRequest], list[tuple[int, int, list[str], Any, bool]]]
# A run gives, per checked output: its first and past-the-end line in the file, its expected lines,
# the real output (lines, or JSON), and whether they match.


def run_cypher(example: Example, request: pytest.FixtureRequest) -> list:
    graph: neo4j.Driver = request.getfixturevalue("docs_graph")
    database = request.getfixturevalue("neo4j_settings").database
    records, _, _ = graph.execute_query("\n".join(example.block.lines), database_=database)
    keys = list(records[0].keys()) if records else []
    return [text_result(example.output, table(keys, [[cell(r[k]) for k in keys] for r in records]))]


def run_graphql(example: Example, request: pytest.FixtureRequest) -> list:
    request.getfixturevalue("docs_graph")
    client: TestClient = request.getfixturevalue("docs_client")
    response = client.post("/graphql", json={"query": "\n".join(example.block.lines)})
    actual = response.json()
    assert example.output is not None
    expected = json.loads("\n".join(example.output.lines))
    return [(example.output.start + 1, example.output.end, example.output.lines, actual,
             json_matches(expected, actual))]


def run_sparql(example: Example, request: pytest.FixtureRequest) -> list:
    import httpx

    request.getfixturevalue("docs_graph")
    server: Server = request.getfixturevalue("api_server")
    response = httpx.post(f"http://127.0.0.1:{server.port}/sparql", content="\n".join(example.block.lines),
                          headers={"content-type": "application/sparql-query",
                                   "accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text
    answer = response.json()
    names = answer["head"]["vars"]
    rows = [[b[n]["value"] if n in b else "" for n in names] for b in answer["results"]["bindings"]]
    return [text_result(example.output, table(names, rows))]


def run_python(example: Example, request: pytest.FixtureRequest) -> list:
    request.getfixturevalue("docs_graph")
    done = subprocess.run([sys.executable, "-"], input="\n".join(example.block.lines), cwd=HOME,
                          env=kg_env(request.getfixturevalue("neo4j_settings")), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    return [text_result(example.output, done.stdout.splitlines())]


# `kg` is this checkout's kg, and curl goes to the docs' own `kg serve` where the docs say localhost:8000.
SHELL_PRELUDE = """
kg() { "$KG_DOCS_PYTHON" -m kg "$@"; }
curl() {
  local args=("${@//localhost:8000/127.0.0.1:$KG_DOCS_PORT}")
  command curl "${args[@]//127.0.0.1:8000/127.0.0.1:$KG_DOCS_PORT}"
}
"""


def console_commands(block: Block) -> Iterator[tuple[str, int, int]]:
    """Each command of a console block, with the block-relative lines of its output [first, past-the-end)."""
    lines = block.lines
    assert lines and lines[0].startswith("$ "), f"line {block.start + 2}: a console block starts with a `$ ` line"
    i = 0
    while i < len(lines):
        command = lines[i][2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command += "\n" + lines[i]  # the shell joins a backslash-newline itself
        first = i = i + 1
        while i < len(lines) and not lines[i].startswith("$ "):
            i += 1
        yield command, first, i


def run_console(example: Example, request: pytest.FixtureRequest) -> list:
    request.getfixturevalue("docs_graph")
    env = kg_env(request.getfixturevalue("neo4j_settings"))
    results = []
    for command, first, past in console_commands(example.block):
        if "curl" in command:
            env["KG_DOCS_PORT"] = str(request.getfixturevalue("api_server").port)
        done = subprocess.run(["bash", "-c", SHELL_PRELUDE + command], cwd=HOME, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=300)
        start = example.block.start + 1
        expected = example.block.lines[first:past]
        actual = done.stdout.splitlines()
        results.append((start + first, start + past, expected, actual, text_matches(expected, actual)))
    return results


def run_turtle(example: Example, request: pytest.FixtureRequest) -> list:
    store: pyoxigraph.Store = request.getfixturevalue("rdf_store")
    prefixes = "".join(f"@prefix {name}: <{ns}> .\n" for name, ns in IRIS.prefixes.items())
    shown = pyoxigraph.Store()
    shown.load((prefixes + "\n".join(example.block.lines)).encode(), pyoxigraph.RdfFormat.TURTLE)
    missing = [f"not in the export: {quad.triple}" for quad in shown if quad not in store]
    if len(shown) == 0:
        missing.append("no triples: a turtle block shows some of the export")
    return [(example.block.start + 1, example.block.end, example.block.lines, missing, not missing)]


def text_result(output: Block | None, actual: list[str]) -> tuple:
    assert output is not None
    return output.start + 1, output.end, output.lines, actual, text_matches(output.lines, actual)


RUNS: dict[str, Run] = {"cypher": run_cypher, "graphql": run_graphql, "sparql": run_sparql,
                        "python": run_python, "console": run_console, "turtle": run_turtle}


@pytest.fixture(scope="session")
def docs_client(neo4j_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(neo4j_settings)) as client:
        yield client


def rendered(actual: list[str] | Any) -> list[str]:
    """A real output as the lines of its block."""
    if isinstance(actual, list) and all(isinstance(line, str) for line in actual):
        return actual
    return compact_json(actual).split("\n")


def compact_json(value: Any, indent: str = "", width: int = 100) -> str:
    """JSON with each list or object on one line where it fits in `width`, else one item a line."""
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if len(indent) + len(flat) <= width or not isinstance(value, (list, dict)) or not value:
        return flat
    inner = indent + "  "
    if isinstance(value, list):
        items = [inner + compact_json(v, inner, width) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {compact_json(v, inner, width)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


@pytest.mark.neo4j  # its fixtures come through request.getfixturevalue, by the kinds of example a doc holds
@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_gives_the_output_its_doc_shows(path: Path, request: pytest.FixtureRequest) -> None:
    doc = read_doc(path)
    assert not doc.unchecked, f"{path.name}:\n" + "\n".join(doc.unchecked)
    failures, rewrites = [], []
    for example in doc.examples:
        for first, past, expected, actual, ok in RUNS[example.block.info](example, request):
            if ok:
                continue
            failures.append(f"{path.name}:{first}: expected\n" + "\n".join(expected)
                            + "\n--- got\n" + "\n".join(rendered(actual)))
            if example.block.info != "turtle":
                rewrites.append((first, past, rendered(actual)))
    if failures and os.environ.get(WRITE_ENV):
        lines = path.read_text(encoding="utf-8").split("\n")
        for first, past, new in sorted(rewrites, reverse=True):
            lines[first:past] = new
        path.write_text("\n".join(lines), encoding="utf-8")
    assert not failures, "\n\n".join(failures)


PICTURE = re.compile(r"\[!\[[^\]]+\]\((docs/img/[\w-]+\.svg)\)\]\(http://127\.0\.0\.1:8000(/path\?[^)\s]+)\)")


@pytest.mark.neo4j
def test_the_readme_picture_is_what_kg_draws_of_the_sample(docs_graph: neo4j.Driver,
                                                             docs_client: TestClient) -> None:
    [(file, path)] = PICTURE.findall(DOCS[0].read_text(encoding="utf-8"))
    ends = dict(parse_qsl(urlsplit(path).query))
    paths, _, _ = docs_graph.execute_query(  # shortestPath picks any of several: the picture needs just one
        "MATCH (a:Author {id: $from}), (b:Author {id: $to}) MATCH p = allShortestPaths((a)-[:AUTHORED*..12]-(b)) "
        "RETURN count(p) AS n", ends)
    assert paths[0]["n"] == 1, f"{path}: the README's picture needs two authors one shortest path joins"
    answer = docs_client.get(path, headers={"accept": "image/svg+xml"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/svg+xml"
    assert "style-src 'sha256-" in answer.headers["content-security-policy"]
    if os.environ.get(WRITE_ENV):
        (ROOT / file).write_text(answer.text, encoding="utf-8")
    assert (ROOT / file).read_text(encoding="utf-8") == answer.text, (
        f"{file} is not what {path} draws now: `{WRITE_ENV}=1 python -m pytest {__file__} -k picture` writes it")
    for accept in (None, "*/*", "text/html,image/svg+xml"):  # the page stays the default
        page = docs_client.get(path, headers={"accept": accept} if accept else {})
        assert page.headers["content-type"].startswith("text/html") and "<svg" in page.text, accept


def test_every_doc_is_linked_from_the_readme_and_every_link_resolves() -> None:
    readme = DOCS[0].read_text(encoding="utf-8")
    for doc in DOCS[1:] + [ROOT / "docs" / "model.md"]:
        assert f"](docs/{doc.name})" in readme, f"README.md does not link docs/{doc.name}"
    for path in [*DOCS, ROOT / "docs" / "model.md"]:
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            resolved = (path.parent / file).resolve() if file else path
            assert resolved.exists(), f"{path.name} links {target}, which does not exist"
            if anchor and resolved.suffix == ".md":
                anchors = {heading_anchor(h) for h in re.findall(r"^#+ (.+)$", resolved.read_text(), re.M)}
                assert anchor in anchors, f"{path.name} links {target}: no such heading"


def heading_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_docs_neo4j_lists_every_environment_variable() -> None:
    """The table of docs/neo4j.md has a row for each setting of kg/settings.py."""
    text = (ROOT / "docs" / "neo4j.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", text, re.M))
    assert rows == {f.alias for f in EnvSettings.model_fields.values()}


COMMAND_ROW = re.compile(r"^\| `kg ([^`]+)` \|")


def test_the_readme_command_table_is_the_command_line() -> None:
    """Every command of `kg --help` has a row, and every option a row shows is one its command takes."""
    root = typer.main.get_command(kg_app)
    assert isinstance(root, TyperGroup)
    rows = [m[1] for line in DOCS[0].read_text(encoding="utf-8").splitlines() if (m := COMMAND_ROW.match(line))]
    shown = set()
    for row in rows:
        words = row.replace("\\|", "|").split()
        assert words[0] in root.commands, f"`kg {row}`: no command {words[0]}"
        shown.add(words[0])
        commands = [root.commands[words[0]]]
        if isinstance(commands[0], TyperGroup):  # `kg neo4j start|stop|status`: each subcommand named
            group = commands[0]
            commands = [group.commands[name] for name in words[1].split("|") if name in group.commands]
            assert len(commands) == len(words[1].split("|")), f"`kg {row}`: unknown subcommand in {words[1]}"
        options = {opt for command in commands for param in command.params
                   for opt in [*param.opts, *param.secondary_opts]}
        for option in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", row):
            assert option in options, f"`kg {row}`: no option {option}"
    assert shown == set(root.commands), f"commands without a row: {set(root.commands) - shown}"


if __name__ == "__main__":
    os.environ[WRITE_ENV] = "1"
    sys.exit(pytest.main([__file__, "-q", "-k", "every_example", *[a for a in sys.argv[1:] if a != "--write"]]))
