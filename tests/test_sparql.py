"""/sparql: the SPARQL 1.1 Protocol over a real `kg serve`, asked by SPARQLWrapper (a client nobody here
wrote), checked against a fresh `kg export` of the same graph in pyoxigraph, and kept current by `kg ingest`.
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError

import httpx
import neo4j
import pyoxigraph
import pytest
import rdflib
from hypothesis import given
from hypothesis import strategies as st
from SPARQLWrapper import CSV, JSON, JSONLD, TSV, TURTLE, XML, SPARQLWrapper

from api.sparql import uses_service
from kg.bench.api import Server
from kg.graph.model import LABELS, RELATIONSHIPS
from kg.rdf import sparql_store
from kg.rdf.export import FORMATS, triple_batches, write
from kg.rdf.source import rows_of
from kg.rdf.sparql_store import FINGERPRINT, Layout, Sync, fingerprint, graph_state, is_current, rebuild, writing
from kg.rdf.vocab import Iris
from kg.settings import Settings as EnvSettings
from kg.store.connection import Settings
from kg.store.load import Loader
from kg.store.schema import wipe_graph
from kg.synth.corpus import synthesize

IRIS = Iris(EnvSettings.model_fields["base_iri"].default)
PREFIXES = "".join(f"PREFIX {name}: <{ns}>\n" for name, ns in IRIS.prefixes.items())
TIMEOUT_S = 5
# Queries whose rows the endpoint and a fresh export must agree on (ordered where the query orders).
QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p",
    """SELECT ?name ?title WHERE { ?paper schema:author ?a ; schema:name ?title . ?a schema:name ?name }
       ORDER BY ?name ?title LIMIT 50""",
    """SELECT ?paper ?i ?author WHERE { ?paper kg:authorList ?list . ?list ?m ?author .
       FILTER(STRSTARTS(STR(?m), STR(rdf:_))) BIND(xsd:integer(STRAFTER(STR(?m), "_")) AS ?i) }
       ORDER BY ?paper ?i""",
    """SELECT ?owner (COUNT(DISTINCT ?other) AS ?coauthors) WHERE {
       ?page kg:pageFormat "profile" ; schema:mainEntity ?person . ?person schema:name ?owner .
       ?paper schema:author ?person, ?other . FILTER(?other != ?person) } GROUP BY ?owner ORDER BY ?owner""",
    "SELECT ?s ?o WHERE { ?s kg:listedOn ?o } ORDER BY ?s ?o",
    "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",  # no named graphs: the export has none
    "ASK { ?s schema:codeRepository ?url FILTER(!ISIRI(?url)) }",
]


def kg(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run this checkout's `kg`; fail the test on a non-zero exit."""
    done = subprocess.run([sys.executable, "-m", "kg", *args], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str]]:
    """A synthetic corpus's pages in two halves: one loaded first, the other later."""
    folder = tmp_path_factory.mktemp("sparql-corpus")
    synthesize(folder, 120, 3, 1, force=True)
    files = sorted(str(p) for p in (folder / "pages").rglob("*.txt"))
    return files[::2], files[1::2]


@pytest.fixture(scope="module")
def env(neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """kg's environment for these tests: the tests' Neo4j and a KG_HOME of their own (the store's folder)."""
    import os

    return {**{k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "KG_"))},
            "NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
            "NEO4J_PASSWORD": neo4j_settings.password, "NEO4J_DATABASE": neo4j_settings.database,
            "KG_HOME": str(tmp_path_factory.mktemp("sparql-home")), "KG_SPARQL_TIMEOUT": str(TIMEOUT_S),
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


@pytest.fixture(scope="module")
def endpoint(neo4j_settings: Settings, env: dict[str, str], halves: tuple[list[str], list[str]]) -> Iterator[str]:
    """`kg serve` over the first half, loaded by `kg ingest` (which builds the store); its /sparql URL."""
    with neo4j.GraphDatabase.driver(neo4j_settings.uri, auth=(neo4j_settings.user, neo4j_settings.password)) as db:
        wipe_graph(db, neo4j_settings.database)
    kg(env, "ingest", *halves[0])
    assert Layout(Path(env["KG_HOME"]) / "sparql").current() is not None, "kg ingest built no store"
    server = Server(neo4j_settings, env)
    try:
        with httpx.Client(timeout=60) as client:
            server.wait(client)
        yield f"http://127.0.0.1:{server.port}/sparql"
    finally:
        server.stop()


def client(url: str, query: str, fmt: str = JSON) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(url, returnFormat=fmt)
    wrapper.setQuery(PREFIXES + query)
    return wrapper


def endpoint_rows(url: str, query: str) -> list[tuple[str | None, ...]] | bool:
    """The rows (term values, in order) or boolean of a query at the endpoint, by SPARQLWrapper in JSON."""
    answer = client(url, query).queryAndConvert()
    assert isinstance(answer, dict)
    if "boolean" in answer:
        return bool(answer["boolean"])
    names = answer["head"]["vars"]
    return [tuple(b[n]["value"] if n in b else None for n in names) for b in answer["results"]["bindings"]]


def export_rows(store: pyoxigraph.Store, query: str) -> list[tuple[str | None, ...]] | bool:
    """The same from pyoxigraph over an export loaded into memory."""
    answer = store.query(PREFIXES + query)
    if isinstance(answer, pyoxigraph.QueryBoolean):
        return bool(answer)
    assert isinstance(answer, pyoxigraph.QuerySolutions)
    return [tuple(None if term is None else term.value for term in row) for row in answer]


def fresh_export(neo4j_settings: Settings) -> pyoxigraph.Store:
    """`kg export` of the graph now, as N-Triples, in an in-memory pyoxigraph store."""
    buffer = io.BytesIO()
    with neo4j.GraphDatabase.driver(neo4j_settings.uri, auth=(neo4j_settings.user, neo4j_settings.password)) as db:
        write(triple_batches(db, neo4j_settings.database, IRIS), buffer, FORMATS["nt"], IRIS)
    store = pyoxigraph.Store()
    store.load(buffer.getvalue(), pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def assert_same_answers(url: str, store: pyoxigraph.Store) -> None:
    for query in QUERIES:
        ours, theirs = endpoint_rows(url, query), export_rows(store, query)
        ordered = "ORDER BY" in query or isinstance(ours, bool)
        assert (ours if ordered else sorted(ours)) == (theirs if ordered else sorted(theirs)), query  # type: ignore
    assert endpoint_rows(url, QUERIES[0]) == [(str(len(store)),)]


def test_the_endpoint_answers_as_a_fresh_export_does(endpoint: str, neo4j_settings: Settings) -> None:
    assert_same_answers(endpoint, fresh_export(neo4j_settings))


def test_every_result_format_parses(endpoint: str) -> None:
    select = "SELECT ?paper ?title WHERE { ?paper a schema:ScholarlyArticle ; schema:name ?title } ORDER BY ?paper LIMIT 5"
    rows = endpoint_rows(endpoint, select)
    assert isinstance(rows, list) and len(rows) == 5
    xml = client(endpoint, select, XML).queryAndConvert()  # a DOM document
    assert [n.firstChild.data for n in xml.getElementsByTagName("uri")] == [r[0] for r in rows]
    for fmt, delimiter in ((CSV, ","), (TSV, "\t")):
        text = client(endpoint, select, fmt).queryAndConvert().decode()
        table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        assert len(table) == 6 and table[0] == (["paper", "title"] if fmt == CSV else ["?paper", "?title"])
    ask = client(endpoint, "ASK { ?s a schema:Person }", XML).queryAndConvert()
    assert ask.getElementsByTagName("boolean")[0].firstChild.data == "true"
    construct = "CONSTRUCT { ?paper schema:name ?title } WHERE { ?paper schema:name ?title ; a schema:ScholarlyArticle }"
    expected = {(r[0], r[1]) for r in endpoint_rows(endpoint, select.replace(" LIMIT 5", ""))}  # type: ignore
    turtle = client(endpoint, construct, TURTLE).queryAndConvert()
    jsonld = client(endpoint, construct, JSONLD).queryAndConvert()  # rdflib graphs, both
    nt = httpx.get(endpoint, params={"query": PREFIXES + construct}, headers={"accept": "application/n-triples"})
    assert nt.headers["content-type"].startswith("application/n-triples")
    for graph in (rdflib.Graph().parse(data=turtle, format="turtle") if isinstance(turtle, bytes) else turtle,
                  jsonld, rdflib.Graph().parse(data=nt.text, format="nt")):
        assert {(str(s), str(o)) for s, _, o in graph} == expected
    described = httpx.get(endpoint, params={"query": f"DESCRIBE <{rows[0][0]}>", "format": "jsonld"})
    assert any(node["@id"] == rows[0][0] for node in json.loads(described.text))


def test_updates_federation_and_bad_queries_are_refused(endpoint: str) -> None:
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    for method in ("GET", "POST"):  # SPARQLWrapper sends an update as the protocol's update operation
        wrapper = SPARQLWrapper(endpoint)
        wrapper.setMethod(method)
        wrapper.setQuery(update)
        with pytest.raises(HTTPError) as refused:
            wrapper.query()
        assert refused.value.code == 405
    as_query = httpx.get(endpoint, params={"query": update})
    assert (as_query.status_code, as_query.text) == (400, "bad query: this endpoint is read-only: SPARQL Update "
                                                          "is not accepted")
    for body, status in (({"update": update}, 405), ({"query": "SELECT * { SERVICE <http://example.org/s> "
                                                              "{ ?s ?p ?o } }"}, 400), ({"query": "SELEC"}, 400)):
        response = httpx.post(endpoint, data=body)
        assert response.status_code == status, response.text
    answer = httpx.post(endpoint, content="ASK { FILTER(\"SERVICE\" != \"\") }",
                        headers={"content-type": "application/sparql-query"})
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    assert httpx.get(endpoint, params={"query": "SELECT * {?s ?p ?o}"},
                     headers={"accept": "image/png"}).status_code == 406
    assert httpx.get(endpoint).status_code == 400


def test_a_query_over_its_time_is_stopped(endpoint: str) -> None:
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    response = httpx.get(endpoint, params={"query": slow}, timeout=60)
    assert response.status_code == 503
    assert response.json()["detail"] == (f"the query took longer than its {TIMEOUT_S} s limit (KG_SPARQL_TIMEOUT); "
                                         "ask for less or add a LIMIT")
    assert endpoint_rows(endpoint, "ASK { ?s ?p ?o }") is True  # the killed worker was replaced


def test_ingesting_more_pages_shows_at_once(endpoint: str, env: dict[str, str], neo4j_settings: Settings,
                                            halves: tuple[list[str], list[str]]) -> None:
    before = endpoint_rows(endpoint, QUERIES[0])
    kg(env, "ingest", *halves[1])
    assert endpoint_rows(endpoint, QUERIES[0]) != before
    assert_same_answers(endpoint, fresh_export(neo4j_settings))
    root = Path(env["KG_HOME"]) / "sparql"
    with neo4j.GraphDatabase.driver(neo4j_settings.uri, auth=(neo4j_settings.user, neo4j_settings.password)) as db:
        assert is_current(db, neo4j_settings.database, root)
        db.execute_query("MATCH (a:Author) WITH a LIMIT 1 CREATE (:Topic {id: 'kp:sparql-test', name: 'x'})",
                         database_=neo4j_settings.database)  # a write no ingest refreshed
        assert not is_current(db, neo4j_settings.database, root)
        ready = endpoint.replace("/sparql", "/readyz")
        time.sleep(0.6)  # past /readyz's cache
        unready = httpx.get(ready, timeout=30)
        assert unready.status_code == 503 and "kg sparql sync" in unready.text, unready.text
        kg(env, "sparql", "sync")
        assert is_current(db, neo4j_settings.database, root)
        assert endpoint_rows(endpoint, "ASK { ?t schema:name 'x' }") is True
        time.sleep(0.6)
        assert httpx.get(ready, timeout=30).status_code == 200


def test_a_store_of_another_graph_reads_as_stale(clean_db: neo4j.Driver, neo4j_settings: Settings,
                                                tmp_path: Path, halves: tuple[list[str], list[str]]) -> None:
    from kg.ingest.pages import pages

    root = tmp_path / "sparql"
    rebuild(clean_db, neo4j_settings.database, IRIS, root)
    assert is_current(clean_db, neo4j_settings.database, root)
    Loader(clean_db, neo4j_settings.database).load(pages(halves[0][:2]))  # no sync hook
    assert not is_current(clean_db, neo4j_settings.database, root)
    rebuild(clean_db, neo4j_settings.database, IRIS, root)
    assert is_current(clean_db, neo4j_settings.database, root)
    gone = subprocess.Popen(["true"])
    gone.wait()
    mark = root / f"loading-{gone.pid}"  # a load that died before publishing its changes
    mark.touch()
    assert not is_current(clean_db, neo4j_settings.database, root)
    rebuild(clean_db, neo4j_settings.database, IRIS, root)
    assert is_current(clean_db, neo4j_settings.database, root) and not mark.exists()


def test_the_graph_state_is_read_from_the_count_store(clean_db: neo4j.Driver, neo4j_settings: Settings,
                                                      halves: tuple[list[str], list[str]]) -> None:
    """The state a store is checked against costs no scan: at 1M a scan of every relationship took 3.4 s."""
    from kg.ingest.pages import pages

    Loader(clean_db, neo4j_settings.database).load(pages(halves[0][:3]))
    plan = clean_db.execute_query("EXPLAIN " + FINGERPRINT, database_=neo4j_settings.database).summary.plan

    def operators(step: dict) -> Iterator[str]:
        yield step["operatorType"].partition("@")[0]
        for child in step.get("children", []):
            yield from operators(child)

    assert {op for op in operators(plan) if "Scan" in op or "Expand" in op} == set()
    counts = {label: clean_db.execute_query(f"MATCH (n:{label}) RETURN count(*) AS n",
                                            database_=neo4j_settings.database).records[0]["n"] for label in LABELS}
    counts |= {rel: clean_db.execute_query(f"MATCH ()-[r:{rel}]->() RETURN count(*) AS n",
                                           database_=neo4j_settings.database).records[0]["n"] for rel in RELATIONSHIPS}
    assert fingerprint(clean_db, neo4j_settings.database) == counts and counts["AUTHORED"] > 0


def test_a_load_refreshes_the_store_as_it_goes(clean_db: neo4j.Driver, neo4j_settings: Settings, tmp_path: Path,
                                               halves: tuple[list[str], list[str]],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A load's nodes are refreshed a few thousand at a time (here 200) and at its end, which leaves the store
    holding what a fresh export holds."""
    from kg.ingest.pages import pages

    database, root = neo4j_settings.database, tmp_path / "sparql"
    Loader(clean_db, database).load(pages(halves[0]))
    rebuild(clean_db, database, IRIS, root)
    monkeypatch.setattr(sparql_store, "REFRESH_IDS", 200, raising=False)
    sizes: list[int] = []
    refresh = sparql_store.refresh

    def counted(driver: neo4j.Driver, database: str, touched: dict[str, list[str]], *args: object) -> str:
        sizes.append(sum(map(len, touched.values())))
        return refresh(driver, database, touched, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(sparql_store, "refresh", counted)
    with Sync(clean_db, database, root) as sync:
        Loader(clean_db, database, batch_papers=10, on_commit=sync).load(pages(halves[1]))
    assert sync.error is None and is_current(clean_db, database, root)
    assert len(sizes) >= 2 and min(sizes[:-1]) >= 200, sizes
    layout = Layout(root)
    published = pyoxigraph.Store.read_only(str(layout.generation(layout.current())))  # type: ignore[arg-type]
    ours = {(q.subject, q.predicate, q.object) for q in published.quads_for_pattern(None, None, None, None)}
    theirs = {(q.subject, q.predicate, q.object) for q in fresh_export(neo4j_settings)}
    assert ours == theirs


def test_a_refresh_rewrites_only_the_graphs_that_changed(clean_db: neo4j.Driver, neo4j_settings: Settings,
                                                          tmp_path: Path, halves: tuple[list[str], list[str]]) -> None:
    from kg.ingest.pages import pages

    database, root = neo4j_settings.database, tmp_path / "sparql"
    Loader(clean_db, database).load(pages(halves[0][:4]))
    rebuild(clean_db, database, IRIS, root)
    papers = [r["id"] for r in clean_db.execute_query("MATCH (p:Paper) RETURN p.id AS id ORDER BY id LIMIT 3",
                                                      database_=database).records]
    with writing(Layout(root), IRIS) as writer:
        assert writer.replace("Paper", papers, rows_of(clean_db, database, "Paper", papers)) == 0
        clean_db.execute_query("MATCH (p:Paper {id: $id}) SET p.title = 'A title set in Browser'", id=papers[1],
                               database_=database)
        assert writer.replace("Paper", papers, rows_of(clean_db, database, "Paper", papers)) == 1
        assert writer.replace("Paper", papers, rows_of(clean_db, database, "Paper", papers)) == 0
        writer.publish(graph_state(clean_db, database, IRIS))
    layout = Layout(root)
    published = pyoxigraph.Store.read_only(str(layout.generation(layout.current())))  # type: ignore[arg-type]
    ours = {(q.subject, q.predicate, q.object) for q in published.quads_for_pattern(None, None, None, None)}
    theirs = {(q.subject, q.predicate, q.object) for q in fresh_export(neo4j_settings)}
    assert ours == theirs and any(o.value == "A title set in Browser" for _, _, o in ours)


IN_A_STRING = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\\n\r'), max_size=40)


@given(IN_A_STRING)
def test_service_inside_a_string_is_not_federation(text: str) -> None:
    assert not uses_service(f'SELECT * {{ ?s ?p "{text} SERVICE {text}" }} # SERVICE')
    assert not uses_service("SELECT ?service ?SERVICE { ?s <http://x/SERVICE> ex:service }")


@given(st.sampled_from(["SERVICE", "service", "Service", "SERVICE SILENT"]), st.text(" \t\n", max_size=4))
def test_a_service_clause_is_found(keyword: str, space: str) -> None:
    assert uses_service(f"SELECT * {{{space}{keyword} <http://example.org/sparql> {{ ?s ?p ?o }} }}")
    assert uses_service(f"SELECT * {{ ?s ?p ?o .\n{keyword}{space or ' '}?endpoint {{ ?s ?p ?o }} }}")


# A load of the files given, journaled as `kg ingest` journals it, that SIGKILLs itself at the Nth time it
# reaches a point: before a transaction's commit (`expect`), after one (`commit`), after an author
# resolution transaction (`resolved`), or as a refresh is about to publish (`publish`).
KILLED_LOAD = """
import os, signal, sys
from kg.ingest.pages import pages
from kg.rdf import sparql_store
from kg.store.connection import driver, settings
from kg.store.load import Loader

point, nth, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
reached = []

def at(name):
    reached.append(name)
    if reached.count(point) == nth:
        os.kill(os.getpid(), signal.SIGKILL)

class Killed(sparql_store.Sync):
    resolving_ = False
    def expect(self, touched):
        super().expect(touched)
        at("expect")
    def resolving(self, blocks):
        super().resolving(blocks)
        self.resolving_ = True
    def __call__(self, touched):
        at("resolved" if self.resolving_ else "commit")
        super().__call__(touched)

publish = sparql_store.Writer.publish
def publishing(self, state):
    at("publish")
    return publish(self, state)

sparql_store.Writer.publish = publishing
sparql_store.REFRESH_IDS = 30
conf = settings()
with driver(conf) as db, Killed(db, conf.database) as sync:
    Loader(db, conf.database, 5, on_commit=sync, ahead=sync).load(pages(files))
print(reached)
"""


@pytest.mark.parametrize(("point", "nth"), [("expect", 3), ("commit", 3), ("resolved", 1), ("publish", 2)])
def test_a_stopped_load_leaves_its_ids_for_the_next_load_to_refresh(
        point: str, nth: int, clean_db: neo4j.Driver, neo4j_settings: Settings, env: dict[str, str],
        tmp_path: Path, halves: tuple[list[str], list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed at any point, a journaled load leaves a journal, not a store to rebuild: the next load refreshes
    just those ids first (master is not built anew) and the store then equals a fresh build of the graph."""
    from kg.ingest.pages import pages
    from kg.rdf.graph_digests import GraphDigests

    database, root = neo4j_settings.database, tmp_path / "sparql"
    Loader(clean_db, database).load(pages(halves[0]))
    rebuild(clean_db, database, IRIS, root)
    layout = Layout(root)
    killed = subprocess.run([sys.executable, "-c", KILLED_LOAD, point, str(nth), *halves[1]],
                            env={**env, "KG_HOME": str(tmp_path)}, capture_output=True, text=True, timeout=600)
    assert killed.returncode == -9, f"the load was not killed at {point} #{nth}: {killed.stdout}{killed.stderr}"
    [mark] = layout.loading()
    left = sparql_store.journaled(layout)
    assert mark.read_text() == sparql_store.JOURNALED and left and not is_current(clean_db, database, root)
    assert ("block" in left) == (point == "resolved")
    status = subprocess.run([sys.executable, "-m", "kg", "sparql", "status"], env={**env, "KG_HOME": str(tmp_path)},
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 1 and "ids journaled" in status.stdout, status.stdout + status.stderr
    master, generation = layout.master.stat().st_ino, layout.current()
    monkeypatch.setattr(sparql_store, "FOLLOW_SHARE", 1.0)  # this small graph's journal may hold much of it
    with Sync(clean_db, database, root) as sync:  # the next load, which writes nothing
        assert sync.followed and not sync.full and sync.error is None
    assert is_current(clean_db, database, root) and not layout.loading() and not sparql_store.journaled(layout)
    assert layout.master.stat().st_ino == master, "master was built anew"
    assert int(layout.current()[1:]) == int(generation[1:]) + 1  # type: ignore[index]
    published = pyoxigraph.Store.read_only(str(layout.generation(layout.current())))  # type: ignore[arg-type]
    ours = {(q.subject, q.predicate, q.object) for q in published.quads_for_pattern(None, None, None, None)}
    theirs = {(q.subject, q.predicate, q.object) for q in fresh_export(neo4j_settings)}
    assert ours == theirs
    rebuild(clean_db, database, IRIS, tmp_path / "fresh")

    def digests(folder: Path) -> set[tuple[str, bytes]]:
        table = GraphDigests(Layout(folder).digests)
        try:
            return set(table.db.execute("SELECT name, digest FROM graph"))
        finally:
            table.close()

    assert digests(root) == digests(tmp_path / "fresh")


def test_a_stopped_load_that_journaled_nothing_is_built_anew(clean_db: neo4j.Driver, neo4j_settings: Settings,
                                                             tmp_path: Path, halves: tuple[list[str], list[str]]) -> None:
    from kg.ingest.pages import pages

    database, root = neo4j_settings.database, tmp_path / "sparql"
    Loader(clean_db, database).load(pages(halves[0][:4]))
    rebuild(clean_db, database, IRIS, root)
    gone = subprocess.Popen(["true"])
    gone.wait()
    (root / f"loading-{gone.pid}").touch()  # `kg authors merge` journals nothing
    Loader(clean_db, database).load(pages(halves[0][4:8]))
    assert sparql_store.follow_up(clean_db, database, root) is None
    with Sync(clean_db, database, root) as sync:
        assert sync.full and not sync.followed
    assert is_current(clean_db, database, root)


def test_a_journal_holding_much_of_the_graph_is_left_to_a_rebuild(clean_db: neo4j.Driver, neo4j_settings: Settings,
                                                                 tmp_path: Path, halves: tuple[list[str], list[str]],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.ingest.pages import pages

    database, root = neo4j_settings.database, tmp_path / "sparql"
    Loader(clean_db, database).load(pages(halves[0][:4]))
    rebuild(clean_db, database, IRIS, root)
    gone = subprocess.Popen(["true"])
    gone.wait()
    (root / f"loading-{gone.pid}").write_text(sparql_store.JOURNALED)
    journal = sparql_store.Journal(Layout(root).journal)
    journal.add(gone.pid, {"Paper": ["p-none"]})
    journal.close()
    monkeypatch.setattr(sparql_store, "FOLLOW_SHARE", 0.0)
    assert sparql_store.follow_up(clean_db, database, root) is None
    monkeypatch.setattr(sparql_store, "FOLLOW_SHARE", 1.0)
    assert sparql_store.follow_up(clean_db, database, root) == 1 and is_current(clean_db, database, root)
