"""One way to name a node: an author, topic, institution or repository given by id or by any name
that the loader would take for it resolves to the same node, with the same papers, in GraphQL's
`papers(...)`, in `kg export --...` and in `/rdf?...=`; a value that names nothing is the same
error in all three. Checked against the graph of each corpus in the tests' Neo4j."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import neo4j
import pyoxigraph
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.app import create_app
from kg.cli.main import app as cli
from kg.graph.ids import author_id, slug, topic_id
from kg.ingest.institutions import known
from kg.ingest.topics import arxiv_category, normalise_phrase
from kg.rdf.source import FILTER_LABELS, Filters
from kg.rdf.vocab import BASE_ENV
from kg.settings import env_name
from kg.store import refs
from kg.store.connection import Settings
from tests.corpora import Corpus
from tests.test_rdf import run_kg

BASE = "http://kg.test"
PAPER_IRI = f"{BASE}/resource/paper/"
ARTICLE = pyoxigraph.NamedNode("https://schema.org/ScholarlyArticle")
RDF_TYPE = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ARG_OF = {label: arg for arg, label in FILTER_LABELS.items()}
# label -> the GraphQL lookup by name, and the argument that takes the name
LOOKUP = {"Author": ("author", "name"), "Topic": ("topic", "name"), "Institution": ("institution", "name"),
          "Repo": ("repo", "fullName")}
PAPERS_OF = {
    "Author": "MATCH (:Author {id: $id})-[:AUTHORED]->(p:Paper) RETURN p.id AS id",
    "Topic": "MATCH (:Topic {id: $id})<-[:HAS_TOPIC]-(p:Paper) RETURN p.id AS id",
    "Institution": "MATCH (:Institution {id: $id})<-[:AFFILIATED_WITH]-(p:Paper) RETURN p.id AS id",
    "Repo": "MATCH (:Repo {id: $id})<-[:HAS_CODE]-(p:Paper) RETURN p.id AS id",
}
NODES = "MATCH (n:{label}) RETURN n {{.*}} AS n ORDER BY n.id"
EXAMPLES = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def client(neo4j_settings: Settings) -> Iterator[TestClient]:
    """The real app, its lifespan run, resource IRIs under BASE."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BASE_ENV, BASE)
        patch.setenv(env_name("rate"), "0")  # hypothesis sends hundreds of requests: the rate limit is not tested here
        with TestClient(create_app(neo4j_settings)) as test_client:
            yield test_client


@pytest.fixture(scope="module")
def cli_env(neo4j_settings: Settings) -> dict[str, str]:
    """The environment under which `kg export` reads the tests' Neo4j and writes IRIs under BASE."""
    return {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
            "NEO4J_PASSWORD": neo4j_settings.password, "NEO4J_DATABASE": neo4j_settings.database,
            BASE_ENV: BASE}


@pytest.fixture
def nodes(seeded: neo4j.Driver) -> dict[str, list[dict[str, Any]]]:
    """Every author, topic, institution and repository of the corpus's graph, by label."""
    return {label: [r["n"] for r in seeded.execute_query(NODES.format(label=label))[0]] for label in LOOKUP}


# --- spellings ---------------------------------------------------------------------------------

ACCENTS = ["\u0301", "\u0300", "\u0308", "\u0302", "\u0303"]
SEPARATORS = [" ", "  ", "-", "_", ". ", ", ", " - ", "\t"]


@st.composite
def any_case(draw: st.DrawFn, text: str) -> str:
    """`text` with each letter's case drawn."""
    return "".join(draw(st.sampled_from([c.lower(), c.upper()])) if c.isascii() else c for c in text)


@st.composite
def folded(draw: st.DrawFn, name: str) -> str:
    """`name` respelt as one that folds to the same words: each letter's case and accent drawn,
    words joined by drawn punctuation and spacing, maybe some around them."""
    words = [w for w in re.split(r"[\W_]+", name) if w]
    spelt = []
    for word in words:
        letters = []
        for c in draw(any_case(word)):
            accent = draw(st.sampled_from(["", *ACCENTS])) if c.isalpha() else ""
            letters.append(c + accent)
        spelt.append(unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), "".join(letters)))
    joined = spelt[0] if spelt else name
    for word in spelt[1:]:
        joined += draw(st.sampled_from(SEPARATORS)) + word
    around = st.sampled_from(["", " ", "  ", "(", ".", "\""])
    return draw(around) + joined + draw(around)


def derives(label: str, node: dict[str, Any], value: str) -> bool:
    """Would the loader give `value`, as a name, the id of `node`?"""
    if label == "Author":
        return author_id(value) == node["id"]
    if label == "Topic":
        return topic_id("keyphrase", normalise_phrase(value)) == node["id"]
    hit = known(value)
    return (hit[0] if hit else slug(value)) == node["id"]


def some_node(nodes: list[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """One of `nodes`, each kind (a topic's scheme, a repository's host) as likely as another."""
    kinds: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for node in nodes:
        kinds.setdefault((node.get("scheme"), node.get("host"), node.get("kind")), []).append(node)
    return st.sampled_from(list(kinds.values())).flatmap(st.sampled_from)


def spellings(label: str, node: dict[str, Any]) -> st.SearchStrategy[str]:
    """The ways a user may name `node`: its id, its name (and aliases), and respellings of those."""
    if label == "Repo":
        full = f"{node['owner']}/{node['name']}"
        urls = [node["url"], node["url"].replace("https://", "http://www.") + "/"]
        if node["kind"] == "code":
            urls.append(node["url"] + ".git")
        return st.one_of(st.sampled_from([node["id"], full, *urls]), any_case(full))
    # Aliases are names only where the rule says so (an institution's); a topic's alias is the abbreviation
    # whose own topic that spelling names.
    aliases = node.get("aliases", []) if "n.aliases" in refs.NAME_MATCH[label] else []
    names = [node["name"], *aliases]
    exact = st.sampled_from([node["id"], *names])
    if label == "Topic" and node["scheme"] == "arxiv":
        code = node["name"].rpartition(".")[2]
        short = [code] if arxiv_category(code) == node["name"] else []
        return st.one_of(exact, any_case(node["name"]), st.sampled_from(short or [node["name"]]))
    respelt = st.sampled_from(names).flatmap(folded).filter(lambda v: derives(label, node, v))
    return st.one_of(exact, respelt)


# --- the three ways in -------------------------------------------------------------------------

def graphql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


def graphql_node(client: TestClient, label: str, value: str) -> str | None:
    """The id of the node GraphQL's lookup by name finds for `value`."""
    field, arg = LOOKUP[label]
    answer = graphql(client, f"query($v: String!) {{ {field}({arg}: $v) {{ id }} }}", v=value)
    found = answer["data"][field]
    return found and found["id"]


def graphql_papers(client: TestClient, label: str, value: str) -> set[str] | list[str]:
    """The papers of `papers(<filter>: value)`, every page; or the errors' messages."""
    query = f"""query($v: String!, $after: String) {{ papers({ARG_OF[label]}: $v, first: 100, after: $after) {{
        edges {{ node {{ id }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
    found: set[str] = set()
    after = None
    while True:
        answer = graphql(client, query, v=value, after=after)
        if answer.get("errors"):
            return [e["message"] for e in answer["errors"]]
        page = answer["data"]["papers"]
        found |= {e["node"]["id"] for e in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def exported_papers(nt: bytes) -> set[str]:
    """The ids of the papers an N-Triples export describes."""
    triples = pyoxigraph.parse(nt, pyoxigraph.RdfFormat.N_TRIPLES)
    return {t.subject.value.removeprefix(PAPER_IRI) for t in triples
            if t.predicate == RDF_TYPE and t.object == ARTICLE}


def cli_papers(env: dict[str, str], label: str, value: str) -> set[str] | str:
    """The papers of `kg export --<filter>=value`, run in-process; or its error."""
    result = CliRunner().invoke(cli, ["export", "-f", "nt", f"--{ARG_OF[label]}={value}"], env=env)
    if result.exception is not None:
        assert isinstance(result.exception, refs.UnknownRef), result.exception
        return str(result.exception)
    return exported_papers(result.stdout_bytes)


def rdf_papers(client: TestClient, label: str, value: str) -> set[str] | str:
    """The papers of `/rdf?<filter>=value`; or the 404's message."""
    response = client.get("/rdf", params={"format": "nt", ARG_OF[label]: value})
    if response.status_code == 404:
        return response.json()["detail"]
    assert response.status_code == 200, response.text
    return exported_papers(response.content)


# --- properties --------------------------------------------------------------------------------

@pytest.mark.parametrize("label", list(LOOKUP))
@EXAMPLES
@given(data=st.data())
def test_every_spelling_names_the_same_node_everywhere(label: str, data: st.DataObject, seeded: neo4j.Driver,
                                                       neo4j_settings: Settings, client: TestClient,
                                                       cli_env: dict[str, str],
                                                       nodes: dict[str, list[dict[str, Any]]]) -> None:
    node = data.draw(some_node(nodes[label]), label="node")
    value = data.draw(spellings(label, node), label="value")
    expected = {r["id"] for r in seeded.execute_query(PAPERS_OF[label], id=node["id"])[0]}
    assert expected
    assert graphql_node(client, label, value) == node["id"]
    scope = Filters(**{ARG_OF[label]: value}).resolve(seeded, neo4j_settings.database)
    assert getattr(scope, ARG_OF[label]) == node["id"]
    assert graphql_papers(client, label, value) == expected
    assert cli_papers(cli_env, label, value) == expected
    assert rdf_papers(client, label, value) == expected


@pytest.mark.parametrize("label", list(LOOKUP))
@EXAMPLES
@given(value=st.text(max_size=30).map(lambda text: "zz nobody " + text))
def test_a_value_naming_nothing_is_the_same_error_everywhere(label: str, value: str, client: TestClient,
                                                             cli_env: dict[str, str], seeded: neo4j.Driver) -> None:
    message = refs.message(label, value)
    assert graphql_node(client, label, value) is None
    assert graphql_papers(client, label, value) == [message]
    assert cli_papers(cli_env, label, value) == message
    assert rdf_papers(client, label, value) == message


# --- the rule's pieces and the command line ------------------------------------------------------

@pytest.mark.parametrize("label, value, expected", [
    ("Author", "Yuándong  TIAN", "a-yuandong-tian"),
    ("Topic", "Language Models", "kp:language-model"),
    ("Topic", "CS.lg", "arxiv:cs.LG"),
    ("Topic", "LG", "arxiv:cs.LG"),
    ("Institution", "Facebook AI Research", "meta-ai"),
    ("Institution", "harvard university", "harvard"),
    ("Repo", "FacebookResearch/LuckMatters", "facebookresearch/luckmatters"),
    ("Repo", "https://github.com/facebookresearch/luckmatters.git", "facebookresearch/luckmatters"),
    ("Repo", "Tencent/Tencent-Hunyuan-Large", "hf:tencent/tencent-hunyuan-large"),
])
def test_candidate_ids_are_the_ids_the_loader_derives(label: str, value: str, expected: str) -> None:
    assert expected in refs.ref(label, value)["ids"]


def test_an_arxiv_code_never_stands_for_another_archive() -> None:
    assert "arxiv:stat.ML" not in refs.ref("Topic", "cs.ML")["ids"]
    assert "arxiv:stat.ML" in refs.ref("Topic", "STAT.ml")["ids"]


def test_an_id_wins_over_a_name(clean_db: neo4j.Driver, neo4j_settings: Settings) -> None:
    """A node whose id the value derives beats another whose name it is; two names, the smaller id."""
    clean_db.execute_query("CREATE (:Author {id: 'a-ada', name: 'Grace'}), (:Author {id: 'a-zed', name: 'Ada'}), "
                           "(:Institution {id: 'b', name: 'X'}), (:Institution {id: 'a', name: 'Y', aliases: ['X']})")
    for label, value, expected in (("Author", "Ada", "a-ada"), ("Author", "Grace", "a-ada"),
                                   ("Institution", "X", "a")):
        rows, _, _ = clean_db.execute_query(refs.by_ref(label), refs.refs_params(label, [value]),
                                            database_=neo4j_settings.database)
        assert rows[0]["item"]["id"] == expected, (label, value)


def test_kg_export_of_an_unknown_name_fails_in_one_line(seeded: neo4j.Driver, neo4j_settings: Settings,
                                                        corpus: Corpus, tmp_path) -> None:
    out = tmp_path / "kg.nt"
    done = run_kg("export", "-f", "nt", "-o", str(out), "--author", "Nobody At All", settings=neo4j_settings)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "error: no author has the id or name 'Nobody At All'\n"
    assert not out.exists() and not (tmp_path / "kg.nt.part").exists()
    owner, name = corpus.shared_repo[0].split("/")
    repo = run_kg("export", "-f", "nt", "--repo", f"{owner.upper()}/{name}", settings=neo4j_settings)
    assert repo.returncode == 0 and repo.stdout.count("<https://schema.org/ScholarlyArticle>") == corpus.shared_repo[1]
