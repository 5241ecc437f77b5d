"""The RDF export of each corpus's graph in the tests' Neo4j: counts, round trips, order, streaming, SHACL."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pyoxigraph
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.graph.ids import author_id
from kg.rdf.export import FORMATS, batch_count, chunks, triple_batches, write
from kg.rdf.source import Filters
from kg.rdf.validate import SCHEMA_DIR, validate
from kg.rdf.vocab import BASE_ENV, KG_NS, Iris
from kg.store.connection import Settings
from kg.store.refs import UnknownRef
from tests.corpora import Corpus

BASE = "http://kg.test"
IRIS = Iris(BASE)
PREFIXES = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in {
    "schema": "https://schema.org/", "kg": KG_NS, "author": f"{BASE}/resource/author/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "xsd": "http://www.w3.org/2001/XMLSchema#"}.items())
RDFLIB_FORMATS = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld"}


def export(driver: neo4j.Driver, database: str, fmt: str, filters: Filters = Filters(),
           batch: int = 50) -> bytes:
    """One export as bytes; a small batch so that every label spans several Neo4j pages."""
    buffer = io.BytesIO()
    scope = filters.resolve(driver, database)
    write(triple_batches(driver, database, IRIS, scope, batch, fmt=FORMATS[fmt]), buffer, FORMATS[fmt], IRIS)
    return buffer.getvalue()


def store(data: bytes, fmt: str = "nt") -> pyoxigraph.Store:
    """An in-memory pyoxigraph store holding one export."""
    db = pyoxigraph.Store()
    db.load(data, FORMATS[fmt].rdf)
    return db


def select(db: pyoxigraph.Store, query: str) -> list[tuple]:
    """Rows of a SPARQL SELECT as tuples of plain values."""
    return [tuple(None if t is None else t.value for t in row) for row in db.query(PREFIXES + query)]


def cypher_count(driver: neo4j.Driver, database: str, query: str) -> int:
    records, _, _ = driver.execute_query(query, database_=database)
    return records[0][0]


@pytest.fixture
def nt(seeded: neo4j.Driver, neo4j_settings: Settings) -> bytes:
    """The whole graph of the corpus as N-Triples."""
    return export(seeded, neo4j_settings.database, "nt")


CLASS_OF = {"Paper": "ScholarlyArticle", "Author": "Person", "Institution": "Organization",
            "Repo": "SoftwareSourceCode", "Topic": "DefinedTerm", "Page": "WebPage",
            "Snapshot": "CreativeWork"}
PREDICATE_OF = {"AUTHORED": "schema:author", "HAS_CODE": "kg:hasRepository", "HAS_TOPIC": "schema:about",
                "AFFILIATED_WITH": "schema:sourceOrganization", "LISTED_ON": "kg:listedOn",
                "PROFILE_OF": "schema:mainEntity", "SEEN_IN": "kg:seenIn", "SNAPSHOT_OF": "schema:exampleOfWork"}


def test_every_node_and_relationship_is_in_the_export(nt: bytes, seeded: neo4j.Driver, neo4j_settings: Settings,
                                                      corpus: Corpus) -> None:
    db, database = store(nt), neo4j_settings.database
    assert cypher_count(seeded, database, "MATCH (p:Paper) RETURN count(p)") == corpus.papers
    assert len(nt.splitlines()) == len(set(nt.splitlines())) == corpus.triples
    for label, cls in CLASS_OF.items():
        [(exported,)] = select(db, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a schema:{cls} }}")
        assert int(exported) == cypher_count(seeded, database, f"MATCH (n:{label}) RETURN count(n)"), label
    for rel, predicate in PREDICATE_OF.items():
        [(exported,)] = select(db, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {predicate} ?o }}")
        assert int(exported) == cypher_count(seeded, database, f"MATCH ()-[r:{rel}]->() RETURN count(r)"), rel


def test_each_profile_owner_has_all_their_articles(nt: bytes, corpus: Corpus) -> None:
    db = store(nt)
    owners = select(db, "SELECT ?owner ?name WHERE { ?page kg:pageFormat 'profile' ; "
                        "schema:mainEntity ?owner . ?owner schema:name ?name }")
    assert sorted(owners) == sorted((f"{BASE}/resource/author/{author_id(name)}", name) for name in corpus.profiles)
    for name, count in corpus.profiles.items():
        owner = f"author:{author_id(name)}"
        [(articles,)] = select(db, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { "
                                   f"?p a schema:ScholarlyArticle ; schema:author {owner} }}")
        assert int(articles) == count, name
        # and they are the articles of the profile page's listing, in positions 1..count
        positions = select(db, f"SELECT ?n WHERE {{ ?page schema:mainEntity {owner} ; "
                               f"kg:listing ?list . ?list ?member ?p . ?p schema:author {owner} . "
                               "BIND(xsd:integer(STRAFTER(STR(?member), '#_')) AS ?n) }")
        assert sorted(int(n) for (n,) in positions) == list(range(1, count + 1)), name


def test_every_format_carries_the_same_triples_in_rdflib_and_pyoxigraph(seeded: neo4j.Driver,
                                                                       neo4j_settings: Settings,
                                                                       corpus: Corpus) -> None:
    parsed: dict[str, set[str]] = {}
    graphs: dict[str, rdflib.Graph] = {}
    for name, fmt in FORMATS.items():
        data = export(seeded, neo4j_settings.database, name)
        parsed[f"pyoxigraph {name}"] = {str(t) for t in pyoxigraph.parse(data, fmt.rdf)}
        graphs[name] = rdflib.Graph().parse(data=data, format=RDFLIB_FORMATS[name])
        parsed[f"rdflib {name}"] = {f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graphs[name]}
        assert not any(isinstance(term, rdflib.BNode) for triple in graphs[name] for term in triple)
    sizes = {key: len(value) for key, value in parsed.items()}
    assert set(sizes.values()) == {corpus.triples}, sizes
    reference = parsed["pyoxigraph nt"]
    assert all(triples == reference for key, triples in parsed.items() if key.startswith("pyoxigraph")), sizes
    assert isomorphic(graphs["turtle"], graphs["nt"]) and isomorphic(graphs["jsonld"], graphs["nt"])
    assert set(graphs["turtle"]) == set(graphs["nt"]) == set(graphs["jsonld"])


def test_authors_keep_their_order_and_dates_their_type(nt: bytes, seeded: neo4j.Driver,
                                                       neo4j_settings: Settings) -> None:
    db = store(nt)
    records, _, _ = seeded.execute_query(
        "MATCH (a:Author)-[r:AUTHORED]->(p:Paper) WITH p, a ORDER BY r.position "
        "WITH p, collect(a.id) AS authors WHERE size(authors) > 2 RETURN p.id AS id, authors LIMIT 5",
        database_=neo4j_settings.database)
    assert records
    for record in records:
        paper = IRIS.resource("paper", record["id"]).value
        rows = select(db, f"SELECT ?member ?a WHERE {{ <{paper}> kg:authorList ?list . ?list ?member ?a . "
                          "FILTER(STRSTARTS(STR(?member), STR(rdf:_))) }")
        ordered = [a for _, a in sorted(rows, key=lambda r: int(r[0].rpartition("_")[2]))]
        assert ordered == [IRIS.resource("author", a).value for a in record["authors"]]
    types = dict(select(db, "SELECT ?d (DATATYPE(?d) AS ?t) WHERE { ?p schema:datePublished ?d }"))
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert types and all(t == xsd + ("gMonthDay" if d.startswith("--") else "date") for d, t in types.items())
    assert {t for d, t in types.items() if not d.startswith("--")} == {xsd + "date"}


def test_ids_with_slashes_and_colons_become_encoded_reversible_iris(nt: bytes, corpus: Corpus) -> None:
    db = store(nt)
    repos = [iri for (iri,) in select(db, "SELECT ?r WHERE { ?r a schema:SoftwareSourceCode }")]
    topics = [iri for (iri,) in select(db, "SELECT ?t WHERE { ?t a schema:DefinedTerm }")]
    repo_id = corpus.shared_repo[0]
    repo = f"{BASE}/resource/repo/" + repo_id.replace("/", "%2F")
    assert repo in repos
    assert f"{BASE}/resource/topic/{corpus.paper.topic}" in topics
    assert all("/" not in iri.removeprefix(f"{BASE}/resource/repo/") for iri in repos)
    assert IRIS.parse(repo) == ("repo", repo_id)
    urls = dict(select(db, "SELECT ?r ?u WHERE { ?r schema:url ?u }"))
    assert urls[repo].lower() == f"https://github.com/{repo_id}"


def test_the_export_conforms_to_the_shapes_and_a_broken_graph_does_not(nt: bytes, corpus: Corpus) -> None:
    graph = rdflib.Graph().parse(data=nt, format="nt")
    report = validate(graph)
    assert report.conforms, [str(f) for f in report.violations[:5]]
    # the articles of search pages name no authors: a warning, by design (see schema/shapes.ttl)
    assert report.warnings and all("no authors" in w.message for w in report.warnings)

    schema = rdflib.Namespace("https://schema.org/")
    paper = rdflib.URIRef(IRIS.resource("paper", corpus.paper.id).value)
    repo = rdflib.URIRef(IRIS.resource("repo", corpus.shared_repo[0]).value)
    graph.remove((paper, schema.name, None))
    graph.remove((repo, schema.url, None))
    graph.add((paper, schema.datePublished, rdflib.Literal("24 April 2023")))
    graph.add((paper, schema.author, rdflib.URIRef(f"{BASE}/resource/author/nobody")))
    broken = validate(graph)
    assert not broken.conforms
    found = {(f.focus, f.path) for f in broken.violations}
    focus = f"paper:{corpus.paper.id}"
    assert found == {(focus, "schema:name"), (focus, "schema:datePublished"), (focus, "schema:author"),
                     ("repo:" + corpus.shared_repo[0].replace("/", "%2F"), "schema:url")}


def test_a_filtered_export_is_a_closed_subgraph(seeded: neo4j.Driver, neo4j_settings: Settings,
                                                corpus: Corpus) -> None:
    data = export(seeded, neo4j_settings.database, "nt", Filters(author=corpus.owner))
    db = store(data)
    [(articles,)] = select(db, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }")
    assert int(articles) == corpus.profiles[corpus.owner]
    # every resource the subgraph points to is described in it, so nothing dangles
    dangling = select(db, f"SELECT DISTINCT ?o WHERE {{ ?s ?p ?o . FILTER(isIRI(?o) && "
                          f"STRSTARTS(STR(?o), '{BASE}/resource/') && !CONTAINS(STR(?o), '#')) "
                          "FILTER NOT EXISTS { ?o a ?type } }")
    assert dangling == []
    assert validate(rdflib.Graph().parse(data=data, format="nt")).conforms
    with pytest.raises(UnknownRef, match="no author has the id or name 'nobody at all'"):
        export(seeded, neo4j_settings.database, "nt", Filters(author="nobody at all"))


FILTERS = {  # export filters made from a corpus's facts, and the Cypher that selects the same papers
    "arxiv topic": (lambda c: Filters(topic=c.paper.topic), "(p)-[:HAS_TOPIC]->(:Topic {id: $arxiv})"),
    "topic and year": (lambda c: Filters(topic=c.topic.name, year=c.topic.year),
                       "(p)-[:HAS_TOPIC]->(:Topic {name: $topic}) AND p.year = $year"),
    "institution": (lambda c: Filters(institution=c.institution.name),
                    "(p)-[:AFFILIATED_WITH]->(:Institution {name: $name})"),
    "institution and author": (lambda c: Filters(institution=c.institution.id, author=c.owner_id),
                               "(p)-[:AFFILIATED_WITH]->(:Institution {id: $institution}) "
                               "AND (p)<-[:AUTHORED]-(:Author {id: $owner})"),
}


@pytest.mark.parametrize("kind", FILTERS)
def test_filters_select_the_papers_cypher_selects(seeded: neo4j.Driver, neo4j_settings: Settings, corpus: Corpus,
                                                  kind: str) -> None:
    make, match = FILTERS[kind]
    params = {"arxiv": corpus.paper.topic, "topic": corpus.topic.name, "year": corpus.topic.year,
              "name": corpus.institution.name, "institution": corpus.institution.id, "owner": corpus.owner_id}
    records, _, _ = seeded.execute_query(f"MATCH (p:Paper) WHERE {match} RETURN count(p)", params,
                                         database_=neo4j_settings.database)
    expected = records[0][0]
    db = store(export(seeded, neo4j_settings.database, "nt", make(corpus)))
    [(articles,)] = select(db, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a schema:ScholarlyArticle }")
    assert int(articles) == expected > 0


def test_the_export_streams_batch_by_batch(seeded: neo4j.Driver, neo4j_settings: Settings, corpus: Corpus) -> None:
    total = batch_count(seeded, neo4j_settings.database, batch=10)
    pulled = 0

    def counted() -> Iterator[list]:
        nonlocal pulled
        for batch in triple_batches(seeded, neo4j_settings.database, IRIS, batch=10):
            pulled += 1
            yield batch

    stream = chunks(counted(), FORMATS["nt"], IRIS, depth=2)
    first = next(stream)
    assert first.startswith(b"<") and 0 < pulled <= 5 < total  # a few batches ahead of the reader, at most
    rest = b"".join(stream)
    assert pulled == total
    assert len(set((first + rest).splitlines())) == len((first + rest).splitlines()) == corpus.triples


def test_closing_the_stream_early_stops_the_export_thread(seeded: neo4j.Driver,
                                                          neo4j_settings: Settings) -> None:
    batches = triple_batches(seeded, neo4j_settings.database, IRIS, batch=10, fmt=FORMATS["turtle"])
    stream = chunks(batches, FORMATS["turtle"], IRIS, depth=1)
    next(stream)
    stream.close()
    assert not any(t.name == "rdf-export" for t in threading.enumerate())


def test_every_kg_term_of_the_export_is_defined_in_the_ontology(nt: bytes) -> None:
    ontology = rdflib.Graph().parse(SCHEMA_DIR / "ontology.ttl", format="turtle")
    defined = {str(s) for s in ontology.subjects() if str(s).startswith(KG_NS)}
    used = {term.value for t in pyoxigraph.parse(nt, pyoxigraph.RdfFormat.N_TRIPLES)
            for term in (t.predicate, t.object) if isinstance(term, pyoxigraph.NamedNode)
            and term.value.startswith(KG_NS)}
    assert used and used <= defined, used - defined


def run_kg(*args: str, settings: Settings | None = None) -> subprocess.CompletedProcess:
    """`kg ARGS` in a child process, pointed at `settings`' server (or at nothing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env[BASE_ENV] = BASE
    if settings is None:
        env["NEO4J_URI"] = "bolt://127.0.0.1:1"
    else:
        env.update(NEO4J_URI=settings.uri, NEO4J_USER=settings.user, NEO4J_PASSWORD=settings.password,
                   NEO4J_DATABASE=settings.database)
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_kg_export_and_kg_validate_on_the_command_line(seeded: neo4j.Driver, neo4j_settings: Settings,
                                                       corpus: Corpus, tmp_path: Path) -> None:
    out = tmp_path / "kg.jsonld"
    done = run_kg("export", "--format", "jsonld", "-o", str(out), settings=neo4j_settings)
    assert done.returncode == 0, done.stderr
    triples = f"{corpus.triples:,} triples"
    assert f"exported {triples} as jsonld" in done.stderr and not (tmp_path / "kg.jsonld.part").exists()
    stdout = run_kg("export", "-f", "nt", "--author", corpus.owner, settings=neo4j_settings)
    articles = stdout.stdout.count("<https://schema.org/ScholarlyArticle>")
    assert stdout.returncode == 0 and articles == corpus.profiles[corpus.owner]

    checked = run_kg("validate", str(out))
    assert checked.returncode == 0 and f"conforms: {triples}, 0 violations" in checked.stderr
    broken = tmp_path / "broken.nt"
    repo = f"<{BASE}/resource/repo/x%2Fy>"
    broken.write_text(f"{repo} <{rdflib.RDF.type}> <https://schema.org/SoftwareSourceCode> .\n")
    failed = run_kg("validate", str(broken))
    assert failed.returncode == 1 and "Violation: repo:x%2Fy schema:url" in failed.stdout

    unreachable = run_kg("export")
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert unreachable.stderr.startswith("error: cannot connect to Neo4j")
    unwritable = run_kg("export", "-o", str(tmp_path / "missing" / "kg.ttl"), settings=neo4j_settings)
    assert unwritable.returncode == 1 and "cannot write it" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr
