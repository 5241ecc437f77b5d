"""A digest of a whole graph: every node and relationship as one canonical line, hashed in a fixed order.

Two graphs with the same nodes (labels, properties) and relationships (type, ends, properties) have the
same digest, however and in whatever order they were written; `save` keeps the lines in a file so that
`diff` can say how two graphs differ. Relationship ends are named by their labels and `id` property.
kg's bookkeeping (the loads' write lock, the people's summaries: kg/graph/model.py INTERNAL) is left out.
"""
from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import neo4j

from kg.store.statements import DATA_NODE

# Each query streams rows in the order of its `key`; rows with equal keys are sorted by their lines.
NODES = f"MATCH (n) WHERE {DATA_NODE} RETURN n.id AS key, labels(n) AS labels, properties(n) AS props ORDER BY key"
RELATIONSHIPS = """
MATCH (s)-[r]->(e)
RETURN [type(r), s.id, e.id] AS key, type(r) AS type, labels(s) AS start_labels, s.id AS start,
       labels(e) AS end_labels, e.id AS end, properties(r) AS props
ORDER BY key
"""


def canonical(value: Any) -> str:
    """A value as one line of JSON: keys sorted, lists as stored, floats apart from ints."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def node_line(record: neo4j.Record) -> str:
    """The line of one node: its labels, its id (again, so a diff pairs its lines) and its properties."""
    return canonical(["node", sorted(record["labels"]), record["key"], record["props"]])


def relationship_line(record: neo4j.Record) -> str:
    """The line of one relationship: its type, its ends (labels and id) and its properties."""
    return canonical(["rel", record["type"], [sorted(record["start_labels"]), record["start"]],
                      [sorted(record["end_labels"]), record["end"]], record["props"]])


def _lines(session: neo4j.Session, query: str, line: Callable[[neo4j.Record], str]) -> Iterator[str]:
    result = session.run(query)
    for _, group in itertools.groupby(result, key=lambda record: canonical(record["key"])):
        yield from sorted(line(record) for record in group)


def graph_lines(driver: neo4j.Driver, database: str | None = None) -> Iterator[str]:
    """Every node's line, then every relationship's, in a canonical order, streamed from Neo4j."""
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        yield from _lines(session, NODES, node_line)
        yield from _lines(session, RELATIONSHIPS, relationship_line)


def digest_of(lines: Iterable[str]) -> str:
    """The SHA-256 of canonical lines, in hex."""
    sha = hashlib.sha256()
    for line in lines:
        sha.update(line.encode())
        sha.update(b"\n")
    return sha.hexdigest()


def graph_digest(driver: neo4j.Driver, database: str | None = None) -> str:
    """The digest of the graph in `database`: equal for graphs with the same nodes and relationships."""
    return digest_of(graph_lines(driver, database))


def save(driver: neo4j.Driver, database: str | None, path: Path) -> str:
    """Write the graph's lines to `path` as they stream; return its digest."""
    with path.open("w", encoding="utf-8") as fh:
        def written() -> Iterator[str]:
            for line in graph_lines(driver, database):
                fh.write(line + "\n")
                yield line

        return digest_of(written())


def diff(a: Path, b: Path, limit: int = 60) -> str:
    """How the graphs saved in `a` and `b` differ: lines only in `a` (-) and only in `b` (+), the two
    lines of one node or relationship side by side, at most `limit` of them."""
    old, new = (Counter(_read_lines(path)) for path in (a, b))
    changes = [(0, line) for line in (old - new).elements()] + [(1, line) for line in (new - old).elements()]
    changes.sort(key=lambda change: (_identity(change[1]), change))
    shown = [f"{'-+'[added]} {line}" for added, line in changes[:limit]]
    more = [f"... and {len(changes) - limit} more"] if len(changes) > limit else []
    return "\n".join([f"--- {a}", f"+++ {b}", *shown, *more])


def _identity(line: str) -> str:
    """What names a line's node or relationship: all but its properties."""
    return canonical(json.loads(line)[:-1])


def _read_lines(path: Path) -> list[str]:
    """A saved graph's lines (split on newlines only: a line may hold U+2028 and the like)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [line for line in fh.read().split("\n") if line]
