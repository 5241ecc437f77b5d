"""The node a user means by an id or a name: one rule for GraphQL, `kg export` and `/rdf`.

A value stands for the ids the loader would derive from it (a name's `a-<slug>`, a keyphrase's
`kp:<slug>`, an owner/name's id on each host) and for the nodes whose name it is. An id wins
over a name, and among several the smallest id. Only Cypher text and parameters live here;
each caller runs them with its own driver. User values only ever travel as parameters.
"""
from __future__ import annotations

from collections.abc import Callable

from kg.errors import KgError, quoted
from kg.graph.ids import author_id, slug, text_key, topic_id
from kg.ingest.institutions import known
from kg.ingest.links import repo_from_url, repo_ids
from kg.ingest.topics import arxiv_category, normalise_phrase


def _author(value: str) -> list[str]:
    return [value, author_id(value)]


def _institution(value: str) -> list[str]:
    hit = known(value)
    return [value, slug(value) or text_key(value), *([hit[0]] if hit else [])]


def _repo(value: str) -> list[str]:
    url = repo_from_url(value)
    return [value, *repo_ids(value), *([url.id] if url else [])]


def _topic(value: str) -> list[str]:
    ids = [value, topic_id("keyphrase", value), topic_id("keyphrase", normalise_phrase(value)),
           topic_id("arxiv", arxiv_category(value))]
    _, dot, code = value.rpartition(".")
    full = arxiv_category(code)
    if dot and full.lower() == value.lower():  # "CS.lg" -> cs.LG, but never "cs.ML" -> stat.ML
        ids.append(topic_id("arxiv", full))
    return ids


# label -> the ids a user's value may stand for
CANDIDATE_IDS: dict[str, Callable[[str], list[str]]] = {
    "Author": _author,
    "Institution": _institution,
    "Repo": _repo,
    "Topic": _topic,
}
LABELS = tuple(CANDIDATE_IDS)

# label -> how a name (not an id) finds a node; `ref.value` is the user's value.
NAME_MATCH = {
    "Author": "MATCH (n:Author) WHERE n.name = ref.value",
    "Institution": "MATCH (n:Institution) WHERE n.name = ref.value OR ref.value IN n.aliases",
    "Repo": "MATCH (n:Repo) WHERE toLower(n.owner + '/' + n.name) = toLower(ref.value)",
    "Topic": "MATCH (n:Topic) WHERE n.name = ref.value",
}


class UnknownRef(KgError):
    """A value that is no node's id or name."""

    def __init__(self, label: str, value: str) -> None:
        super().__init__(message(label, value))
        self.label, self.value = label, value


def message(label: str, value: str) -> str:
    """What a user is told about a value that names no node of `label`."""
    return f"no {label.lower()} has the id or name {quoted(value)}"


def ref(label: str, value: str) -> dict[str, object]:
    """One `ref` of find_ref: the user's value and the ids it may stand for."""
    return {"value": value, "ids": list(dict.fromkeys(CANDIDATE_IDS[label](value)))}


def refs_params(label: str, values: list[str]) -> dict[str, object]:
    """The parameters of by_ref(label) for `values`."""
    return {"refs": [ref(label, value) for value in values]}


def find_ref(label: str) -> str:
    """A subquery binding `n` to the node of `label` that `ref` {value, ids} names, or null."""
    return f"""OPTIONAL CALL (ref) {{
  CALL (ref) {{
    MATCH (n:{label}) WHERE n.id IN ref.ids RETURN n, 0 AS rank
    UNION
    {NAME_MATCH[label]} RETURN n, 1 AS rank
  }}
  RETURN n ORDER BY rank, n.id LIMIT 1
}}"""


def by_ref(label: str) -> str:
    """Nodes of `label` for each of $refs (see refs_params): rows {key: the value, item: the node or null}."""
    return f"UNWIND $refs AS ref\n{find_ref(label)}\nRETURN ref.value AS key, n {{.*}} AS item"
